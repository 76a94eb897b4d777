"""The pipeline's events: one frozen record, one versioned JSON detail on the bus.

The detail carries `schema_version` so that consumers (the Lambda handlers, replays from
the archive years later) can tell which shape they read; docs/alerting.md documents it.
The event id is derived from what the event is *about*, never from when it was sent, so
publishing the same run twice yields the same id and the handlers' idempotency holds.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

from fintech_dq.masking import mask_card_numbers_in_text

SCHEMA_VERSION = "1.0"
SOURCE = "fintech-dq"

EVENT_TYPES: tuple[str, ...] = (
    "schema.changed",
    "validation.completed",
    "validation.failed",
    "batch.blocked",
    "sla.missed",
    "run.failed",
    "alert.escalated",
)
SEVERITIES: tuple[str, ...] = ("info", "warn", "error", "critical")
Severity = Literal["info", "warn", "error", "critical"]

DEDUP_FIELD = "dedup_key"
"""Optional payload field that separates events that share type, dataset, date and run
(e.g. two deadlines missed by one run; two tiers of one escalation)."""


class EventError(ValueError):
    """An event that cannot be built, encoded or published."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PipelineEvent:
    event_type: str
    dataset: str
    business_date: date | None
    """None only when the day cannot be known (a missed deadline of a run without one)."""
    run_id: str
    severity: str
    summary: str
    payload: dict[str, Any] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    occurred_at: datetime = field(default_factory=_utc_now)

    def __post_init__(self) -> None:
        if self.event_type not in EVENT_TYPES:
            raise EventError(
                f"unknown event type {self.event_type!r}; expected one of {', '.join(EVENT_TYPES)}"
            )
        if self.severity not in SEVERITIES:
            raise EventError(
                f"unknown severity {self.severity!r}; expected one of {', '.join(SEVERITIES)}"
            )
        if not self.dataset or not self.run_id:
            raise EventError("an event needs a dataset and a run_id (its idempotency key)")
        day = self.business_date
        if day is not None and (isinstance(day, datetime) or not isinstance(day, date)):
            raise EventError("business_date must be a date (or None when unknown)")
        if self.occurred_at.tzinfo is None or self.occurred_at.utcoffset() != UTC.utcoffset(None):
            raise EventError("occurred_at must be timezone-aware UTC")

    @property
    def business_date_text(self) -> str:
        return self.business_date.isoformat() if self.business_date else "unknown"

    @property
    def dedup_part(self) -> str:
        return str(self.payload.get(DEDUP_FIELD, ""))

    @property
    def event_id(self) -> str:
        """Deterministic: type, dataset, business date, run id and the payload's dedup key."""
        basis = "|".join(
            (
                self.event_type,
                self.dataset,
                self.business_date_text,
                self.run_id,
                self.dedup_part,
            )
        )
        return hashlib.sha256(basis.encode()).hexdigest()[:32]

    def detail(self) -> dict[str, Any]:
        """The versioned detail document (JSON-ready: dates ISO, Decimals as strings)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "dataset": self.dataset,
            "business_date": self.business_date.isoformat() if self.business_date else None,
            "run_id": self.run_id,
            "severity": self.severity,
            "summary": self.summary,
            "payload": self.payload,
            "links": dict(self.links),
            "occurred_at": self.occurred_at.astimezone(UTC).isoformat(),
        }

    def detail_json(self) -> str:
        """The detail as JSON, card numbers masked (an event must never carry a PAN)."""
        text = json.dumps(self.detail(), default=_json_default, sort_keys=True)
        return mask_card_numbers_in_text(text) or ""

    @classmethod
    def from_detail(cls, detail: dict[str, Any]) -> PipelineEvent:
        """Read a detail back (a handler, a replay); refuses an unknown schema version."""
        version = str(detail.get("schema_version", ""))
        if version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
            raise EventError(f"unsupported event schema_version {version!r}")
        try:
            event = cls(
                event_type=str(detail["event_type"]),
                dataset=str(detail["dataset"]),
                business_date=(
                    date.fromisoformat(str(detail["business_date"]))
                    if detail.get("business_date")
                    else None
                ),
                run_id=str(detail["run_id"]),
                severity=str(detail["severity"]),
                summary=str(detail.get("summary", "")),
                payload=dict(detail.get("payload") or {}),
                links={str(k): str(v) for k, v in (detail.get("links") or {}).items()},
                occurred_at=datetime.fromisoformat(str(detail["occurred_at"])).astimezone(UTC),
            )
        except (KeyError, TypeError, ValueError) as problem:
            if isinstance(problem, EventError):
                raise
            raise EventError(f"malformed event detail: {problem!r}") from problem
        claimed = detail.get("event_id")
        if claimed is not None and claimed != event.event_id:
            raise EventError(f"event_id {claimed!r} does not match its content")
        return event


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value, key=str)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable in an event")
