"""The hand-over to the dispatcher (AWS: the checker and the event handlers invoke it
asynchronously), run in process as that invocation does: one `alert.notified` per
notification, written once SNS accepted it; a hand-over that cannot be delivered is
released or expires, so the next check claims it again, and never tells a tier twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from fintech_dq.alerts import handlers
from fintech_dq.alerts.messages import Notification
from fintech_dq.alerts.service import HANDOVER_LEASE, AlertService
from fintech_dq.audit import AuditTrail
from fintech_dq.events.local_delivery import LocalLambdaContext

from .conftest import failed_event
from .test_delivery import UNAVAILABLE, inject_failures


@dataclass(frozen=True)
class DispatcherContext(LocalLambdaContext):
    remaining_ms: int = 30_000  # the dispatcher's timeout (cloudformation)

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def run_dispatcher(
    dispatcher: AlertService, payload: dict[str, Any], remaining_ms: int = 30_000
) -> dict[str, Any]:
    """One asynchronous invocation of the alert dispatcher."""
    context = DispatcherContext("fdq-local-alert-dispatcher", "req", "arn:x", remaining_ms)
    with handlers.bound_service(dispatcher):
        return handlers.alert_dispatcher(payload, context)


@dataclass
class AsyncInvoke:
    """What LambdaNotifier does, in process: hand the notification to the dispatcher,
    whose failure the caller never sees (Lambda retries it). With no dispatcher the
    invocation is kept, as one throttled or lost would be."""

    dispatcher: AlertService | None
    payloads: list[dict[str, Any]] = field(default_factory=list)
    results: list[Any] = field(default_factory=list)
    hands_over = True

    def send(self, notification: Notification) -> None:
        payload = {"notification": notification.as_payload()}
        self.payloads.append(payload)
        if self.dispatcher is None:
            return
        try:
            self.results.append(run_dispatcher(self.dispatcher, payload))
        except Exception as failure:  # Lambda's to retry; the invoker is long gone
            self.results.append(failure)


def notified(locations: Any, settings: Any, alert_id: str) -> list[int]:
    """The tiers the audit trail says were told, in order."""
    records = AuditTrail(locations, settings).records("alerts")
    return [
        r.details["tier"]
        for r in records
        if r.subject["alert_id"] == alert_id and r.action == "alert.notified"
    ]


@pytest.fixture
def opened(make_service: Any, clock: Any, dataset: str) -> str:
    """An error alert whose tier 1 was told; tier 2 is due 61 s later (the clock moved)."""
    alert_id = make_service(clock).handle_event(failed_event(dataset)).recorded.alert.alert_id
    clock.advance(seconds=61)
    return str(alert_id)


def checker_handing_over(make_service: Any, clock: Any, dispatcher: Any) -> AlertService:
    checker = make_service(clock)
    checker.notifier = AsyncInvoke(dispatcher)
    return checker


def check_one(checker: AlertService, alert_id: str) -> list[Notification]:
    """What a check does to this alert (the table holds other tests' alerts too)."""
    return checker.advance(checker.store.require(alert_id))


@pytest.fixture
def handed_over(make_service: Any, clock: Any, opened: str, tier_queues: Any) -> AlertService:
    """A checker that handed tier 2 over to a dispatcher that has not run (yet)."""
    checker = checker_handing_over(make_service, clock, dispatcher=None)
    tier_queues[2].alert_ids()
    check_one(checker, opened)
    return checker


def test_a_handed_over_escalation_is_audited_once_after_sns_accepted_it(
    make_service: Any, clock: Any, opened: str, tier_queues: Any, local_stack: Any, locations: Any
) -> None:
    tier_queues[2].alert_ids()
    checker = checker_handing_over(make_service, clock, dispatcher=make_service(clock))
    handed = [n for n in checker.check() if n.alert.alert_id == opened]
    assert [(n.tier, n.kind) for n in handed] == [(2, "escalated")]
    assert checker.notifier.results[-1]["status"] == "notified"
    assert tier_queues[2].alert_ids().count(opened) == 1
    assert notified(locations, local_stack.settings, opened) == [1, 2]
    stored = checker.store.require(opened)
    assert (stored.notified_tier, stored.notifications, stored.handover) == (2, 2, None)


def test_an_event_handler_handing_tier_1_over_audits_it_once(
    make_service: Any, clock: Any, dataset: str, tier_queues: Any, local_stack: Any, locations: Any
) -> None:
    tier_queues[1].alert_ids()
    handler = checker_handing_over(make_service, clock, dispatcher=make_service(clock))
    alert_id = handler.handle_event(failed_event(dataset)).recorded.alert.alert_id
    assert tier_queues[1].alert_ids().count(alert_id) == 1
    assert notified(locations, local_stack.settings, alert_id) == [1]


def test_a_hand_over_not_yet_sent_says_nobody_was_told(
    handed_over: AlertService, opened: str, local_stack: Any, locations: Any
) -> None:
    checker = handed_over
    assert len(checker.notifier.payloads) == 1
    assert notified(locations, local_stack.settings, opened) == [1]
    pending = checker.store.require(opened)
    assert pending.notified_tier == 1 and pending.handover is not None
    assert pending.handover.tier == 2


def test_a_hand_over_the_dispatcher_cannot_deliver_is_released_for_the_next_check(
    make_service: Any, clock: Any, opened: str, tier_queues: Any, local_stack: Any, locations: Any
) -> None:
    dispatcher = make_service(clock)
    attempts = inject_failures(dispatcher.notifier.sns, 503, UNAVAILABLE, times=3)
    checker = checker_handing_over(make_service, clock, dispatcher)
    tier_queues[2].alert_ids()
    check_one(checker, opened)
    assert attempts == ["injected"] * 3  # botocore's retries, then the invocation failed
    assert "ServiceUnavailable" in repr(checker.notifier.results[0])
    released = checker.store.require(opened)
    assert released.notified_tier == 1 and released.handover is None
    assert notified(locations, local_stack.settings, opened) == [1]

    # Lambda retries the failed invocation: its claim is gone, so it sends nothing.
    retried = run_dispatcher(dispatcher, checker.notifier.payloads[0])
    assert retried["status"] == "stale"
    assert tier_queues[2].alert_ids() == []

    check_one(checker, opened)  # the next scheduled check claims tier 2 again; SNS is back
    assert tier_queues[2].alert_ids().count(opened) == 1
    assert notified(locations, local_stack.settings, opened) == [1, 2]
    assert checker.store.require(opened).notified_tier == 2


def test_a_lost_hand_over_expires_and_its_late_invocation_sends_nothing(
    make_service: Any,
    clock: Any,
    opened: str,
    handed_over: AlertService,
    tier_queues: Any,
    local_stack: Any,
    locations: Any,
) -> None:
    checker = handed_over
    clock.advance(minutes=5)
    assert check_one(checker, opened) == []  # the claim is live: not handed over twice
    clock.advance(seconds=HANDOVER_LEASE.total_seconds())
    again = check_one(checker, opened)
    assert [n.tier for n in again] == [2] and len(checker.notifier.payloads) == 2

    dispatcher = make_service(clock)
    first, second = checker.notifier.payloads
    assert run_dispatcher(dispatcher, first)["status"] == "stale"  # throttled for 15 min
    assert run_dispatcher(dispatcher, second)["status"] == "notified"
    assert run_dispatcher(dispatcher, second)["status"] == "stale"  # at-least-once: once
    assert tier_queues[2].alert_ids().count(opened) == 1
    assert notified(locations, local_stack.settings, opened) == [1, 2]


def test_a_dispatcher_that_could_not_finish_before_the_claim_expires_sends_nothing(
    make_service: Any, clock: Any, opened: str, handed_over: AlertService, tier_queues: Any
) -> None:
    checker = handed_over
    clock.advance(seconds=HANDOVER_LEASE.total_seconds() - 20)
    late = run_dispatcher(make_service(clock), checker.notifier.payloads[0], remaining_ms=30_000)
    assert late["status"] == "stale"
    assert tier_queues[2].alert_ids() == []
    assert checker.store.require(opened).notified_tier == 1


def test_an_alert_resolved_while_handed_over_is_not_sent(
    make_service: Any, clock: Any, opened: str, handed_over: AlertService, tier_queues: Any
) -> None:
    checker = handed_over
    checker.resolve(opened, "alice", "fixed at the source")
    assert run_dispatcher(make_service(clock), checker.notifier.payloads[0])["status"] == "stale"
    assert tier_queues[2].alert_ids() == []
    assert checker.store.require(opened).handover is None


@pytest.mark.parametrize("claim", [None, "", 7])
def test_a_hand_over_without_its_claim_is_dead_lettered_not_sent(
    make_service: Any, clock: Any, opened: str, tier_queues: Any, claim: Any
) -> None:
    # e.g. one an older checker handed over just before a deployment
    request = {"alert_id": opened, "tier": 2, "kind": "escalated"}
    if claim is not None:
        request["claim"] = claim
    tier_queues[2].alert_ids()
    result = run_dispatcher(make_service(clock), {"notification": request})
    assert result["status"] == "dead-lettered" and "malformed hand-over" in result["reason"]
    assert tier_queues[2].alert_ids() == []


def test_an_escalation_is_announced_only_once_its_page_went_out(
    make_service: Any, clock: Any, opened: str, tier_queues: Any, monkeypatch: Any
) -> None:
    """`alert.escalated` comes from the dispatcher after SNS accepted the page: not from the
    checker at hand-over, not while SNS refuses it."""
    import fintech_dq.events as events

    announced: list[tuple[str, int]] = []

    def record(event: Any, *_: Any, **__: Any) -> None:
        if event.event_type == "alert.escalated":
            announced.append((event.payload["alert_id"], event.payload["tier"]))

    monkeypatch.setattr(events, "publish_event", record)
    dispatcher = make_service(clock)
    inject_failures(dispatcher.notifier.sns, 503, UNAVAILABLE, times=3)
    checker = checker_handing_over(make_service, clock, dispatcher)
    tier_queues[2].alert_ids()
    check_one(checker, opened)  # handed over; the dispatcher's publish failed
    assert announced == []

    check_one(checker, opened)  # claimed again; SNS accepts
    assert tier_queues[2].alert_ids().count(opened) == 1
    assert announced == [(opened, 2)]
