"""Glue job: validate one business day of transactions (thin entry point).

Runs unchanged on AWS Glue 5.1 (arguments resolved by awsglue, the session Glue made) and
locally with spark-submit (`spark-submit glue_jobs/validate_transactions.py --business_date
2026-11-28 --input_uri ... `), where awsglue is absent and a local session is built.

Arguments (Glue style, `--name value`):
  --business_date      YYYY-MM-DD (required)
  --input_uri          folder or file of the day's deliveries (required; repeat with commas)
  --processed_uri, --quarantine_uri, --rejected_uri, --results_uri   output roots (required)
  --reference_merchants_uri   merchants reference table (optional)
  --dataset            default transactions
  --run_id             default: derived from the Glue JOB_RUN_ID or random
  --location_aliases   JSON {local prefix: URI it is a staged copy of} (when inputs were
                       copied to local disk first; names in outputs stay the S3 ones)
  --staging_uri        where ingest puts copies Spark reads instead of a delivered file
                       (damaged gzip salvaged, Parquet inside gzip, ...), deleted after the
                       run. Default: Glue's --TempDir when an input is on S3 (the cluster
                       must see them), else a local temp directory
  --env_name           the environment (fdq-<env>-…): the job's structured log then goes to
                       bucket C under logs/<dataset>/run_id=<run>/glue-validate/
  --fail_on_blocked    "true" makes a blocked batch fail the job run (default "false":
                       the results document carries the status for the DAG to act on)
"""

from __future__ import annotations

import json
import logging
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

REQUIRED = [
    "business_date",
    "input_uri",
    "processed_uri",
    "quarantine_uri",
    "rejected_uri",
    "results_uri",
]
OPTIONAL = {
    "dataset": "transactions",
    "reference_merchants_uri": "",
    "run_id": "",
    "fail_on_blocked": "false",
    "location_aliases": "",
    "staging_uri": "",
    "TempDir": "",
    "env_name": "",
    "JOB_RUN_ID": "",
}


def resolve_arguments(argv: list[str]) -> dict[str, str]:
    """awsglue's getResolvedOptions where it exists; the same `--name value` rules otherwise."""
    try:
        from awsglue.utils import getResolvedOptions
    except ImportError:
        getResolvedOptions = None
    present = [name for name in OPTIONAL if f"--{name}" in argv]
    if getResolvedOptions is not None:
        return {**OPTIONAL, **getResolvedOptions(argv, REQUIRED + present)}
    values = dict(OPTIONAL)
    index = 1
    while index < len(argv):
        token = argv[index]
        if token.startswith("--") and index + 1 < len(argv):
            values[token[2:]] = argv[index + 1]
            index += 2
        else:
            index += 1
    missing = [name for name in REQUIRED if not values.get(name)]
    if missing:
        raise SystemExit(f"validate_transactions: missing job arguments: --{', --'.join(missing)}")
    return values


def staging_root(args: dict[str, str], inputs: list[str]) -> str | None:
    """--staging_uri; else Glue's TempDir when the inputs are on S3; else None (local temp)."""
    if args["staging_uri"]:
        return args["staging_uri"]
    if args["TempDir"] and any(uri.startswith(("s3://", "s3a://")) for uri in inputs):
        return args["TempDir"].rstrip("/") + "/ingest-staging"
    return None


def spark_session() -> Any:
    """Glue's session on Glue (its context started with the settings the engine's kept
    rows need, KEPT_ROWS_CONF); a local one elsewhere."""
    try:
        from awsglue.context import GlueContext
        from pyspark import SparkConf
        from pyspark.context import SparkContext
    except ImportError:
        from fintech_dq.spark_session import local_spark

        return local_spark("validate_transactions")
    from fintech_dq.spark_session import KEPT_ROWS_CONF

    conf = SparkConf().setAll(list(KEPT_ROWS_CONF.items()))
    return GlueContext(SparkContext.getOrCreate(conf)).spark_session


def main(argv: list[str]) -> int:
    from fintech_dq.engine import OutputLocations, ValidationRequest, validate_batch
    from fintech_dq.rules import load_dataset_rules

    args = resolve_arguments(argv)
    business_date = date.fromisoformat(args["business_date"])
    run_id = args["run_id"] or args["JOB_RUN_ID"] or f"{business_date}-{uuid.uuid4().hex[:12]}"
    with _run_log(args, run_id) as log:
        log.info(
            "validation started", business_date=args["business_date"], inputs=args["input_uri"]
        )
        rules = load_dataset_rules(args["dataset"])
        references = (
            {"merchants": args["reference_merchants_uri"]}
            if args["reference_merchants_uri"]
            else {}
        )
        inputs = [uri for uri in args["input_uri"].split(",") if uri]
        request = ValidationRequest(
            dataset=args["dataset"],
            business_date=business_date,
            inputs=inputs,
            outputs=OutputLocations(
                processed=args["processed_uri"],
                quarantine=args["quarantine_uri"],
                rejected=args["rejected_uri"],
                results=args["results_uri"],
            ),
            references=references,
            run_id=run_id,
            location_aliases=json.loads(args["location_aliases"] or "{}"),
            staging_root=staging_root(args, inputs),
        )
        result = validate_batch(spark_session(), rules, request)
        summary = {k: result.document[k] for k in ("run_id", "business_date", "status", "counts")}
        log.info("validation finished", results_uri=result.results_uri, **summary)
    print(
        json.dumps({"event": "validation_finished", "results_uri": result.results_uri, **summary})
    )
    if result.blocked and args["fail_on_blocked"].lower() == "true":
        return 3
    return 0


@contextmanager
def _run_log(args: dict[str, str], run_id: str) -> Iterator[Any]:
    """The run's structured log in bucket C when the environment is named (it always is on
    Glue, from the job's default arguments); otherwise a log that writes nowhere."""
    if not args["env_name"]:
        yield _Unlogged()
        return
    from fintech_dq.pipeline.locations import PipelineLocations
    from fintech_dq.run_logs.run_log import RunLog

    locations = PipelineLocations.resolve(env_name=args["env_name"])
    log = RunLog(locations, run_id.replace("/", "_"), "glue-validate")
    with log.capturing(logging.getLogger("fintech_dq")):
        yield log


class _Unlogged:
    def info(self, message: str, **fields: Any) -> None:
        del message, fields


if __name__ == "__main__":
    sys.exit(main(sys.argv))
