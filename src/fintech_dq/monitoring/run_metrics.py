"""The CloudWatch metrics of one run, derived from its results document.

Namespace FintechDQ, dimensions Environment and Dataset (and Severity for rule failures),
so one alarm per environment and dataset can watch each figure. The names are the
contract with alarms and dashboards: change them only together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

NAMESPACE = "FintechDQ"
SEVERITIES = ("warn", "error", "critical")

ROWS_IN = "RowsIn"
ROWS_PROCESSED = "RowsProcessed"
ROWS_QUARANTINED = "RowsQuarantined"
ROWS_REJECTED = "RowsRejected"
QUARANTINE_RATE = "QuarantineRatePercent"
RULE_FAILURES = "RuleFailures"
FAILED_RULES = "FailedRules"
RUN_DURATION = "RunDurationSeconds"
BATCH_BLOCKED = "BatchBlocked"
RUN_FAILED = "RunFailed"
UNBALANCED_RUNS = "UnbalancedRuns"
SCHEMA_CHANGES = "SchemaChanges"
BREAKING_SCHEMA_CHANGES = "BreakingSchemaChanges"


@dataclass(frozen=True)
class MetricDatum:
    name: str
    value: Decimal
    unit: str
    dimensions: tuple[tuple[str, str], ...] = ()
    """Beyond Environment and Dataset (e.g. Severity)."""

    def as_cloudwatch(self, base: dict[str, str], timestamp: datetime) -> dict[str, Any]:
        dimensions = {**base, **dict(self.dimensions)}
        return {
            "MetricName": self.name,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
            "Timestamp": timestamp,
            "Value": float(self.value),  # CloudWatch's wire type; the history keeps Decimal text
            "Unit": self.unit,
        }

    def as_history(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": str(self.value),
            "unit": self.unit,
            "dimensions": dict(self.dimensions),
        }


def run_metrics(results: dict[str, Any]) -> list[MetricDatum]:
    """Rows in and out, quarantine rate, failures by severity, duration. Schema changes are
    the drift check's to publish (publisher.publish_schema_change_metrics), once per change:
    every run and rerun of the day adding them again made one change count several times."""
    counts = results["counts"]
    rows_in = int(counts["rows_in"])
    rate = Decimal(counts["quarantined"]) * 100 / rows_in if rows_in else Decimal(0)
    failures = dict.fromkeys(SEVERITIES, 0)
    failed_rules = dict.fromkeys(SEVERITIES, 0)
    for rule in results.get("rule_results", []):
        if rule.get("status") == "failed" and rule.get("severity") in failures:
            failures[rule["severity"]] += int(rule.get("failures") or 0)
            failed_rules[rule["severity"]] += 1
    status = results.get("status")
    data = [
        MetricDatum(ROWS_IN, Decimal(rows_in), "Count"),
        MetricDatum(ROWS_PROCESSED, Decimal(counts["processed"]), "Count"),
        MetricDatum(ROWS_QUARANTINED, Decimal(counts["quarantined"]), "Count"),
        MetricDatum(ROWS_REJECTED, Decimal(counts["rejected"]), "Count"),
        MetricDatum(QUARANTINE_RATE, round(rate, 4), "Percent"),
        MetricDatum(RUN_DURATION, Decimal(str(results.get("duration_seconds") or 0)), "Seconds"),
        MetricDatum(BATCH_BLOCKED, Decimal(status == "blocked"), "Count"),
        MetricDatum(RUN_FAILED, Decimal(status in ("failed", "blocked")), "Count"),
        MetricDatum(UNBALANCED_RUNS, Decimal(not counts.get("balanced", True)), "Count"),
    ]
    for severity in SEVERITIES:
        data.append(
            MetricDatum(
                RULE_FAILURES, Decimal(failures[severity]), "Count", (("Severity", severity),)
            )
        )
        data.append(
            MetricDatum(
                FAILED_RULES, Decimal(failed_rules[severity]), "Count", (("Severity", severity),)
            )
        )
    return data


def metric_timestamp(results: dict[str, Any]) -> datetime:
    """When the run finished (UTC); CloudWatch refuses points older than two weeks, so a
    run without a finish time is stamped now."""
    finished = results.get("finished_at")
    if finished:
        return datetime.fromisoformat(str(finished).replace("Z", "+00:00")).astimezone(UTC)
    return datetime.now(UTC)
