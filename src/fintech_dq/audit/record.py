"""One audit record and its place in a hash chain.

Each record carries the hash of the record before it in its stream, and its own hash over
every other field (canonical JSON: sorted keys, no spaces). Changing, dropping or swapping
any record therefore breaks the chain at a point `verify` can name.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from fintech_dq.masked_documents import masked

STREAMS = ("runs", "rules", "schema", "alerts", "operators")
_DAY = r"(\d{4}-\d{2}-\d{2})"
_ONE_DAY = re.compile(rf"/{_DAY}$")  # day_subject's
_DAY_RANGE = re.compile(rf" {_DAY}\.\.{_DAY}$")  # range_subject's
GENESIS_HASH = "0" * 64
"""prev_hash of a stream's first record."""


@dataclass(frozen=True)
class AuditRecord:
    stream: str
    sequence: int
    """1, 2, 3 ... within the stream; no gaps."""
    recorded_at: str
    """UTC, ISO 8601 with 'Z'."""
    action: str
    actor: str
    run_id: str | None
    subject: Any
    details: Any
    prev_hash: str
    hash: str

    @property
    def business_day(self) -> str:
        """The date partition the record lives in (its recording day, UTC)."""
        return self.recorded_at[:10]

    def business_days(self) -> str | None:
        """The business date (or 'first..last' range) the record concerns, if any."""
        span = self._business_span()
        if span is None:
            return None
        first, last = span
        return first if first == last else f"{first}..{last}"

    def is_about(self, business_date: str) -> bool:
        """Whether the record concerns that business date: a run or an alert of the day, the
        day's schema diff, or a reprocessing request whose range holds it."""
        span = self._business_span()
        return span is not None and span[0] <= business_date <= span[1]

    def _business_span(self) -> tuple[str, str] | None:
        """The first and last business dates the subject names (a day: both the same)."""
        subject = self.subject
        if isinstance(subject, dict):
            day = subject.get("business_date")
            return (day, day) if isinstance(day, str) and day else None
        if not isinstance(subject, str):
            return None
        one = _ONE_DAY.search(subject)
        if one:
            return one.group(1), one.group(1)
        span = _DAY_RANGE.search(subject)
        return (span.group(1), span.group(2)) if span else None

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> AuditRecord:
        data = json.loads(text)
        return cls(**{name: data.get(name) for name in cls.__dataclass_fields__})


def day_subject(dataset: str, business_date: str) -> str:
    """A record's subject for one business date ("transactions/2026-11-28": a schema diff)."""
    return f"{dataset}/{business_date}"


def range_subject(dataset: str, start: str, end: str) -> str:
    """A record's subject for a range of business dates ("transactions A..B": reprocessing)."""
    return f"{dataset} {start}..{end}"


def record_hash(fields: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of every field except `hash` itself."""
    body = {k: v for k, v in fields.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def computed_hash(record: AuditRecord) -> str:
    return record_hash(asdict(record))


def new_record(
    stream: str,
    sequence: int,
    recorded_at: str,
    action: str,
    actor: str,
    run_id: str | None,
    subject: Any,
    details: Any,
    prev_hash: str,
) -> AuditRecord:
    """A sealed record; card numbers are masked first in every field given as free text or
    data (actor and run_id too: `--by` is typed by a person), keys and numbers included,
    since what is written here can never be deleted."""
    fields: dict[str, Any] = {
        "stream": stream,
        "sequence": sequence,
        "recorded_at": recorded_at,
        "action": masked(action),
        "actor": masked(actor),
        "run_id": masked(run_id),
        "subject": masked(subject),
        "details": masked(details),
        "prev_hash": prev_hash,
    }
    return AuditRecord(**fields, hash=record_hash(fields))
