"""The validation job, run by the local runtime the way Glue would run it.

The emulator accepts a Glue job run and does nothing (DESIGN.md), so locally the same
script, glue_jobs/validate_transactions.py, runs under spark-submit in its own process.
Spark reads local paths here, so the run is staged:

1. bucket A's day (files and manifests) and the merchants table are downloaded;
2. the processed partitions of the id-history window are downloaded, so that "not seen
   in the last 90 days" reads exactly what bucket B holds;
3. the job writes processed / quarantine / rejected locally and its results document
   straight to bucket C (the engine's storage layer speaks s3://, and reads its metrics
   history from there too);
4. the day's partitions replace the ones in bucket B (a rerun replaces, never appends).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fintech_dq.infra import aws
from fintech_dq.pipeline.locations import PipelineLocations
from fintech_dq.pipeline.staging import delete_prefix, download_prefix, list_keys, upload_tree

REPO_ROOT = Path(__file__).resolve().parents[3]
GLUE_SCRIPT = REPO_ROOT / "glue_jobs" / "validate_transactions.py"
ID_HISTORY_DAYS = 90
OUTPUT_KINDS = ("processed", "quarantine", "rejected")
_PARTITION = re.compile(r"business_date=(\d{4}-\d{2}-\d{2})/")
_log = logging.getLogger(__name__)


class ValidationJobError(RuntimeError):
    """The job process failed; the message carries the end of its output."""


@dataclass(frozen=True)
class JobArguments:
    """The Glue-style arguments of one run (the same names the Glue job definition uses)."""

    business_date: date
    run_id: str
    input_uri: str
    reference_merchants_uri: str
    output_roots: dict[str, str]
    results_uri: str
    location_aliases: dict[str, str]
    env_name: str

    def as_argv(self) -> list[str]:
        argv = [
            "--business_date", self.business_date.isoformat(),
            "--run_id", self.run_id,
            "--input_uri", self.input_uri,
            "--results_uri", self.results_uri,
            "--env_name", self.env_name,
        ]  # fmt: skip
        for kind, root in self.output_roots.items():
            argv += [f"--{kind}_uri", root]
        if self.location_aliases:
            argv += ["--location_aliases", json.dumps(self.location_aliases)]
        if self.reference_merchants_uri:
            argv += ["--reference_merchants_uri", self.reference_merchants_uri]
        return argv


def run_validation_job_locally(
    locations: PipelineLocations,
    business_date: date,
    run_id: str,
    settings: aws.AwsSettings | None = None,
    *,
    workdir: Path | None = None,
    timeout_seconds: float = 3600,
    in_process: bool = False,
) -> dict[str, Any]:
    """Stage, run the Glue script with spark-submit, publish its outputs; returns the
    results document (also stored in bucket C at `locations.results_key`).

    `in_process` runs the same script's `main` in this process instead (its Spark session
    is this process's active one): what `fdq pipeline run` does to run many days without a
    JVM start and a cold JIT per day. Airflow's tasks keep the separate process, as Glue."""
    settings = settings or aws.settings()
    s3 = aws.client("s3", settings)
    own_scratch = workdir is None
    stage = Path(tempfile.mkdtemp(prefix=f"fdq-job-{run_id}-")) if workdir is None else workdir
    try:
        arguments = _stage(s3, locations, business_date, run_id, stage)
        # the task's own log says only what it returned: say where the job logs
        _log.info("validation job of %s (run %s): its run log is %s", business_date, run_id,
                  job_log_uri(locations, run_id))  # fmt: skip
        if in_process:
            _run_in_process(arguments)
        else:
            _spark_submit(arguments, settings, stage / "job.log", timeout_seconds)
        _publish_partitions(s3, locations, business_date, stage / "out")
        key = locations.results_key(business_date, run_id)
        body = s3.get_object(Bucket=locations.audit_bucket, Key=key)["Body"].read()
        document: dict[str, Any] = json.loads(body)
        return document
    finally:
        if own_scratch:
            shutil.rmtree(stage, ignore_errors=True)


def job_log_uri(locations: PipelineLocations, run_id: str) -> str:
    """Where the job's structured log lines go (glue_jobs/validate_transactions.py: RunLog
    component glue-validate), in bucket C; on AWS also the Glue job run's CloudWatch logs."""
    from fintech_dq.run_logs.run_log import run_prefix

    key = f"{run_prefix(locations, run_id.replace('/', '_'))}glue-validate/"
    return locations.s3_uri(locations.audit_bucket, key)


def _stage(
    s3: Any, locations: PipelineLocations, business_date: date, run_id: str, stage: Path
) -> JobArguments:
    inputs = stage / "input"
    landed = download_prefix(
        s3, locations.raw_bucket, locations.landing_prefix(business_date), inputs
    )
    if not landed:
        raise FileNotFoundError(
            f"nothing landed for {business_date} at "
            f"s3://{locations.raw_bucket}/{locations.landing_prefix(business_date)}"
        )
    merchants = download_prefix(
        s3, locations.raw_bucket, locations.merchants_prefix, stage / "reference"
    )
    outputs = {kind: stage / "out" / kind for kind in OUTPUT_KINDS}
    for root in outputs.values():
        root.mkdir(parents=True, exist_ok=True)
    _download_id_history(s3, locations, business_date, outputs["processed"])
    return JobArguments(
        business_date=business_date,
        run_id=run_id,
        input_uri=str(inputs),
        reference_merchants_uri=str(merchants[0]) if merchants else "",
        output_roots={kind: str(root) for kind, root in outputs.items()},
        results_uri=locations.s3_uri(locations.audit_bucket, locations.results_prefix),
        env_name=locations.env_name,
        location_aliases={
            str(inputs): locations.s3_uri(
                locations.raw_bucket, locations.landing_prefix(business_date)
            ),
            str(stage / "reference"): locations.s3_uri(
                locations.raw_bucket, locations.merchants_prefix
            ),
            **{
                str(root): locations.s3_uri(
                    locations.processed_bucket, locations.output_prefix(kind)
                )
                for kind, root in outputs.items()
            },
        },
    )


def _download_id_history(
    s3: Any, locations: PipelineLocations, business_date: date, processed_root: Path
) -> None:
    """The processed partitions of the days before the business date, within the window."""
    prefix = locations.output_prefix("processed")
    first = business_date - timedelta(days=ID_HISTORY_DAYS)
    days = set()
    for key in list_keys(s3, locations.processed_bucket, prefix):
        match = _PARTITION.search(key)
        if match and first <= date.fromisoformat(match.group(1)) < business_date:
            days.add(match.group(1))
    for day in sorted(days):
        partition = f"business_date={day}/"
        download_prefix(
            s3, locations.processed_bucket, prefix + partition, processed_root / partition[:-1]
        )


def _spark_submit(
    arguments: JobArguments, settings: aws.AwsSettings, log_path: Path, timeout: float
) -> None:
    environment = {**os.environ, **aws.subprocess_environment(settings)}
    environment.setdefault("PYSPARK_PYTHON", sys.executable)
    environment.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    command = [_spark_submit_binary(), "--master", "local[*]", str(GLUE_SCRIPT)]
    command += arguments.as_argv()
    with log_path.open("w") as log:
        finished = subprocess.run(
            command, stdout=log, stderr=subprocess.STDOUT, env=environment, timeout=timeout
        )
    output = log_path.read_text(errors="replace")
    # Spark's console output (its WARNs, progress bars) is kept out of the task log, where
    # Airflow would show stderr as errors; on failure its end is in the error raised.
    _log.info("spark-submit exited with %s (%d lines of console output)",
              finished.returncode, output.count("\n"))  # fmt: skip
    if finished.returncode != 0:
        tail = output[-4000:]
        raise ValidationJobError(
            f"validation job for {arguments.business_date} (run {arguments.run_id}) exited "
            f"with {finished.returncode}; end of its log:\n{tail}"
        )


def _run_in_process(arguments: JobArguments) -> None:
    spec = importlib.util.spec_from_file_location("validate_transactions_job", GLUE_SCRIPT)
    if spec is None or spec.loader is None:
        raise ValidationJobError(f"cannot load the job script {GLUE_SCRIPT}")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    exit_code = script.main([str(GLUE_SCRIPT), *arguments.as_argv()])
    if exit_code != 0:
        raise ValidationJobError(f"validation job exited with {exit_code}")


def _spark_submit_binary() -> str:
    beside_python = Path(sys.executable).parent / "spark-submit"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("spark-submit")
    if found is None:
        raise ValidationJobError("spark-submit not found (pyspark installs it beside python)")
    return found


def _publish_partitions(
    s3: Any, locations: PipelineLocations, business_date: date, out: Path
) -> None:
    """Replace the day's partition of each output in bucket B with what the run wrote."""
    partition = f"business_date={business_date.isoformat()}"
    for kind in OUTPUT_KINDS:
        prefix = f"{locations.output_prefix(kind)}{partition}/"
        delete_prefix(s3, locations.processed_bucket, prefix)
        written = out / kind / partition
        if written.is_dir():
            upload_tree(s3, written, locations.processed_bucket, prefix)
