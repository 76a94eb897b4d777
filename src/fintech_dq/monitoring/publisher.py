"""Publishing a run's metrics: CloudWatch for alarms, bucket C for the history per day."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from fintech_dq.infra import aws
from fintech_dq.monitoring.bucket_documents import exists, latest_schema_diff, put_once
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


def publish_run_metrics(
    locations: PipelineLocations,
    results: dict[str, Any],
    settings: aws.AwsSettings | None = None,
) -> list[str]:
    """PutMetricData for the run, then its metrics document in bucket C; returns the metric
    names. The document marks the run as published: a retried task finds it and sends
    nothing twice (a crash between the two sends the points again, never loses them)."""
    business_date = date.fromisoformat(str(results["business_date"]))
    run_id = str(results["run_id"])
    schema_diff = latest_schema_diff(locations, business_date, settings)
    data = run_metrics(results, schema_diff)
    base = {"Environment": locations.env_name, "Dataset": str(results["dataset"])}
    timestamp = metric_timestamp(results)
    s3 = aws.client("s3", settings)
    key = metrics_key(locations, business_date, run_id)
    if exists(s3, locations.audit_bucket, key):
        return sorted({d.name for d in data})
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
        "timestamp": timestamp.isoformat().replace("+00:00", "Z"),
        "status": results.get("status"),
        "metrics": [d.as_history() for d in data],
        "figures": results.get("metrics", {}),
    }
    put_once(
        s3,
        locations.audit_bucket,
        key,
        json.dumps(document, indent=2, sort_keys=True).encode(),
        "application/json",
    )
    return sorted({d.name for d in data})


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
