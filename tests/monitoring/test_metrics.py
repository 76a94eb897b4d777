"""Run metrics to CloudWatch (the emulator, over HTTP) and to bucket C, read back by
`fdq metrics`; anomaly bands that know weekdays and month-ends."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from fintech_dq.infra import aws
from fintech_dq.monitoring import NAMESPACE, anomaly_bands, metrics_key, publish_run_metrics
from fintech_dq.monitoring.anomalies import band_of, is_month_end
from fintech_dq.pipeline.locations import PipelineLocations

EXPECTED_NAMES = {
    "RowsIn",
    "RowsProcessed",
    "RowsQuarantined",
    "RowsRejected",
    "QuarantineRatePercent",
    "RuleFailures",
    "FailedRules",
    "RunDurationSeconds",
    "BatchBlocked",
    "RunFailed",
    "UnbalancedRuns",
}


@pytest.fixture(scope="module")
def published(local_stack: Any, validated_run: dict[str, Any]) -> dict[str, Any]:
    locations = PipelineLocations(env_name="metrics", account=local_stack.account)
    s3 = local_stack.client("s3")
    s3.create_bucket(Bucket=locations.audit_bucket, ObjectLockEnabledForBucket=True)
    day = date.fromisoformat(validated_run["business_date"])
    diff = {
        "checked_at": "2026-11-28T05:00:00Z",
        "decision": "breaking",
        "changes": [
            {"classification": "breaking", "column": "amount"},
            {"classification": "additive", "column": "loyalty_tier"},
        ],
    }
    s3.put_object(
        Bucket=locations.audit_bucket,
        Body=json.dumps(diff).encode(),
        Key=f"{locations.schema_prefix}business_date={day}/table_version=2/diff.json",
    )
    for back in range(1, 8):  # a week of earlier results documents, volume 295..301
        earlier = copy.deepcopy(validated_run)
        earlier_day = day - timedelta(days=back)
        earlier.update(business_date=earlier_day.isoformat(), run_id=f"h{back}")
        earlier["counts"] = {**earlier["counts"], "rows_in": 294 + back}
        key = locations.results_key(earlier_day, f"h{back}")
        s3.put_object(Bucket=locations.audit_bucket, Key=key, Body=json.dumps(earlier).encode())
    key = locations.results_key(day, validated_run["run_id"])
    s3.put_object(Bucket=locations.audit_bucket, Key=key, Body=json.dumps(validated_run).encode())
    names = publish_run_metrics(locations, validated_run, local_stack.settings)
    return {"locations": locations, "names": names, "day": day}


def _statistic(local_stack: Any, name: str, dimensions: dict[str, str]) -> list[dict[str, Any]]:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    return list(
        local_stack.client("cloudwatch").get_metric_statistics(
            Namespace=NAMESPACE,
            MetricName=name,
            Period=3600,
            Statistics=["Sum"],
            Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
            StartTime=now - timedelta(days=1),
            EndTime=now + timedelta(minutes=5),
        )["Datapoints"]
    )


def test_every_run_metric_reaches_cloudwatch_with_its_value(
    published: dict[str, Any], local_stack: Any, validated_run: dict[str, Any]
) -> None:
    assert set(published["names"]) == EXPECTED_NAMES
    base = {"Environment": "metrics", "Dataset": "transactions"}
    counts = validated_run["counts"]
    assert _statistic(local_stack, "RowsIn", base)[0]["Sum"] == counts["rows_in"]
    assert _statistic(local_stack, "RowsQuarantined", base)[0]["Sum"] == counts["quarantined"]
    rate = _statistic(local_stack, "QuarantineRatePercent", base)[0]["Sum"]
    assert rate == pytest.approx(100 * counts["quarantined"] / counts["rows_in"], abs=1e-4)
    for severity in ("warn", "error", "critical"):
        expected = sum(
            r["failures"]
            for r in validated_run["rule_results"]
            if r["status"] == "failed" and r["severity"] == severity
        )
        got = _statistic(local_stack, "RuleFailures", {**base, "Severity": severity})
        assert got[0]["Sum"] == expected, severity
    # the day's stored diff is the drift check's to count (once), not every run's
    assert _statistic(local_stack, "SchemaChanges", base) == []
    assert _statistic(local_stack, "BreakingSchemaChanges", base) == []


def test_the_history_document_is_kept_once_in_bucket_c(
    published: dict[str, Any], local_stack: Any, validated_run: dict[str, Any]
) -> None:
    locations = published["locations"]
    key = metrics_key(locations, published["day"], validated_run["run_id"])
    s3 = local_stack.client("s3")
    document = json.loads(s3.get_object(Bucket=locations.audit_bucket, Key=key)["Body"].read())
    by_name = {(m["name"], m["dimensions"].get("Severity")): m for m in document["metrics"]}
    assert by_name[("RowsIn", None)]["value"] == str(validated_run["counts"]["rows_in"])
    assert document["dimensions"] == {"Environment": "metrics", "Dataset": "transactions"}
    assert publish_run_metrics(locations, validated_run, local_stack.settings)  # a retry
    versions = s3.list_object_versions(Bucket=locations.audit_bucket, Prefix=key)["Versions"]
    assert len(versions) == 1


def test_fdq_metrics_shows_metrics_and_bands(
    published: dict[str, Any], local_stack: Any, run_fdq: Any, validated_run: dict[str, Any]
) -> None:
    env = aws.subprocess_environment(local_stack.settings)
    shown = run_fdq(
        "metrics", "--env", "metrics", "--date", str(published["day"]), env=env, timeout=120
    )
    assert shown.returncode == 0, shown.stderr
    rows_in = validated_run["counts"]["rows_in"]
    lines = [x for x in shown.stdout.splitlines() if x.strip().startswith("RowsIn ")]
    assert len(lines) == 1, lines  # once, though published again by the retry above
    assert "1 point(s)" in lines[0] and f"max {rows_in}" in lines[0]
    assert "RuleFailures[Severity=error]" in shown.stdout
    volume = next(x for x in shown.stdout.splitlines() if x.strip().startswith("volume "))
    assert "(7 days, all days)" in volume
    assert ("within band" if 295 <= rows_in <= 301 else "outside band") in volume
    assert "e+" not in shown.stdout  # money as exact digits, never float notation
    for currency, total in validated_run["metrics"]["amount_totals"].items():
        line = next(x for x in shown.stdout.splitlines() if f"amount_total:{currency} " in x)
        assert f" {total} " in line, line


class _ListingTwice:
    """A CloudWatch client whose ListMetrics lists each metric once per published run (as
    the emulator does) and across pages (as AWS may), dimensions in any order."""

    def __init__(self) -> None:
        self.statistics_asked: list[tuple[str, tuple[tuple[str, str], ...]]] = []

    def get_paginator(self, name: str) -> Any:
        assert name == "list_metrics"
        base = [{"Name": "Environment", "Value": "e"}, {"Name": "Dataset", "Value": "d"}]
        rows_in = {"Namespace": NAMESPACE, "MetricName": "RowsIn", "Dimensions": base}
        failures = {
            "Namespace": NAMESPACE,
            "MetricName": "RuleFailures",
            "Dimensions": [*base, {"Name": "Severity", "Value": "error"}],
        }
        reordered = {**failures, "Dimensions": list(reversed(failures["Dimensions"]))}
        warn = {**failures, "Dimensions": [*base, {"Name": "Severity", "Value": "warn"}]}
        pages = [{"Metrics": [rows_in, failures, rows_in]}, {"Metrics": [reordered, warn]}]

        class Paginator:
            def paginate(self, **_: Any) -> list[dict[str, Any]]:
                return pages

        return Paginator()

    def get_metric_statistics(self, **asked: Any) -> dict[str, Any]:
        dimensions = tuple(sorted((d["Name"], d["Value"]) for d in asked["Dimensions"]))
        self.statistics_asked.append((asked["MetricName"], dimensions))
        point = {"Maximum": 10.0, "Sum": 10.0, "SampleCount": 1.0, "Unit": "Count"}
        return {"Datapoints": [point]}


def test_a_metric_listed_more_than_once_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from fintech_dq.monitoring import readback

    fake = _ListingTwice()
    monkeypatch.setattr(readback.aws, "client", lambda service, settings=None: fake)
    locations = PipelineLocations(env_name="e", account="123456789012", dataset="d")
    summaries = readback.published_metrics(locations, settings=None)
    assert [s.label for s in summaries] == [
        "RowsIn",
        "RuleFailures[Severity=error]",
        "RuleFailures[Severity=warn]",
    ]
    assert [s.total for s in summaries] == [10.0, 10.0, 10.0]
    assert len(fake.statistics_asked) == 3  # each metric's statistics asked for once


def test_metric_identity_ignores_the_order_of_dimensions() -> None:
    from fintech_dq.monitoring.readback import metric_identity, unique_metrics

    one = {
        "MetricName": "M",
        "Dimensions": [{"Name": "A", "Value": "1"}, {"Name": "B", "Value": "2"}],
    }
    other = {**one, "Dimensions": list(reversed(one["Dimensions"]))}
    elsewhere = {**one, "Namespace": "Other"}
    assert metric_identity(one) == metric_identity(other) != metric_identity(elsewhere)
    assert unique_metrics([one, other, elsewhere, one]) == [one, elsewhere]


def _documents(values: dict[date, int]) -> list[dict[str, Any]]:
    return [
        {"business_date": d.isoformat(), "counts": {"rows_in": v, "quarantined": 0}}
        for d, v in values.items()
    ]


def test_month_end_is_compared_with_earlier_month_ends() -> None:
    assert is_month_end(date(2026, 11, 30)) and is_month_end(date(2026, 10, 30))
    assert not is_month_end(date(2026, 10, 31)) and not is_month_end(date(2026, 11, 27))
    days = {date(2026, 8, 1) + timedelta(days=i): 100 for i in range(120)}
    for month_end in (date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 30)):
        days[month_end] = 1000
    history = _documents({d: v for d, v in days.items() if d < date(2026, 11, 30)})
    band = band_of(history, date(2026, 11, 30), lambda d: d["counts"]["rows_in"])
    assert band is not None and band.basis == "month end" and band.median == 1000
    ordinary = band_of(history, date(2026, 11, 26), lambda d: d["counts"]["rows_in"])
    assert ordinary is not None and ordinary.basis == "all days" and ordinary.median == 100


def test_weekdays_are_compared_with_their_own_weekday_when_there_are_five() -> None:
    start = date(2026, 6, 1)  # a Monday; Mondays carry 3x the volume; business days only
    calendar = [start + timedelta(days=i) for i in range(56)]
    days = {d: (300 if d.weekday() == 0 else 100) for d in calendar if d.weekday() < 5}
    monday = start + timedelta(days=56)
    bands = anomaly_bands(
        {"business_date": monday.isoformat(), "counts": {"rows_in": 300, "quarantined": 3}},
        _documents(days),
    )
    volume = bands[0]
    assert volume.metric == "volume" and volume.verdict == "within band"
    assert volume.band is not None and volume.band.basis == "same weekday"
    assert volume.band.median == Decimal(300)


def test_too_little_history_gives_no_band() -> None:
    bands = anomaly_bands(
        {"business_date": "2026-11-27", "counts": {"rows_in": 5, "quarantined": 0}}, []
    )
    assert [(b.metric, b.verdict) for b in bands] == [
        ("volume", "no band yet"),
        ("quarantine_rate", "no band yet"),
    ]


def test_the_bands_are_the_engines() -> None:
    """monitoring.bands stays free of Spark imports; it must still compute what the
    engine's trailing-window rules compute."""
    from fintech_dq.engine.history import band_for as engine_band_for
    from fintech_dq.monitoring.bands import band_for

    start = date(2026, 9, 1)
    values = {start + timedelta(days=i): 100 + (i * 37) % 19 for i in range(45)}
    history = _documents(values)
    for day, minimum in (
        (date(2026, 10, 16), 5),
        (date(2026, 10, 17), 7),
        (date(2026, 10, 18), 60),
    ):
        ours = band_for(history, day, lambda d: d["counts"]["rows_in"], minimum)
        engines = engine_band_for(history, day, lambda d: d["counts"]["rows_in"], minimum)
        assert (ours.as_dict() if ours else None) == (engines.as_dict() if engines else None)


def test_monitoring_and_report_import_without_spark() -> None:
    import subprocess
    import sys

    code = (
        "import sys, fintech_dq.monitoring, fintech_dq.report, fintech_dq.audit, "
        "fintech_dq.run_logs; sys.exit('pyspark' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
