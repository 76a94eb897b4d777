"""The runs stream holds one record per distinct results of a run: a retry of `publish`
adds none; a rerun of the run's validation (new results, same run id) adds one, marked
as a rerun that supersedes the earlier results."""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from fintech_dq.audit import AuditTrail
from fintech_dq.monitoring.publisher import results_sha256
from fintech_dq.pipeline.locations import PipelineLocations
from fintech_dq.pipeline.publish import publish_run
from results_documents import results_document

_names = itertools.count(1)


def results(rows_in: int, quarantined: int, finished: datetime) -> dict[str, Any]:
    return results_document(rows_in, quarantined, finished, run_id="manual__audit-1")


def test_one_audit_record_per_distinct_results_of_a_run(local_emulator: Any) -> None:
    settings = local_emulator.settings
    locations = PipelineLocations(env_name=f"runsaudit{next(_names)}", account="123456789012")
    local_emulator.client("s3").create_bucket(
        Bucket=locations.audit_bucket, ObjectLockEnabledForBucket=True
    )
    local_emulator.client("events").create_event_bus(Name=locations.event_bus)
    now = datetime.now(UTC)
    first = results(5000, 96, now - timedelta(minutes=30))
    rerun = results(5500, 596, now - timedelta(minutes=5))
    trail = AuditTrail(locations, settings)

    def runs() -> list[Any]:
        return [r for day in trail.days("runs") for r in trail.records("runs", day)]

    ids = publish_run(locations, first, settings)
    assert publish_run(locations, copy.deepcopy(first), settings) == ids  # publish cleared
    assert [r.action for r in runs()] == ["validation.run"]
    assert runs()[0].details["results_sha256"] == results_sha256(first)

    publish_run(locations, rerun, settings)  # validate cleared: new results, same run id
    publish_run(locations, copy.deepcopy(rerun), settings)
    recorded = runs()
    assert [r.action for r in recorded] == ["validation.run", "validation.rerun"]
    assert [r.details["counts"]["rows_in"] for r in recorded] == [5000, 5500]
    assert recorded[1].details["supersedes_results_sha256"] == results_sha256(first)
    assert {r.run_id for r in recorded} == {"manual__audit-1"}
