"""When an alert's next notification is due, and to whom: pure functions of the record,
the policy and a clock (tests move the clock, nothing sleeps)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from fintech_dq.alerts.model import OPEN, Alert
from fintech_dq.alerts.policy import SeverityPolicy

PAGE, REPEAT, RESCHEDULE = "page", "repeat", "reschedule"


@dataclass(frozen=True)
class Step:
    kind: str
    """page (tell a new tier), repeat (tell the current tier again), reschedule (no one)."""
    tier: int
    next_at: datetime | None


def next_time(alert: Alert, policy: SeverityPolicy) -> datetime | None:
    """The next moment something may be due: the next tier's time, or a repeat (OPEN only)."""
    candidates = []
    later = policy.next_tier(alert.notified_tier)
    if later is not None:
        candidates.append(alert.opened_at + policy.tier_after[later])
    if (
        alert.state == OPEN
        and policy.repeat_every
        and alert.notified_tier
        and alert.last_notified_at is not None
    ):
        candidates.append(alert.last_notified_at + policy.repeat_every)
    return min(candidates) if candidates else None


def first_page_at(policy: SeverityPolicy, now: datetime) -> datetime:
    """Tier 1 hears at once, unless quiet hours hold this severity back."""
    return policy.deferred(now)


def decide(alert: Alert, policy: SeverityPolicy, now: datetime) -> Step | None:
    if not alert.is_unresolved or alert.next_escalation_at is None:
        return None
    if alert.next_escalation_at > now:
        return None
    later = policy.next_tier(alert.notified_tier)
    tier_due = later is not None and alert.opened_at + policy.tier_after[later] <= now
    repeat_due = (
        alert.state == OPEN
        and policy.repeat_every is not None
        and alert.notified_tier > 0
        and alert.last_notified_at is not None
        and alert.last_notified_at + policy.repeat_every <= now
    )
    if (tier_due or repeat_due) and policy.quiet_hours and policy.quiet_hours.contains(now):
        return Step(RESCHEDULE, alert.notified_tier, policy.quiet_hours.ends_after(now))
    if tier_due and later is not None:
        after = replace(alert, notified_tier=later, last_notified_at=now)
        return Step(PAGE, later, next_time(after, policy))
    if repeat_due:
        after = replace(alert, last_notified_at=now)
        return Step(REPEAT, alert.notified_tier, next_time(after, policy))
    return Step(RESCHEDULE, alert.notified_tier, next_time(alert, policy))
