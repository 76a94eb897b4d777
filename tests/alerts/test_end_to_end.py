"""End to end over real HTTP to the emulator and real SMTP: a `validation.failed` event on
the bus becomes an e-mail in the local inbox, escalates to tier 2 after its (shortened)
time, and nobody hears more after `fdq alerts resolve`."""

from __future__ import annotations

from typing import Any

from fintech_dq.events import publish_event
from fintech_dq.events.local_delivery import deliver_pending_events, run_escalation_check
from fintech_dq.notify.inbox import INBOX_DIR, messages
from fintech_dq.run_logs.run_log import read_run_log

from .conftest import failed_event

TIER2_EMAIL = "dq-leads@example.com"


def inbox_for(local_stack: Any, dataset: str) -> list[Any]:
    folder = local_stack.emulator.state_dir / INBOX_DIR
    return [m for m in messages(folder) if dataset in m.subject]


def test_validation_failed_mails_tier_1_escalates_to_tier_2_and_stops_after_resolve(
    make_service: Any, clock: Any, dataset: str, locations: Any, local_stack: Any, run_fdq: Any
) -> None:
    sns = local_stack.client("sns")
    service = make_service(clock, relay_mail=True)
    tier2 = service.notifier.topic_arn(2)
    sns.subscribe(TopicArn=tier2, Protocol="email", Endpoint=TIER2_EMAIL)

    publish_event(failed_event(dataset), locations, local_stack.settings)
    deliver_pending_events(locations, local_stack.settings, service=service)
    first = inbox_for(local_stack, dataset)
    assert [(m.recipients, m.subject) for m in first] == [
        ("oncall@example.com", f"[fdq T1 ERROR] {dataset} 2026-11-27 validation.failed (opened)")
    ]
    assert "fdq alerts ack" in first[0].body and "amount_positive" in first[0].body
    assert not first[0].body.lstrip().startswith("{")  # the text, not SNS's JSON of variants
    alert_id = f"{dataset}/2026-11-27/validation.failed"
    event = failed_event(dataset)  # the handler's lines are in the run's log in bucket C
    traced = read_run_log(locations, event.run_id.replace("/", "_"), local_stack.settings)
    assert ("validation-issue-handler", "alert recorded") in {
        (line["component"], line["message"]) for line in traced
    }

    clock.advance(seconds=59)
    run_escalation_check(locations, local_stack.settings, service=service)
    assert len(inbox_for(local_stack, dataset)) == 1  # not yet: tier 2 hears after 60 s
    clock.advance(seconds=1)
    run_escalation_check(locations, local_stack.settings, service=service)
    run_escalation_check(locations, local_stack.settings, service=service)  # twice: once
    mails = inbox_for(local_stack, dataset)
    assert [m.recipients for m in mails] == ["oncall@example.com", TIER2_EMAIL]
    assert mails[1].subject.startswith("[fdq T2 ERROR]") and "(escalated)" in mails[1].subject

    environment = {
        "AWS_ENDPOINT_URL": local_stack.emulator.record.endpoint_url,
        "FDQ_RUNTIME": "local",
    }
    resolved = run_fdq(
        "alerts",
        "resolve",
        alert_id,
        "--by",
        "carol",
        "--reason",
        "resent and revalidated",
        env=environment,
    )
    assert resolved.returncode == 0, resolved.stderr
    assert f"{alert_id} is RESOLVED (by carol: resent and revalidated)" in resolved.stdout
    listed = run_fdq("alerts", "list", "--state", "RESOLVED", env=environment)
    assert alert_id in listed.stdout

    clock.advance(hours=5)  # tier 3 would be due at 1 h
    run_escalation_check(locations, local_stack.settings, service=service)
    assert len(inbox_for(local_stack, dataset)) == 2
    assert service.store.require(alert_id).resolved_by == "carol"
    inbox = run_fdq("local", "mail", "--state-dir", str(local_stack.emulator.state_dir))
    assert inbox.returncode == 0 and f"{dataset} 2026-11-27 validation.failed (escalated)" in (
        inbox.stdout
    )
