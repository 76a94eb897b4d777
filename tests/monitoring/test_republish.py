"""A rerun of a run's validation (a cleared `validate`, same run id) writes new results:
its metrics are published and the metrics document follows them; a retry of the same
results sends nothing twice."""

from __future__ import annotations

import copy
import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from fintech_dq.monitoring import NAMESPACE, metrics_key, publish_run_metrics
from fintech_dq.monitoring.publisher import results_sha256
from fintech_dq.monitoring.run_metrics import metric_timestamp
from fintech_dq.pipeline.locations import PipelineLocations
from results_documents import results_document

_names = itertools.count(1)


def results(rows_in: int, quarantined: int, finished: datetime) -> dict[str, Any]:
    return results_document(rows_in, quarantined, finished, run_id="manual__rerun-1")


def environment(local_emulator: Any) -> PipelineLocations:
    locations = PipelineLocations(env_name=f"republish{next(_names)}", account="123456789012")
    local_emulator.client("s3").create_bucket(
        Bucket=locations.audit_bucket, ObjectLockEnabledForBucket=True
    )
    return locations


def _rows_in_points(local_emulator: Any, env_name: str) -> list[float]:
    now = datetime.now(UTC)
    answer = local_emulator.client("cloudwatch").get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName="RowsIn",
        Dimensions=[
            {"Name": "Environment", "Value": env_name},
            {"Name": "Dataset", "Value": "transactions"},
        ],
        StartTime=now - timedelta(hours=2),
        EndTime=now + timedelta(minutes=5),
        Period=60,
        Statistics=["Maximum", "SampleCount"],
    )
    points = sorted(answer["Datapoints"], key=lambda p: p["Timestamp"])
    return [p["Maximum"] for p in points for _ in range(int(p["SampleCount"]))]


def test_a_rerun_under_the_same_run_id_is_published_a_retry_is_not(local_emulator: Any) -> None:
    locations = environment(local_emulator)
    settings, s3 = local_emulator.settings, local_emulator.client("s3")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    first = results(5000, 96, now - timedelta(minutes=30))
    rerun = results(5500, 596, now - timedelta(minutes=5))
    key = metrics_key(locations, first_day(first), "manual__rerun-1")

    def stored() -> dict[str, Any]:
        body = s3.get_object(Bucket=locations.audit_bucket, Key=key)["Body"].read()
        document: dict[str, Any] = json.loads(body)
        return document

    def versions() -> int:
        listed = s3.list_object_versions(Bucket=locations.audit_bucket, Prefix=key)
        return len(listed.get("Versions", []))

    publish_run_metrics(locations, first, settings)
    publish_run_metrics(locations, copy.deepcopy(first), settings)  # a retry of publish
    assert versions() == 1
    assert _rows_in_points(local_emulator, locations.env_name) == [5000.0]

    publish_run_metrics(locations, rerun, settings)  # validate cleared: new results
    document = stored()
    by_name = {m["name"]: m["value"] for m in document["metrics"] if not m["dimensions"]}
    assert by_name["RowsIn"] == "5500" and by_name["RowsQuarantined"] == "596"
    assert document["results_sha256"] == results_sha256(rerun)
    assert document["supersedes_results_sha256"] == results_sha256(first)
    assert versions() == 2  # the first document is kept as an older version
    assert _rows_in_points(local_emulator, locations.env_name) == [5000.0, 5500.0]

    publish_run_metrics(locations, copy.deepcopy(rerun), settings)  # its retry
    assert versions() == 2
    assert _rows_in_points(local_emulator, locations.env_name) == [5000.0, 5500.0]


def test_a_document_written_before_results_were_named_counts_by_finish_time(
    local_emulator: Any,
) -> None:
    locations = environment(local_emulator)
    settings, s3 = local_emulator.settings, local_emulator.client("s3")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    first = results(5000, 96, now - timedelta(minutes=30))
    key = metrics_key(locations, first_day(first), "manual__rerun-1")
    stamp = metric_timestamp(first).isoformat().replace("+00:00", "Z")  # as it was written
    legacy = {"run_id": "manual__rerun-1", "timestamp": stamp, "metrics": []}
    s3.put_object(Bucket=locations.audit_bucket, Key=key, Body=json.dumps(legacy).encode())

    publish_run_metrics(locations, first, settings)  # a retry after the upgrade
    assert _rows_in_points(local_emulator, locations.env_name) == []
    publish_run_metrics(locations, results(5500, 596, now), settings)
    assert _rows_in_points(local_emulator, locations.env_name) == [5500.0]


def first_day(document: dict[str, Any]) -> Any:
    from datetime import date

    return date.fromisoformat(document["business_date"])
