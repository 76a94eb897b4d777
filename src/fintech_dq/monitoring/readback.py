"""Reading the published metrics back from CloudWatch (the emulator locally)."""

from __future__ import annotations

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
    summaries = []
    for page in cloudwatch.get_paginator("list_metrics").paginate(
        Namespace=NAMESPACE, Dimensions=wanted
    ):
        for metric in page.get("Metrics", []):
            points = cloudwatch.get_metric_statistics(
                Namespace=NAMESPACE,
                MetricName=metric["MetricName"],
                Dimensions=metric["Dimensions"],
                StartTime=start,
                EndTime=end,
                Period=DAY_SECONDS,
                Statistics=["Maximum", "Sum", "SampleCount"],
            )["Datapoints"]
            summaries.append(_summary(metric, points))
    return sorted(summaries, key=lambda s: s.label)


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
