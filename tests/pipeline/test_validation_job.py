"""The local runtime's validation job: bucket A staged, the Glue script under spark-submit,
outputs at the AWS keys in buckets B and C of the emulator (real HTTP), reruns replace."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from fintech_dq.pipeline import PipelineLocations
from fintech_dq.pipeline.landing import land_sample_day
from fintech_dq.pipeline.staging import list_keys
from fintech_dq.pipeline.validation_job import run_validation_job_locally
from fintech_dq.sample import GroundTruth

DAY = date(2026, 11, 20)
ROWS = 400


@pytest.fixture(scope="module")
def locations(local_stack: Any) -> PipelineLocations:
    return PipelineLocations(env_name="local", account=local_stack.account)


@pytest.fixture(scope="module")
def landed(local_stack: Any, locations: PipelineLocations, tmp_path_factory: Any) -> Path:
    workdir = tmp_path_factory.mktemp("landing")
    keys = land_sample_day(locations, DAY, ROWS, "default", local_stack.settings, workdir=workdir)
    assert any(k.endswith(".manifest.json") for k in keys)
    return workdir


def _partition_objects(s3: Any, locations: PipelineLocations, kind: str) -> list[str]:
    prefix = f"{locations.output_prefix(kind)}business_date={DAY.isoformat()}/"
    return list_keys(s3, locations.processed_bucket, prefix)


def test_a_landed_day_is_validated_into_the_buckets_and_a_rerun_replaces_it(
    local_stack: Any, locations: PipelineLocations, landed: Path
) -> None:
    s3 = local_stack.client("s3")
    truth = GroundTruth.read(landed / "ground_truth" / f"ingest_date={DAY}" / "ground_truth.json")

    first = run_validation_job_locally(locations, DAY, "run-first", local_stack.settings)
    counts = first["counts"]
    assert counts["rows_in"] == truth.rows_total
    assert counts["rows_in"] == counts["processed"] + counts["quarantined"] + counts["rejected"]
    assert counts["quarantined"] > 0 and counts["rejected"] > 0
    stored = s3.get_object(
        Bucket=locations.audit_bucket, Key=locations.results_key(DAY, "run-first")
    )
    assert json.loads(stored["Body"].read())["run_id"] == "run-first"
    # names in the document are the delivered objects, not the job's staged copies
    raw = f"s3://{locations.raw_bucket}/{locations.landing_prefix(DAY)}"
    assert all(entry["path"].startswith(raw) for entry in first["inputs"])
    assert first["outputs"]["processed"].startswith(f"s3://{locations.processed_bucket}/")
    quarantine_keys = [
        k for k in _partition_objects(s3, locations, "quarantine") if k.endswith(".parquet")
    ]
    table = pq.read_table(
        io.BytesIO(
            s3.get_object(Bucket=locations.processed_bucket, Key=quarantine_keys[0])["Body"].read()
        )
    )
    assert all(name.startswith(raw) for name in table.column("source_file").to_pylist())

    before = {kind: _partition_objects(s3, locations, kind) for kind in ("processed", "quarantine")}
    second = run_validation_job_locally(locations, DAY, "run-second", local_stack.settings)
    assert second["counts"] == counts
    after = {kind: _partition_objects(s3, locations, kind) for kind in ("processed", "quarantine")}
    for kind in before:  # new part files replaced the old ones; none left behind
        assert after[kind] and not set(after[kind]) & set(before[kind]), kind
    processed_rows = sum(
        pq.read_table(
            io.BytesIO(s3.get_object(Bucket=locations.processed_bucket, Key=key)["Body"].read())
        ).num_rows
        for key in after["processed"]
        if key.endswith(".parquet")
    )
    assert processed_rows == counts["processed"]

    # the job's structured log is in bucket C under the run id
    from fintech_dq.run_logs.run_log import read_run_log

    lines = read_run_log(locations, "run-first", local_stack.settings)
    messages = [(line["component"], line["message"]) for line in lines]
    assert ("glue-validate", "validation started") in messages
    assert ("glue-validate", "validation finished") in messages


def test_a_day_that_has_not_landed_is_named_in_the_error(
    local_stack: Any, locations: PipelineLocations
) -> None:
    with pytest.raises(
        FileNotFoundError, match=r"nothing landed for 2026-01-01 at s3://.*ingest_date=2026-01-01/"
    ):
        run_validation_job_locally(locations, date(2026, 1, 1), "run-none", local_stack.settings)


def test_a_day_run_by_fdq_pipeline_run_is_one_the_daily_dag_finds_checked(
    local_stack: Any, locations: PipelineLocations, landed: Path
) -> None:
    """`fdq pipeline run` records the partition it read, as the DAG's publish does: a routine
    run of the day skips those files, and a file added to the day makes it check again."""
    from fintech_dq.orchestration.batch_state import (
        partition_state,
        read_checked,
    )
    from fintech_dq.pipeline.daily import run_business_date

    s3 = local_stack.client("s3")
    before = partition_state(s3, locations, DAY)
    outcome = run_business_date(locations, DAY, "run-cli", local_stack.settings)
    assert outcome.results["run_id"] == "run-cli"
    recorded = read_checked(s3, locations, DAY)
    assert recorded == {
        **before,
        "run_id": "run-cli",
        "rules_sha256": outcome.results["rules"]["sha256"],
    }
    assert before["files"] == len(
        list_keys(s3, locations.raw_bucket, locations.landing_prefix(DAY))
    )
    # a late file changes the partition the next routine run compares
    late = locations.landing_prefix(DAY) + "late-001.csv"
    s3.put_object(Bucket=locations.raw_bucket, Key=late, Body=b"transaction_id\n")
    try:
        assert partition_state(s3, locations, DAY)["fingerprint"] != recorded["fingerprint"]
    finally:
        s3.delete_object(Bucket=locations.raw_bucket, Key=late)
    assert partition_state(s3, locations, DAY) == before
