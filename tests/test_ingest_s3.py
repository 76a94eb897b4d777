"""Ingest and the engine on s3:// inputs, against the local emulator over real HTTP.

The driver lists and streams the objects with boto3; Spark reads the same s3:// URIs through
Hadoop's S3A connector (the jars scripts/setup installs), as Glue reads them through EMRFS.
Each day is also read from local disk: both must give the same files, findings, records,
rejected lines and results. Copies ingest has to stage go under an S3 prefix and are gone
after the run.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fintech_dq import storage
from fintech_dq.engine import OutputLocations, ValidationRequest, validate_batch
from fintech_dq.infra import aws
from fintech_dq.ingest import discover_inputs, read_batch
from fintech_dq.sample import generate_day
from fintech_dq.spark_session import (
    require_filesystem,
    s3a_jars,
    spark_submit_options,
    use_s3_endpoint,
)
from test_ingest import COLUMNS, _truncated, _write_day

REPO_ROOT = Path(__file__).resolve().parents[1]
BUCKET = "fdq-s3-ingest-tests"
DAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def bucket(spark: Any, local_emulator: Any) -> Iterator[str]:
    """boto3 (this process) and the shared Spark session pointed at the emulator."""
    if not s3a_jars():
        pytest.fail("the S3A jars are missing: run scripts/setup")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in aws.subprocess_environment(local_emulator.settings).items():
            patch.setenv(name, value)
        use_s3_endpoint(spark, local_emulator.record.endpoint_url)
        storage.s3_client().create_bucket(Bucket=BUCKET)
        yield BUCKET


def _upload(root: Path, uri: str) -> None:
    bucket, prefix = storage.bucket_key(uri)
    for path in sorted(root.rglob("*")):
        if path.is_file():
            key = f"{prefix}/{path.relative_to(root).as_posix()}"
            storage.s3_client().upload_file(str(path), bucket, key)


def _as_s3(value: Any, root: Path | None = None, uri: str = "") -> Any:
    """A run's value with local paths under root spelled as under uri, and py4j's object ids
    (in Spark's error messages: "calling o48.parquet") dropped."""
    if isinstance(value, str):
        return re.sub(r"\bo\d+\.", "o.", value.replace(str(root), uri) if root else value)
    if isinstance(value, dict):
        return {k: _as_s3(v, root, uri) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_as_s3(v, root, uri) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _as_s3(getattr(value, f.name), root, uri) for f in dataclasses.fields(value)
        }
        return dataclasses.replace(value, **changes)
    return value


def _rows(frame: Any) -> list[Any]:
    return sorted((tuple(sorted(r.asDict().items())) for r in frame.collect()), key=repr)


def test_a_day_on_s3_reads_exactly_as_on_disk(
    spark: Any, bucket: str, tmp_path_factory: Any
) -> None:
    """test_ingest's day (damaged and truncated gzip, Parquet in gzip, bad CSV and JSON
    lines, manifests good and bad, _SUCCESS, a resend) from disk and from the emulator."""
    root = tmp_path_factory.mktemp("ingest-day")
    _write_day(root)
    uri = f"s3://{bucket}/landing/ingest-day"
    _upload(root, uri)
    staging = f"s3://{bucket}/tmp/ingest"

    local = read_batch(spark, [str(root)], COLUMNS)
    remote = read_batch(spark, [uri], COLUMNS, staging_root=staging)
    try:
        staged = storage.list_files(staging)
        names = sorted(re.sub(r"^.*/\d{5}-", "", key) for key in staged)
        assert names == ["corrupt.txt", "cut.parquet", "truncated.txt", "zipped.parquet"]
        assert _as_s3(remote.files) == _as_s3(local.files, root, uri)
        assert remote.files[0].path == f"{uri}/bad_lines.csv"
        assert all(f.manifest is None or f.manifest.path.startswith(uri) for f in remote.files)
        assert sorted(map(repr, _as_s3(remote.findings))) == sorted(
            map(repr, _as_s3(local.findings, root, uri))
        )
        kinds = {(f.file.rsplit("/", 1)[1], f.kind) for f in remote.findings}
        assert {("corrupt.csv.gz", "file_integrity"), ("drift.csv", "manifest_invalid")} <= kinds
        assert _rows(remote.records) == _as_s3(_rows(local.records), root, uri)
        assert _rows(remote.rejected) == _as_s3(_rows(local.rejected), root, uri)
        reasons = {r["reason"] for r in remote.rejected.collect()}
        assert any(reason.startswith("file truncated: gzip stream ends") for reason in reasons)
    finally:
        local.close()
        remote.close()
    assert storage.list_files(staging) == []


def test_s3_discovery_skips_and_refuses_like_the_local_walk(bucket: str) -> None:
    s3 = storage.s3_client()
    base = "discover"
    for key in ["b/x.CSV.GZ", "a.jsonl", "a.jsonl.manifest.json", ".hidden/z.csv", "_SUCCESS",
                "_tmp/y.csv", "b/"]:  # fmt: skip
        s3.put_object(Bucket=bucket, Key=f"{base}/{key}", Body=b"")
    prefix = f"s3://{bucket}/{base}"
    found = discover_inputs([prefix, f"{prefix}/a.jsonl", f"{prefix}/"])
    assert found == [f"{prefix}/a.jsonl", f"{prefix}/b/x.CSV.GZ"]
    s3.put_object(Bucket=bucket, Key=f"{base}/notes.txt", Body=b"")
    with pytest.raises(ValueError, match=rf"{prefix}/notes\.txt: unknown data file extension"):
        discover_inputs([prefix])
    with pytest.raises(ValueError, match="is a manifest"):
        discover_inputs([f"{prefix}/a.jsonl.manifest.json"])


def test_a_missing_s3_input_is_an_error_naming_it(spark: Any, bucket: str) -> None:
    missing = f"s3://{bucket}/landing/ingest_date=1999-01-01"
    with pytest.raises(ValueError, match=rf"input {re.escape(missing)} does not exist"):
        read_batch(spark, [missing], COLUMNS, staging_root=f"s3://{bucket}/tmp/missing")
    with pytest.raises(ValueError, match=r"input s3://no-such-bucket-fdq/x does not exist"):
        discover_inputs(["s3://no-such-bucket-fdq/x"])
    assert storage.list_files(f"s3://{bucket}/tmp/missing") == []


# ------------------------------------------------------------ the engine and the Glue script
@pytest.fixture(scope="module")
def generated_day(
    spark: Any, transactions_rules: Any, bucket: str, tmp_path_factory: Any
) -> dict[str, Any]:
    """A generated day plus a truncated gzip resend (so something is staged), validated from
    local disk into local outputs: what the S3 runs are compared with."""
    root = tmp_path_factory.mktemp("generated")
    truth = generate_day(root, DAY, rows=1500, seed=23)
    day_dir = root / "transactions" / f"ingest_date={DAY.isoformat()}"
    first_csv = sorted(day_dir.rglob("*.csv"))[0]
    (day_dir / "late_resend.csv.gz").write_bytes(_truncated(first_csv.read_bytes()))
    merchants = root / "reference" / "merchants" / "merchants.csv"
    uri = f"s3://{bucket}/landing/transactions/ingest_date={DAY.isoformat()}"
    _upload(day_dir, uri)
    merchants_uri = f"s3://{bucket}/reference/merchants/merchants.csv"
    storage.s3_client().upload_file(str(merchants), bucket, "reference/merchants/merchants.csv")
    local = validate_batch(
        spark,
        transactions_rules,
        _request([str(day_dir)], OutputLocations.under(root / "out"), str(merchants)),
    )
    return {
        "truth": truth,
        "day_dir": day_dir,
        "uri": uri,
        "merchants_uri": merchants_uri,
        "local": local.document,
    }


def _request(
    inputs: list[str], outputs: OutputLocations, merchants: str, **kw: Any
) -> ValidationRequest:
    return ValidationRequest(
        dataset="transactions",
        business_date=DAY,
        inputs=inputs,
        outputs=outputs,
        references={"merchants": merchants},
        run_id="s3-ingest",
        now=datetime.combine(DAY + timedelta(days=1), datetime.min.time(), UTC),
        **kw,
    )


def _assert_same_outcome(document: dict[str, Any], day: dict[str, Any]) -> None:
    local = _as_s3(day["local"], day["day_dir"], day["uri"])
    assert document["counts"] == local["counts"]
    assert document["counts"]["balanced"] is True
    assert document["counts"]["rows_in"] > day["truth"].rows_total  # the resend's lines too
    assert document["status"] == local["status"]
    assert document["inputs"] == local["inputs"]
    assert all(i["path"].startswith(day["uri"]) for i in document["inputs"])
    assert _as_s3(document["findings"]) == local["findings"]
    outcome = {r["rule_id"]: (r["status"], r["failures"]) for r in document["rule_results"]}
    assert outcome == {r["rule_id"]: (r["status"], r["failures"]) for r in local["rule_results"]}
    assert any("late_resend.csv.gz" in f["file"] for f in document["findings"])


def test_validate_batch_on_s3_gives_the_outcome_it_gives_on_disk(
    spark: Any, transactions_rules: Any, bucket: str, generated_day: dict[str, Any]
) -> None:
    outputs = OutputLocations.under(f"s3://{bucket}/engine-out")
    staging = f"s3://{bucket}/tmp/engine"
    result = validate_batch(
        spark,
        transactions_rules,
        _request(
            [generated_day["uri"]], outputs, generated_day["merchants_uri"], staging_root=staging
        ),
    )
    _assert_same_outcome(result.document, generated_day)
    stored = json.loads(storage.read_text(result.results_uri))
    assert stored["counts"] == result.document["counts"]
    quarantine = spark.read.parquet(result.document["outputs"]["quarantine"])  # via S3A
    assert quarantine.count() == result.document["counts"]["quarantined"] > 0
    assert result.document["outputs"]["quarantine"].startswith(f"s3://{bucket}/engine-out/")
    assert storage.list_files(staging) == []


def test_the_glue_script_reads_s3_inputs_under_spark_submit(
    local_emulator: Any, bucket: str, generated_day: dict[str, Any], tmp_path: Path
) -> None:
    """The Glue entry point as Glue runs it (--input_uri s3://..., --TempDir s3://...), under
    spark-submit with the S3A jars, reading and writing the emulator's buckets."""
    out = f"s3://{bucket}/glue-out"
    temp_dir = f"s3://{bucket}/glue-temp"
    arguments = {
        "business_date": DAY.isoformat(),
        "run_id": "glue-s3",
        "input_uri": generated_day["uri"],
        "reference_merchants_uri": generated_day["merchants_uri"],
        "processed_uri": f"{out}/processed",
        "quarantine_uri": f"{out}/quarantine",
        "rejected_uri": f"{out}/rejected",
        "results_uri": f"{out}/results",
        "TempDir": temp_dir,
    }
    command = [str(Path(sys.executable).parent / "spark-submit"), "--master", "local[1]"]
    command += [*spark_submit_options(), str(REPO_ROOT / "glue_jobs" / "validate_transactions.py")]
    command += [item for name, value in arguments.items() for item in (f"--{name}", value)]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment |= aws.subprocess_environment(local_emulator.settings)
    environment |= {"PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    finished = subprocess.run(
        command, capture_output=True, text=True, env=environment, timeout=900, check=False
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    summary = json.loads(finished.stdout.strip().splitlines()[-1])
    document = json.loads(storage.read_text(summary["results_uri"]))
    assert summary["results_uri"].startswith(f"{out}/results/")
    _assert_same_outcome(document, generated_day)
    assert storage.list_files(temp_dir) == []


def test_a_scheme_spark_cannot_read_is_refused_before_any_read(spark: Any, tmp_path: Path) -> None:
    """Without a Hadoop FileSystem for the scheme (s3:// locally without the S3A jars), the
    run stops at once with the fix, not later inside Spark with "No FileSystem for scheme"."""
    require_filesystem(spark, "file:///tmp")  # a scheme this session reads: no error
    day = tmp_path / "day.csv"
    day.write_text(",".join(c.name for c in COLUMNS) + "\n")
    with pytest.raises(ValueError) as refused:
        read_batch(spark, [str(day)], COLUMNS, staging_root="nosuchfs://bucket/staging/")
    message = str(refused.value)
    assert "no Hadoop FileSystem for scheme 'nosuchfs'" in message
    assert "nosuchfs://bucket/staging/" in message and "scripts/setup" in message
