"""Alert records in the emulator's DynamoDB: dedup, recurrence, state machine, escalation
exactly once per tier under concurrent checkers (conditional writes over real HTTP)."""

from __future__ import annotations

import copy
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from fintech_dq.alerts.model import ACKNOWLEDGED, OPEN, RESOLVED, AlertError
from fintech_dq.alerts.policy import parse_policy
from fintech_dq.audit import AuditTrail
from fintech_dq.infra import aws
from fintech_dq.notify.inbox import running_address

from .conftest import SHORT_POLICY, MovableClock, failed_event


def test_a_failed_run_opens_one_alert_and_pages_tier_1_once(
    make_service: Any, clock: Any, dataset: str, tier_queues: Any
) -> None:
    service = make_service(clock)
    tier_queues[1].alert_ids()  # drain
    first = service.handle_event(failed_event(dataset))
    assert first.recorded is not None and first.recorded.outcome == "opened"
    alert = first.recorded.alert
    assert alert.alert_id == f"{dataset}/2026-11-27/validation.failed"
    assert [n.tier for n in first.sent] == [1]
    again = service.handle_event(failed_event(dataset))  # the same event delivered twice
    assert again.recorded is not None and again.recorded.outcome == "duplicate" and not again.sent
    clock.advance(seconds=20)
    rerun = service.handle_event(failed_event(dataset, run_id="run-2"))
    assert rerun.recorded is not None and rerun.recorded.outcome == "recurred" and not rerun.sent
    stored = service.store.require(alert.alert_id)
    assert (stored.state, stored.occurrences, stored.notified_tier) == (OPEN, 2, 1)
    assert stored.run_ids == ("run-1", "run-2") and stored.notifications == 1
    assert tier_queues[1].alert_ids().count(alert.alert_id) == 1


def test_acknowledge_and_resolve_follow_the_state_machine_and_are_audited(
    make_service: Any, clock: Any, dataset: str, locations: Any, local_stack: Any
) -> None:
    service = make_service(clock)
    alert_id = service.handle_event(failed_event(dataset)).recorded.alert.alert_id
    with pytest.raises(AlertError, match="who and why"):
        service.acknowledge(alert_id, "  ", "looking")
    acked = service.acknowledge(alert_id, "alice", "looking at the quarantine")
    assert (acked.state, acked.acknowledged_by) == (ACKNOWLEDGED, "alice")
    with pytest.raises(AlertError, match="can become ACKNOWLEDGED only from OPEN"):
        service.acknowledge(alert_id, "bob", "me too")
    resolved = service.resolve(alert_id, "alice", "source resent the file")
    assert resolved.state == RESOLVED and resolved.next_escalation_at is None
    with pytest.raises(AlertError, match="no alert"):
        service.resolve(f"{dataset}/nope", "alice", "x")
    records = AuditTrail(locations, local_stack.settings).records("alerts")
    mine = [(r.action, r.actor) for r in records if r.subject["alert_id"] == alert_id]
    assert mine == [
        ("alert.opened", "fintech-dq"),
        ("alert.notified", "fintech-dq"),
        ("alert.acknowledged", "alice"),
        ("alert.resolved", "alice"),
    ]
    reason = [r.details["reason"] for r in records if r.action == "alert.resolved"]
    assert "source resent the file" in reason


def test_a_senior_takes_over_an_acknowledged_alert_once_and_it_is_audited(
    make_service: Any, clock: Any, dataset: str, locations: Any, local_stack: Any
) -> None:
    service = make_service(clock)
    alert_id = service.handle_event(failed_event(dataset)).recorded.alert.alert_id
    with pytest.raises(AlertError, match="only an ACKNOWLEDGED alert is taken over"):
        service.take_over(alert_id, "carol", "mine")
    service.acknowledge(alert_id, "alice", "looking at the quarantine")
    seen_by_dave = service.store.require(alert_id)
    clock.advance(minutes=30)
    taken = service.take_over(alert_id, "carol", "alice is off shift")
    assert (taken.state, taken.acknowledged_by) == (ACKNOWLEDGED, "carol")
    assert (taken.acknowledge_reason, taken.acknowledged_at) == ("alice is off shift", clock.now)
    assert taken.next_escalation_at is not None  # escalation goes on while unresolved
    with pytest.raises(AlertError, match="already acknowledged by carol"):
        service.take_over(alert_id, "carol", "again")
    # dave read the alert while alice had it: carol's take-over is not overwritten
    with pytest.raises(AlertError, match="changed meanwhile"):
        service.store.take_over(seen_by_dave, "dave", "me", clock.now)
    assert service.store.require(alert_id).acknowledged_by == "carol"
    records = AuditTrail(locations, local_stack.settings).records("alerts")
    taken_over = [r for r in records if r.subject["alert_id"] == alert_id]
    assert [(r.action, r.actor) for r in taken_over][-1] == ("alert.taken_over", "carol")
    assert taken_over[-1].details["from"] == "alice"
    assert taken_over[-1].details["reason"] == "alice is off shift"


def test_a_recurrence_after_resolve_reopens_and_pages_again(
    make_service: Any, clock: Any, dataset: str
) -> None:
    service = make_service(clock)
    alert_id = service.handle_event(failed_event(dataset)).recorded.alert.alert_id
    service.resolve(alert_id, "alice", "fixed")
    clock.advance(hours=2)
    again = service.handle_event(failed_event(dataset, run_id="run-9"))
    assert again.recorded.outcome == "reopened"
    assert [(n.tier, n.kind) for n in again.sent] == [(1, "reopened")]
    assert again.sent[0].subject.endswith("validation.failed (reopened)")
    reopened = service.store.require(alert_id)
    assert reopened.state == OPEN and reopened.opened_at == clock.now
    assert reopened.resolved_by is None


def test_two_checkers_reading_the_same_alert_escalate_it_once(
    make_service: Any, clock: Any, dataset: str
) -> None:
    service = make_service(clock)
    alert = service.handle_event(failed_event(dataset)).recorded.alert
    clock.advance(seconds=61)
    seen_by_a = service.store.require(alert.alert_id)
    seen_by_b = service.store.require(alert.alert_id)
    lease = timedelta(minutes=10)
    won = service.store.claim(seen_by_a, 2, "escalated", None, clock.now, lease)
    lost = service.store.claim(seen_by_b, 2, "escalated", None, clock.now, lease)
    assert won is not None and won.handover is not None and won.handover.tier == 2
    assert won.notified_tier == 1  # told only once SNS accepted it (confirm)
    assert lost is None


def test_concurrent_escalation_checks_notify_each_tier_exactly_once(
    make_service: Any, clock: Any, dataset: str, tier_queues: Any
) -> None:
    opener = make_service(clock)
    alert_id = opener.handle_event(failed_event(dataset)).recorded.alert.alert_id
    tier_queues[2].alert_ids()
    clock.advance(seconds=61)
    checkers = [make_service(clock) for _ in range(4)]
    start = threading.Barrier(len(checkers))
    results: list[list[Any]] = [[] for _ in checkers]

    def run(index: int) -> None:
        start.wait()
        results[index] = checkers[index].check()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(checkers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    mine = [n for result in results for n in result if n.alert.alert_id == alert_id]
    assert [(n.tier, n.kind) for n in mine] == [(2, "escalated")]
    assert tier_queues[2].alert_ids().count(alert_id) == 1
    assert not [n for n in checkers[0].check() if n.alert.alert_id == alert_id]
    assert opener.store.require(alert_id).notified_tier == 2


def test_a_lowered_policy_escalates_alerts_already_open_and_check_keeps_logs_off_stdout(
    make_service: Any, local_stack: Any, dataset: str, tmp_path: Path, run_fdq: Any
) -> None:
    hourly = copy.deepcopy(SHORT_POLICY)
    hourly["severities"]["error"]["tiers"][1]["after"] = "1h"
    opener = make_service(MovableClock(datetime.now(UTC) - timedelta(minutes=7)))
    opener.policy = parse_policy(hourly, "hourly")
    alert = opener.handle_event(failed_event(dataset)).recorded.alert  # tier 1 told
    stored = opener.store.require(alert.alert_id)
    assert stored.notified_tier == 1 and stored.next_escalation_at > datetime.now(UTC)

    lowered = copy.deepcopy(hourly)
    lowered["severities"]["error"]["tiers"][1]["after"] = "5m"  # the lead's change
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(yaml.safe_dump(lowered), encoding="utf-8")
    env = {
        **aws.subprocess_environment(local_stack.settings),
        "FDQ_ENV_NAME": "local",
        "FDQ_ALERT_POLICY": str(policy_file),
    }
    inbox = running_address(local_stack.emulator.state_dir)
    if inbox is not None:  # never another emulator's inbox (the default state dir)
        env["FDQ_SMTP_ADDRESS"] = f"{inbox[0]}:{inbox[1]}"
    checked = run_fdq("alerts", "check", env=env)
    assert checked.returncode == 0, checked.stderr[-2000:]
    (answer,) = checked.stdout.splitlines()  # the answer only: no log line
    assert (
        answer.startswith("escalation check: ")
        and answer != "escalation check: 0 notification(s) sent"
    )
    logged = [json.loads(line) for line in checked.stderr.splitlines() if line.startswith("{")]
    assert {"alert_id": alert.alert_id, "tier": 2} in [
        {k: entry.get(k) for k in ("alert_id", "tier")} for entry in logged
    ]
    assert opener.store.require(alert.alert_id).notified_tier == 2
