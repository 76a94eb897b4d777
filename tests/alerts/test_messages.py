"""What a mail tells its reader to do works in the alert's state; links open in a mail
client; what blocked a day comes first; runs are named as Airflow names them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fintech_dq.alerts.messages import SMS_LENGTH, Notification
from fintech_dq.alerts.model import ACKNOWLEDGED, OPEN, Alert
from fintech_dq.pipeline.locations import PipelineLocations
from fintech_dq.pipeline.publish import run_events

OPENED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
ALERT_ID = "transactions/2026-11-25/validation.failed"
REPORT = (
    "s3://fdq-prod-audit-123456789012/reports/transactions/business_date=2026-11-25/"
    "run_id=scheduled__2026-11-26T00-00-00-00-00/report.html"
)
QUARANTINE = "s3://fdq-prod-processed-123456789012/quarantine/transactions/business_date=2026-11-25"


def alert(**changes: Any) -> Alert:
    values: dict[str, Any] = {
        "alert_id": ALERT_ID,
        "dataset": "transactions",
        "business_date": "2026-11-25",
        "issue": "validation.failed",
        "severity": "error",
        "state": OPEN,
        "summary": "transactions 2026-11-25: failed; 100 rows in, 7 quarantined",
        "opened_at": OPENED,
        "updated_at": OPENED,
        "last_seen_at": OPENED,
        "notified_tier": 1,
        "links": {"report": REPORT, "quarantine": QUARANTINE},
        **changes,
    }
    return Alert(**values)


def acknowledged() -> Alert:
    return alert(
        state=ACKNOWLEDGED,
        acknowledged_by="alice",
        acknowledged_at=OPENED + timedelta(minutes=5),
        acknowledge_reason="looking at quarantine",
    )


def test_an_acknowledged_alert_offers_no_ack_but_who_has_it_take_and_resolve() -> None:
    body = Notification(acknowledged(), 2, "escalated").body
    assert "fdq alerts ack" not in body  # refused on an ACKNOWLEDGED alert
    assert "acked      by alice at 2026-11-28T09:05:00Z: looking at quarantine" in body
    assert "owner      alice acknowledged it: ask them, or take it over:" in body
    assert f"take over  fdq alerts take '{ALERT_ID}' --by <you> --reason <why>" in body
    assert f"resolve    fdq alerts resolve '{ALERT_ID}' --by <you> --reason <why>" in body
    sms = Notification(acknowledged(), 2, "escalated").sms
    assert "fdq alerts ack" not in sms and len(sms) <= SMS_LENGTH
    assert sms.splitlines()[-1] == f"acked by alice; fdq alerts take '{ALERT_ID}' --reason ..."
    repeat = Notification(acknowledged(), 1, "repeat").sms  # the owner's own tier
    resolve = f"acked by alice; fdq alerts resolve '{ALERT_ID}' --reason ..."
    assert repeat.splitlines()[-1] == resolve


def test_an_open_alert_mail_offers_ack_and_resolve() -> None:
    body = Notification(alert(), 1, "opened").body
    assert f"ack        fdq alerts ack '{ALERT_ID}' --by <you> --reason <why>" in body
    assert "resolve    fdq alerts resolve" in body and "owner" not in body


def test_blocked_by_comes_before_the_failing_rules() -> None:
    failing = [{"rule_id": f"rule_{n:02d}"} for n in range(25)]
    details = {"failing_rules": failing, "blocked_by": ["card_number.unmasked"]}
    lines = Notification(alert(details=details), 1, "opened").body.splitlines()
    blocked = lines.index("blocked by card_number.unmasked")
    rules = next(i for i, x in enumerate(lines) if x.startswith("rules "))
    assert blocked < rules and blocked <= 6  # right under the alert's state


def test_on_aws_links_open_the_s3_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FDQ_RUNTIME", "aws")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    body = Notification(alert(), 1, "opened").body
    assert "s3://" not in body
    assert (
        "report     https://s3.console.aws.amazon.com/s3/object/fdq-prod-audit-123456789012"
        "?region=eu-west-1&prefix=reports/transactions/business_date=2026-11-25/"
        "run_id=scheduled__2026-11-26T00-00-00-00-00/report.html"
    ) in body
    assert (
        "quarantine https://s3.console.aws.amazon.com/s3/buckets/fdq-prod-processed-123456789012"
        "?region=eu-west-1&prefix=quarantine/transactions/business_date=2026-11-25/"
    ) in body


def test_locally_the_report_link_says_how_to_get_the_html(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FDQ_RUNTIME", "local")
    body = Notification(alert(), 1, "opened").body
    assert f"report     {REPORT}" in body
    assert (
        "locally: fdq report --date 2026-11-25 --run-id "
        "scheduled__2026-11-26T00-00-00-00-00 --out var/reports"
    ) in body


def test_the_runs_line_names_the_latest_run_as_airflow_does() -> None:
    where = PipelineLocations(env_name="local", account="123456789012")
    results = {
        "dataset": "transactions",
        "business_date": "2026-11-25",
        "run_id": "scheduled__2026-11-26T00-00-00-00-00",
        "status": "failed",
        "status_reasons": [],
        "blocked_by": [],
        "rules": {"version": "1.2.0"},
        "counts": {"rows_in": 10, "processed": 7, "quarantined": 3, "rejected": 0},
        "rule_results": [],
        "outputs": {},
    }
    (_, failed) = run_events(
        where,
        results,
        airflow_run_id="scheduled__2026-11-26T00:00:00+00:00",
        dag_id="transactions_dq_daily",
    )
    from fintech_dq.alerts.store import _details_of

    shown = alert(
        run_ids=("manual__a", "scheduled__2026-11-26T00-00-00-00-00"),
        details=_details_of(failed),
    )
    body = Notification(shown, 1, "opened").body
    assert "runs       manual__a, scheduled__2026-11-26T00:00:00+00:00\n" in body
    assert "airflow    transactions_dq_daily run scheduled__2026-11-26T00:00:00+00:00" in body
