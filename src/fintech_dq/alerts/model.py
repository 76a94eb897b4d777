"""One alert per incident: its identity (the dedup key), state and what it has told whom.

The id *is* the dedup key (dataset/business date/issue), readable on purpose: an operator
types `fdq alerts ack transactions/2026-11-27/validation.failed`, and a second delivery or
a rerun of the same day lands on the same record instead of paging again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fintech_dq.events.model import PipelineEvent

OPEN, ACKNOWLEDGED, RESOLVED = "OPEN", "ACKNOWLEDGED", "RESOLVED"
STATES = (OPEN, ACKNOWLEDGED, RESOLVED)
UNRESOLVED = (OPEN, ACKNOWLEDGED)
ALERTING_EVENT_TYPES = (
    "schema.changed",
    "validation.failed",
    "batch.blocked",
    "sla.missed",
    "run.failed",
)
"""Event types that open an alert (validation.completed and alert.escalated never do)."""
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
"""One fixed UTC format: stored times sort as text (the by-state index's range key)."""


class AlertError(ValueError):
    """An alert operation that cannot be done (unknown alert, forbidden transition)."""


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise AlertError("times must be timezone-aware UTC")
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time(text: str | None) -> datetime | None:
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC) if text else None


def alert_id_for(dataset: str, business_date: str, issue: str) -> str:
    return f"{dataset}/{business_date}/{issue}"


def issue_of(event: PipelineEvent) -> str:
    """What the incident is: the event type (a failed run's rules are listed in the record,
    one page per failed day rather than one per rule)."""
    return event.event_type


@dataclass(frozen=True)
class Handover:
    """A claimed notification not yet accepted by SNS: the claim that keeps two checkers
    from telling one tier twice, and what the sender applies once SNS has accepted it.

    `token` names this claim alone: the confirm and the release are conditional writes on
    it, so a late or repeated sender can change nothing after its claim was confirmed,
    released or taken over. `expires_at` bounds a claim whose sender never reports back
    (the dispatcher throttled, timed out, crashed): after it, the next check claims again,
    and a sender that could not finish before it sends nothing."""

    token: str
    tier: int
    kind: str
    """opened, reopened, escalated or repeat (messages.Notification.kind)."""
    claimed_at: datetime
    expires_at: datetime
    next_at: datetime | None
    """The alert's next escalation time once this notification is sent."""

    def is_live(self, now: datetime) -> bool:
        return now < self.expires_at

    def as_item(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "token": self.token,
            "tier": self.tier,
            "kind": self.kind,
            "claimed_at": format_time(self.claimed_at),
            "expires_at": format_time(self.expires_at),
        }
        if self.next_at is not None:
            values["next_at"] = format_time(self.next_at)
        return values

    @classmethod
    def from_item(cls, values: dict[str, Any]) -> Handover:
        def when(name: str) -> datetime:
            moment = parse_time(values.get(name))
            if moment is None:
                raise AlertError(f"hand-over without {name}: {values!r}")
            return moment

        return cls(
            token=str(values["token"]),
            tier=int(values["tier"]),
            kind=str(values["kind"]),
            claimed_at=when("claimed_at"),
            expires_at=when("expires_at"),
            next_at=parse_time(values.get("next_at")),
        )


@dataclass(frozen=True)
class Alert:
    alert_id: str
    dataset: str
    business_date: str
    issue: str
    severity: str
    state: str
    summary: str
    opened_at: datetime
    updated_at: datetime
    last_seen_at: datetime
    notified_tier: int = 0
    next_escalation_at: datetime | None = None
    last_notified_at: datetime | None = None
    occurrences: int = 1
    notifications: int = 0
    version: int = 1
    links: dict[str, str] = field(default_factory=dict)
    run_ids: tuple[str, ...] = ()
    event_ids: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    acknowledge_reason: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    resolve_reason: str | None = None
    handover: Handover | None = None
    """A notification claimed and not yet sent (see Handover); None when nothing is."""

    @property
    def is_unresolved(self) -> bool:
        return self.state in UNRESOLVED

    def summary_line(self) -> str:
        tier = f"tier {self.notified_tier}" if self.notified_tier else "not yet notified"
        return (
            f"{self.alert_id}  {self.state:<12} {self.severity:<8} {tier:<16} "
            f"x{self.occurrences}  {self.summary}"
        )

    def as_dict(self) -> dict[str, Any]:
        """Printable/serialisable view (times as UTC text)."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, datetime):
                value = format_time(value)
            elif isinstance(value, Handover):
                value = value.as_item()
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out
