"""Reading the published metrics back from CloudWatch (the emulator locally)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fintech_dq.infra import aws
from fintech_dq.monitoring.run_metrics import NAMESPACE
from fintech_dq.pipeline.locations import PipelineLocations

DAY_SECONDS = 86400


@dataclass(frozen=True)
class MetricSummary:
    name: str
    dimensions: dict[str, str]
    datapoints: int
    maximum: float | None
    total: float | None
    unit: str | None

    @property
    def label(self) -> str:
        extra = {k: v for k, v in self.dimensions.items() if k not in ("Environment", "Dataset")}
        return self.name + "".join(f"[{k}={v}]" for k, v in sorted(extra.items()))


def published_metrics(
    locations: PipelineLocations,
    settings: aws.AwsSettings | None = None,
    *,
    days: int = 14,
    now: datetime | None = None,
) -> list[MetricSummary]:
    """Every FintechDQ metric of the environment and dataset, with its points of the last
    `days` days."""
    cloudwatch = aws.client("cloudwatch", settings)
    end = (now or datetime.now(UTC)) + timedelta(minutes=1)
    start = end - timedelta(days=days)
    wanted = [
        {"Name": "Environment", "Value": locations.env_name},
        {"Name": "Dataset", "Value": locations.dataset},
    ]
    pages = cloudwatch.get_paginator("list_metrics").paginate(
        Namespace=NAMESPACE, Dimensions=wanted
    )
    summaries = []
    for metric in unique_metrics(m for page in pages for m in page.get("Metrics", [])):
        points = cloudwatch.get_metric_statistics(
            Namespace=metric.get("Namespace", NAMESPACE),
            MetricName=metric["MetricName"],
            Dimensions=metric["Dimensions"],
            StartTime=start,
            EndTime=end,
            Period=DAY_SECONDS,
            Statistics=["Maximum", "Sum", "SampleCount"],
        )["Datapoints"]
        summaries.append(_summary(metric, points))
    return sorted(summaries, key=lambda s: s.label)


def metric_identity(metric: dict[str, Any]) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """What makes a CloudWatch metric one metric: namespace, name and its dimensions (in
    any order)."""
    dimensions = tuple(sorted((d["Name"], d["Value"]) for d in metric.get("Dimensions", [])))
    return metric.get("Namespace", NAMESPACE), metric["MetricName"], dimensions


def unique_metrics(metrics: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each metric once, in the order first listed. ListMetrics may list a metric more than
    once: across pages on AWS, and the emulator once per PutMetricData call (one per
    published run), each copy with the same datapoints; reading every copy would count
    the metric's points once per copy."""
    seen: set[tuple[str, str, tuple[tuple[str, str], ...]]] = set()
    unique = []
    for metric in metrics:
        identity = metric_identity(metric)
        if identity not in seen:
            seen.add(identity)
            unique.append(metric)
    return unique


def _summary(metric: dict[str, Any], points: list[dict[str, Any]]) -> MetricSummary:
    dimensions = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
    if not points:
        return MetricSummary(metric["MetricName"], dimensions, 0, None, None, None)
    return MetricSummary(
        metric["MetricName"],
        dimensions,
        int(sum(p.get("SampleCount", 0) for p in points)),
        max(p["Maximum"] for p in points),
        sum(p["Sum"] for p in points),
        points[0].get("Unit"),
    )
