"""The alerting core the four functions, the local event path and `fdq alerts` share.

Recording an event and paging tier 1 are two steps on purpose: the record is written
first (conditionally, so a duplicate delivery stops there), then the same `advance` the
escalation checker runs decides and claims the page. One code path pages, whoever calls.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from fintech_dq.alerts.dispatch import Notifier
from fintech_dq.alerts.escalation import (
    RESCHEDULE,
    decide,
    first_page_at,
    notification_kind,
)
from fintech_dq.alerts.messages import Notification
from fintech_dq.alerts.model import ALERTING_EVENT_TYPES, Alert
from fintech_dq.alerts.policy import EscalationPolicy, load_policy
from fintech_dq.alerts.store import AlertStore, Recorded
from fintech_dq.events.model import PipelineEvent

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
MAX_STEPS_PER_CHECK = 4
"""A late checker may find several tiers due: each is claimed and told in turn."""
HANDOVER_LEASE = timedelta(minutes=10)
"""How long a claimed notification waits for its sender before the next check claims it
again. Longer than the dispatcher's 30 s timeout and Lambda's two retries of an
asynchronous invocation (about 1 and 2 minutes later); a dispatcher starting later sends
nothing (`send_requested`), so the tier is never told twice."""
CLOCK_MARGIN = timedelta(seconds=5)
"""Slack for the clocks of the checker and the dispatcher (both AWS hosts)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Handled:
    recorded: Recorded | None
    sent: list[Notification] = field(default_factory=list)
    ignored: str | None = None


@dataclass
class AlertService:
    locations: Any
    store: AlertStore
    notifier: Notifier
    policy: EscalationPolicy
    settings: Any = None
    clock: Clock = utc_now
    announce_escalations: bool = True
    """Publish `alert.escalated` on the bus after sending an escalation (needs
    events:PutEvents: on AWS the dispatcher's role, the one function that sends)."""
    audit: bool = True

    @classmethod
    def build(
        cls,
        locations: Any,
        settings: Any = None,
        *,
        notifier: Notifier | None = None,
        policy: EscalationPolicy | None = None,
        clock: Clock = utc_now,
        **options: Any,
    ) -> AlertService:
        from fintech_dq.alerts.dispatch import SnsNotifier

        chosen = notifier or SnsNotifier(
            locations, settings, relay_mail=bool(settings is None or settings.is_local)
        )
        return cls(
            locations=locations,
            store=AlertStore(locations.alerts_table, settings),
            notifier=chosen,
            policy=policy or load_policy(),
            settings=settings,
            clock=clock,
            **options,
        )

    # Events -----------------------------------------------------------------------------
    def handle_event(self, event: PipelineEvent) -> Handled:
        """Open (or count a recurrence on) the incident's alert; page tier 1 when new."""
        if event.event_type not in ALERTING_EVENT_TYPES:
            return Handled(None, ignored=f"{event.event_type} opens no alert")
        if event.severity == "info":
            return Handled(None, ignored="severity info opens no alert")
        if event.event_type == "schema.changed":
            decision = event.payload.get("decision")
            if decision == "none":
                return Handled(None, ignored="schema unchanged")
            if decision != "breaking":
                event = replace(event, severity="warn")
        now = self.clock()
        severity_policy = self.policy.for_severity(event.severity)
        recorded = self.store.record_event(event, first_page_at(severity_policy, now), now)
        if recorded.outcome == "duplicate":
            return Handled(recorded)
        self._audit(
            f"alert.{recorded.outcome}", "fintech-dq", recorded.alert, {"event_id": event.event_id}
        )
        sent = self.advance(recorded.alert) if recorded.needs_first_page else []
        return Handled(recorded, sent)

    # Escalation -------------------------------------------------------------------------
    def check(self) -> list[Notification]:
        """The periodic walk: every unresolved alert past its time under the current policy
        moves on, once per tier (`decide` skips the others without a write)."""
        now = self.clock()
        sent: list[Notification] = []
        for alert in self.store.scheduled():
            sent += self.advance(alert, now)
        return sent

    def advance(self, alert: Alert, now: datetime | None = None) -> list[Notification]:
        """Take the alert through every step due now: claim it, then send it (confirmed
        and audited once SNS accepted it) or hand it to the dispatcher, which confirms."""
        moment = now or self.clock()
        severity_policy = self.policy.for_severity(alert.severity)
        sent: list[Notification] = []
        for _ in range(MAX_STEPS_PER_CHECK):
            if alert.handover is not None and alert.handover.is_live(moment):
                log.info("alert %s: tier %s is being told", alert.alert_id, alert.handover.tier)
                break
            step = decide(alert, severity_policy, moment)
            if step is None:
                break
            if step.kind == RESCHEDULE:
                moved = self.store.reschedule(alert, step.next_at, moment)
            else:
                kind = notification_kind(step, alert)
                moved = self.store.claim(
                    alert, step.tier, kind, step.next_at, moment, HANDOVER_LEASE
                )
            if moved is None:
                log.info("alert %s moved by someone else; leaving it", alert.alert_id)
                break
            if moved.handover is None:  # rescheduled
                alert = moved
                continue
            notification = Notification(moved, step.tier, moved.handover.kind)
            if self.notifier.hands_over:
                # The dispatcher sends, confirms, audits and announces; the next step waits.
                self._send_or_release(notification)
                sent.append(notification)
                break
            confirmed = self._deliver(notification, moment)
            sent.append(notification)
            if confirmed is None:
                break
            alert = confirmed
        return sent

    def _deliver(self, notification: Notification, moment: datetime) -> Alert | None:
        """Publish a claimed notification; once SNS accepted it, confirm the claim, audit
        `alert.notified` and announce an escalation (once each, here only: so no consumer of
        `alert.escalated` hears of a page before it went out). A publish that fails releases
        the claim, so the next check claims it again, and raises."""
        claimed = notification.alert
        self._send_or_release(notification)
        self._announce(notification)
        confirmed = self.store.confirm(claimed, moment)
        if confirmed is None:  # resolved meanwhile, or a claim expired and taken over
            log.warning("alert %s: sent, but its claim was gone", claimed.alert_id)
        self._audit(
            "alert.notified",
            "fintech-dq",
            confirmed or claimed,
            {"tier": notification.tier, "kind": notification.kind},
        )
        return confirmed

    def _send_or_release(self, notification: Notification) -> None:
        """Send (or hand over) a claimed notification; if that fails, give the claim up so
        the next check claims it again, not 10 minutes later when it expires."""
        try:
            self.notifier.send(notification)
        except Exception:
            self.store.release(notification.alert)
            raise

    def _announce(self, notification: Notification) -> None:
        """`alert.escalated` on the bus once a later tier's page was accepted by SNS (its
        event_id is stable per alert and tier: a page sent again announces nothing new)."""
        alert = notification.alert
        if notification.kind != "escalated" or not self.announce_escalations:
            return
        from datetime import date

        from fintech_dq.events import PipelineEvent, publish_event

        known_day = alert.business_date if alert.business_date != "unknown" else None
        event = PipelineEvent(
            event_type="alert.escalated",
            dataset=alert.dataset,
            business_date=date.fromisoformat(known_day) if known_day else None,
            run_id=alert.run_ids[-1] if alert.run_ids else "none",
            severity=alert.severity,
            summary=f"{alert.alert_id} escalated to tier {notification.tier}",
            payload={
                "alert_id": alert.alert_id,
                "tier": notification.tier,
                "dedup_key": f"{alert.alert_id}#tier{notification.tier}#{alert.opened_at}",
            },
            links=dict(alert.links),
            occurred_at=self.clock(),
        )
        publish_event(event, self.locations, self.settings)

    # Operators --------------------------------------------------------------------------
    def acknowledge(self, alert_id: str, actor: str, reason: str) -> Alert:
        alert = self.store.acknowledge(alert_id, actor, reason, self.clock())
        self._audit("alert.acknowledged", actor, alert, {"reason": reason})
        return alert

    def take_over(self, alert_id: str, actor: str, reason: str) -> Alert:
        seen = self.store.require(alert_id)
        alert = self.store.take_over(seen, actor, reason, self.clock())
        details = {"reason": reason, "from": seen.acknowledged_by}
        self._audit("alert.taken_over", actor, alert, details)
        return alert

    def resolve(self, alert_id: str, actor: str, reason: str) -> Alert:
        alert = self.store.resolve(alert_id, actor, reason, self.clock())
        self._audit("alert.resolved", actor, alert, {"reason": reason})
        return alert

    def send_requested(
        self, alert_id: str, claim: str, time_left: timedelta
    ) -> Notification | None:
        """The dispatcher's side of a hand-over: send what the claim `claim` says, unless
        that claim is gone (confirmed, released, expired and taken over, or the alert
        resolved) or would expire before this invocation can be cut off (`time_left`, the
        Lambda's remaining time): then the next check claims again, and sending now could
        tell the tier twice."""
        must_finish_by = self.clock() + time_left + CLOCK_MARGIN
        alert = self.store.require(alert_id)
        handover = alert.handover
        if handover is None or handover.token != claim:
            log.info("alert %s: hand-over %s is no longer claimed; nothing sent", alert_id, claim)
            return None
        if must_finish_by >= handover.expires_at:
            log.warning("alert %s: hand-over %s expires too soon; nothing sent", alert_id, claim)
            return None
        notification = Notification(alert, handover.tier, handover.kind)
        self._deliver(notification, self.clock())
        return notification

    def _audit(self, action: str, actor: str, alert: Alert, details: dict[str, Any]) -> None:
        if not self.audit:
            return
        from fintech_dq.alerts.audit_log import record_alert_action

        record_alert_action(self.locations, self.settings, action, actor, alert, details)
