"""The alerting core the four functions, the local event path and `fdq alerts` share.

Recording an event and paging tier 1 are two steps on purpose: the record is written
first (conditionally, so a duplicate delivery stops there), then the same `advance` the
escalation checker runs decides and claims the page. One code path pages, whoever calls.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from fintech_dq.alerts.dispatch import Notifier
from fintech_dq.alerts.escalation import PAGE, RESCHEDULE, decide, first_page_at
from fintech_dq.alerts.messages import Notification
from fintech_dq.alerts.model import ALERTING_EVENT_TYPES, Alert
from fintech_dq.alerts.policy import EscalationPolicy, load_policy
from fintech_dq.alerts.store import AlertStore, Recorded
from fintech_dq.events.model import PipelineEvent

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
MAX_STEPS_PER_CHECK = 4
"""A late checker may find several tiers due: each is claimed and told in turn."""


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
    """Publish `alert.escalated` on the bus (needs events:PutEvents; see docs/alerting.md)."""
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
        moment = now or self.clock()
        severity_policy = self.policy.for_severity(alert.severity)
        sent: list[Notification] = []
        for _ in range(MAX_STEPS_PER_CHECK):
            step = decide(alert, severity_policy, moment)
            if step is None:
                break
            notify = step.kind != RESCHEDULE
            claimed = self.store.claim(alert, step.tier, step.next_at, moment, notify=notify)
            if claimed is None:
                log.info("alert %s moved by someone else; leaving it", alert.alert_id)
                break
            if notify:
                kind = (
                    step.kind
                    if step.kind != PAGE
                    else ("opened" if step.tier == 1 else "escalated")
                )
                notification = Notification(claimed, step.tier, kind)
                try:
                    self.notifier.send(notification)
                except Exception:
                    self.store.release(claimed, alert)
                    raise
                sent.append(notification)
                self._after_sent(notification)
            alert = claimed
        return sent

    def _after_sent(self, notification: Notification) -> None:
        alert = notification.alert
        self._audit(
            "alert.notified",
            "fintech-dq",
            alert,
            {"tier": notification.tier, "kind": notification.kind},
        )
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

    def resolve(self, alert_id: str, actor: str, reason: str) -> Alert:
        alert = self.store.resolve(alert_id, actor, reason, self.clock())
        self._audit("alert.resolved", actor, alert, {"reason": reason})
        return alert

    def send_requested(self, alert_id: str, tier: int, kind: str) -> Notification:
        """The dispatcher's side of a hand-over: the claim is made, tell the tier."""
        notification = Notification(self.store.require(alert_id), tier, kind)
        self.notifier.send(notification)
        self._after_sent(notification)
        return notification

    def _audit(self, action: str, actor: str, alert: Alert, details: dict[str, Any]) -> None:
        if not self.audit:
            return
        from fintech_dq.alerts.audit_log import record_alert_action

        record_alert_action(self.locations, self.settings, action, actor, alert, details)
