"""Publishing a run's metrics: CloudWatch for alarms, bucket C for the history per day."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from fintech_dq.infra import aws
from fintech_dq.masked_documents import keys_masked, masked
from fintech_dq.monitoring.bucket_documents import put_once, read_json
from fintech_dq.monitoring.run_metrics import (
    BREAKING_SCHEMA_CHANGES,
    NAMESPACE,
    SCHEMA_CHANGES,
    MetricDatum,
    metric_timestamp,
    run_metrics,
)
from fintech_dq.pipeline.locations import PipelineLocations

MAX_DATA_PER_CALL = 20


def metrics_key(locations: PipelineLocations, business_date: date, run_id: str) -> str:
    return (
        f"{locations.metrics_prefix}business_date={business_date.isoformat()}/"
        f"run_id={run_id}/metrics.json"
    )


def results_sha256(results: dict[str, Any]) -> str:
    """The identity of one results document: sha256 of its canonical JSON. A rerun of the
    run's validation (same run id) writes different results; a retry reads the same."""
    canonical = json.dumps(results, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class MetricsPublication:
    names: list[str]
    results_sha256: str
    supersedes: str | None
    """The results identity a rerun replaced (None for the run's first results)."""
    sent: bool
    """False when these very results had been published already (a retry)."""


def publish_run_metrics(
    locations: PipelineLocations,
    results: dict[str, Any],
    settings: aws.AwsSettings | None = None,
) -> list[str]:
    """PutMetricData for the run, then its metrics document in bucket C; returns the metric
    names (see `publish_metrics_of_results`)."""
    return publish_metrics_of_results(locations, results, settings).names


def publish_metrics_of_results(
    locations: PipelineLocations,
    results: dict[str, Any],
    settings: aws.AwsSettings | None = None,
) -> MetricsPublication:
    """PutMetricData for the run, then its metrics document in bucket C. The document names
    the results it was computed from (`results_sha256`): a retried task finds the same
    results and sends nothing twice (a crash between the two sends the points again, never
    loses them); a cleared `validate` wrote new results under the same run id, so they are
    published and the document is replaced (a new object version: the old one is kept)."""
    business_date = date.fromisoformat(str(results["business_date"]))
    run_id = str(results["run_id"])
    data = run_metrics(results)
    names = sorted({d.name for d in data})
    base = {"Environment": locations.env_name, "Dataset": str(results["dataset"])}
    timestamp = metric_timestamp(results)
    stamp = timestamp.isoformat().replace("+00:00", "Z")
    identity = results_sha256(results)
    s3 = aws.client("s3", settings)
    key = metrics_key(locations, business_date, run_id)
    previous = _read_if_there(s3, locations.audit_bucket, key)
    supersedes: str | None = None
    if previous is not None:
        if _same_results(previous, identity, stamp):
            return MetricsPublication(
                names, identity, previous.get("supersedes_results_sha256"), sent=False
            )
        # a document from before results were identified is known by its finish time
        supersedes = str(
            previous.get("results_sha256") or f"results finished {previous.get('timestamp')}"
        )
    cloudwatch = aws.client("cloudwatch", settings)
    points = [d.as_cloudwatch(base, timestamp) for d in data]
    for start in range(0, len(points), MAX_DATA_PER_CALL):
        cloudwatch.put_metric_data(
            Namespace=NAMESPACE, MetricData=points[start : start + MAX_DATA_PER_CALL]
        )
    document = {
        "namespace": NAMESPACE,
        "dimensions": base,
        "business_date": business_date.isoformat(),
        "run_id": run_id,
        "timestamp": stamp,
        "status": results.get("status"),
        "metrics": [d.as_history() for d in data],
        "figures": keys_masked(results.get("metrics", {})),  # the engine's figures
        "results_sha256": identity,
        "supersedes_results_sha256": supersedes,
    }
    document = masked(document)  # names as sent can hold a PAN (figures: keys only, above)
    body = json.dumps(document, indent=2, sort_keys=True).encode()
    if previous is None:
        put_once(s3, locations.audit_bucket, key, body, "application/json")
    else:
        s3.put_object(
            Bucket=locations.audit_bucket, Key=key, Body=body, ContentType="application/json"
        )
    return MetricsPublication(names, identity, supersedes, sent=True)


def _read_if_there(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    try:
        document = read_json(s3, bucket, key)
    except s3.exceptions.ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    except ValueError:
        return {}  # unreadable: publish again and replace it
    return document if isinstance(document, dict) else {}


def _same_results(previous: dict[str, Any], identity: str, stamp: str) -> bool:
    if previous.get("results_sha256"):
        return bool(previous["results_sha256"] == identity)
    # written before documents named their results: a rerun always finishes at a new time
    return bool(previous.get("timestamp") and previous.get("timestamp") == stamp)


def publish_schema_change_metrics(
    locations: PipelineLocations,
    diff_document: dict[str, Any],
    settings: aws.AwsSettings | None = None,
) -> None:
    """SchemaChanges and BreakingSchemaChanges when the drift check acts: a breaking change
    stops the run before validation, so no run's metrics would ever carry it (the
    breaking-schema-change alarm watches this point)."""
    changes = diff_document.get("changes", [])
    breaking = [c for c in changes if c.get("classification") == "breaking"]
    base = {"Environment": locations.env_name, "Dataset": locations.dataset}
    now = datetime.now(UTC)
    data = [
        MetricDatum(SCHEMA_CHANGES, Decimal(len(changes)), "Count"),
        MetricDatum(BREAKING_SCHEMA_CHANGES, Decimal(len(breaking)), "Count"),
    ]
    aws.client("cloudwatch", settings).put_metric_data(
        Namespace=NAMESPACE, MetricData=[d.as_cloudwatch(base, now) for d in data]
    )
