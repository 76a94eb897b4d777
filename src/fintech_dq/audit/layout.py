"""Where an audit stream's objects sit in bucket C.

Two objects per record, both written once and never again (bucket C is Object Lock
COMPLIANCE, versioned):
- `audit/<stream>/sequence/<seq>.json` — the claim: whoever creates it first (conditional
  put, If-None-Match: *) owns that place in the chain, so two concurrent appenders can
  never both write record N; the loser re-reads the head and retries.
- `audit/<stream>/date=YYYY-MM-DD/<seq>.jsonl` — the same record as one JSON line,
  partitioned by day, for people and Athena.
The claim keys depend on the sequence alone: a per-day key could not stop two appenders
on either side of midnight from both writing record N.
"""

from __future__ import annotations

import re

SEQUENCE_WIDTH = 12
_SEQUENCE_NAME = re.compile(rf"^(\d{{{SEQUENCE_WIDTH}}})\.jsonl?$")


def stream_prefix(audit_prefix: str, stream: str) -> str:
    return f"{audit_prefix}{stream}/"


def claims_prefix(audit_prefix: str, stream: str) -> str:
    return f"{stream_prefix(audit_prefix, stream)}sequence/"


def claim_key(audit_prefix: str, stream: str, sequence: int) -> str:
    return f"{claims_prefix(audit_prefix, stream)}{sequence:0{SEQUENCE_WIDTH}d}.json"


def record_key(audit_prefix: str, stream: str, day: str, sequence: int) -> str:
    return f"{stream_prefix(audit_prefix, stream)}date={day}/{sequence:0{SEQUENCE_WIDTH}d}.jsonl"


def sequence_of(key: str) -> int | None:
    match = _SEQUENCE_NAME.match(key.rsplit("/", 1)[-1])
    return int(match.group(1)) if match else None


def is_claim(key: str) -> bool:
    return "/sequence/" in key


def day_of(key: str) -> str | None:
    match = re.search(r"/date=(\d{4}-\d{2}-\d{2})/", key)
    return match.group(1) if match else None
