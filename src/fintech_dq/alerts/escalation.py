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
    """What to do now. The due time is computed from the record (opened, tier told, last
    told, acknowledged or not) and the policy as it is now, never read from the stored
    `next_escalation_at`: that was computed under the policy of its day, and a policy
    changed since (tier 2 after 5m instead of 1h) must reach alerts already open."""
    if not alert.is_unresolved:
        return None
    due = next_time(alert, policy)
    if due is None or due > now:
        # Nothing to tell yet; a stored time the policy no longer gives is put right once.
        if alert.next_escalation_at == due:
            return None
        return Step(RESCHEDULE, alert.notified_tier, due)
    if policy.quiet_hours and policy.quiet_hours.contains(now):
        held = policy.quiet_hours.ends_after(now)
        if alert.next_escalation_at == held:  # held back already: no write every check
            return None
        return Step(RESCHEDULE, alert.notified_tier, held)
    later = policy.next_tier(alert.notified_tier)
    if later is not None and alert.opened_at + policy.tier_after[later] <= now:
        after = replace(alert, notified_tier=later, last_notified_at=now)
        return Step(PAGE, later, next_time(after, policy))
    # due, and not a tier: a repeat (next_time gives no other time)
    after = replace(alert, last_notified_at=now)
    return Step(REPEAT, alert.notified_tier, next_time(after, policy))


def notification_kind(step: Step, alert: Alert) -> str:
    """What the tier is told (messages.Notification.kind). A tier-1 page of an alert that
    has told someone before is a reopening: resolving resets the tier, not the count."""
    if step.kind == REPEAT:
        return "repeat"
    if step.tier > 1:
        return "escalated"
    return "reopened" if alert.notifications else "opened"
