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
ALERTING_EVENT_TYPES = ("schema.changed", "validation.failed", "batch.blocked", "sla.missed")
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
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out
