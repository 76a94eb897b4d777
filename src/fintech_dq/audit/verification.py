"""Checking a stream's chain: a pure function over what was read from bucket C.

Every problem names the record (stream, sequence, key) so a person can go and look; the
locked original of an overwritten record is still in the bucket as an older version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from fintech_dq.audit.layout import day_of, is_claim, sequence_of
from fintech_dq.audit.record import GENESIS_HASH, AuditRecord, computed_hash


@dataclass(frozen=True)
class StoredObject:
    key: str
    body: bytes | None
    """The current version's bytes; None when the key is hidden behind a delete marker."""
    versions: int
    """Object versions kept under the key (delete markers not counted)."""


@dataclass(frozen=True)
class AuditProblem:
    stream: str
    sequence: int | None
    key: str | None
    kind: str
    """altered, removed, reordered, overwritten, broken_chain, missing, unreadable"""
    message: str

    def __str__(self) -> str:
        where = f"{self.stream} #{self.sequence}" if self.sequence else self.stream
        return f"{where} [{self.kind}] {self.message}" + (f" ({self.key})" if self.key else "")


def find_problems(stream: str, objects: list[StoredObject]) -> list[AuditProblem]:
    problems: list[AuditProblem] = []

    def report(sequence: int | None, key: str | None, kind: str, message: str) -> None:
        problems.append(AuditProblem(stream, sequence, key, kind, message))

    records: dict[int, AuditRecord] = {}
    claims: dict[int, AuditRecord] = {}
    for stored in sorted(objects, key=lambda o: o.key):
        sequence = sequence_of(stored.key)
        if sequence is None:
            report(None, stored.key, "unreadable", "object that is no audit record")
            continue
        if stored.versions > 1:
            report(
                sequence,
                stored.key,
                "overwritten",
                f"{stored.versions} versions under one key; the first is the original",
            )
        if stored.body is None:
            report(sequence, stored.key, "removed", "hidden behind a delete marker")
            continue
        try:
            record = AuditRecord.from_json(stored.body)
        except (ValueError, TypeError) as error:
            report(sequence, stored.key, "unreadable", f"not a record: {error}")
            continue
        if record.hash != computed_hash(record):
            report(sequence, stored.key, "altered", "content no longer matches its hash")
        if record.sequence != sequence or record.stream != stream:
            report(
                sequence,
                stored.key,
                "reordered",
                f"holds {record.stream} #{record.sequence}, its place is {stream} #{sequence}",
            )
        if is_claim(stored.key):
            claims[sequence] = record
            continue
        if day_of(stored.key) != record.business_day:
            report(
                sequence,
                stored.key,
                "reordered",
                f"recorded on {record.business_day}, filed under {day_of(stored.key)}",
            )
        records[sequence] = record

    last = max([*records, *claims], default=0)
    previous_hash = GENESIS_HASH
    for sequence in range(1, last + 1):
        copy = records.get(sequence)
        claim = claims.get(sequence)
        if copy is None:
            kind = "removed" if claim is not None else "missing"
            report(
                sequence,
                None,
                kind,
                "no record at this place in the chain"
                + (" (its sequence claim is still there)" if claim else ""),
            )
        elif claim is not None and claim.hash != copy.hash:
            report(sequence, None, "altered", "record differs from its sequence claim")
        elif claim is None:
            report(sequence, None, "removed", "its sequence claim is gone")
        # Chain over the claim when there is one: an altered record copy is then named
        # once, and the records after it still verify against the original.
        linked = claim or copy
        if linked is None:
            previous_hash = ""
            continue
        if previous_hash and linked.prev_hash != previous_hash:
            report(
                sequence,
                None,
                "broken_chain",
                f"prev_hash {linked.prev_hash[:12]}… is not the hash of #{sequence - 1}",
            )
        previous_hash = computed_hash(linked)
    return _unique(problems)


def _unique(problems: list[AuditProblem]) -> list[AuditProblem]:
    seen: set[str] = set()
    kept = []
    for problem in problems:
        signature = json.dumps([problem.sequence, problem.key, problem.kind, problem.message])
        if signature not in seen:
            seen.add(signature)
            kept.append(problem)
    return kept
