"""The audit trail in bucket C: append a record to a stream, verify the streams.

Appends never overwrite (layout.py): a conditional put of the sequence claim decides who
writes record N, and the emulator honours If-None-Match like S3 does, so concurrent
appenders queue up instead of forking the chain.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fintech_dq.audit.layout import (
    claim_key,
    claims_prefix,
    day_of,
    record_key,
    sequence_of,
    stream_prefix,
)
from fintech_dq.audit.record import GENESIS_HASH, STREAMS, AuditRecord, new_record
from fintech_dq.audit.verification import AuditProblem, StoredObject, find_problems
from fintech_dq.infra import aws
from fintech_dq.pipeline.locations import PipelineLocations

MAX_ATTEMPTS = 20
JSON_LINES = "application/x-ndjson"


class AuditAppendConflict(RuntimeError):
    """Other appenders kept winning the next place in the chain."""


class AuditTrail:
    def __init__(
        self,
        locations: PipelineLocations,
        settings: aws.AwsSettings | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.locations = locations
        self.bucket = locations.audit_bucket
        self.prefix = locations.audit_prefix
        self._s3 = aws.client("s3", settings)
        self._clock = clock or (lambda: datetime.now(UTC))

    # Writing ---------------------------------------------------------------------------
    def append(
        self,
        stream: str,
        action: str,
        actor: str,
        run_id: str | None = None,
        subject: Any = None,
        details: Any = None,
    ) -> AuditRecord:
        """Who (actor) did what (action) to what (subject), when (now, UTC), in which run."""
        _check_stream(stream)
        if not action or not actor:
            raise ValueError("an audit record needs an action and an actor")
        for attempt in range(MAX_ATTEMPTS):
            head = self.head(stream)
            recorded_at = self._clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            record = new_record(
                stream,
                head.sequence + 1 if head else 1,
                recorded_at,
                action,
                actor,
                run_id,
                subject,
                details,
                head.hash if head else GENESIS_HASH,
            )
            if self._put_once(claim_key(self.prefix, stream, record.sequence), record):
                key = record_key(self.prefix, stream, record.business_day, record.sequence)
                self._put_once(key, record)
                return record
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
        raise AuditAppendConflict(f"no place in stream {stream!r} after {MAX_ATTEMPTS} tries")

    def _put_once(self, key: str, record: AuditRecord) -> bool:
        """Create the object unless the key exists; False when someone was first."""
        try:
            self._s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=(record.to_json() + "\n").encode(),
                ContentType=JSON_LINES,
                IfNoneMatch="*",
            )
        except self._s3.exceptions.ClientError as error:
            if error.response["Error"]["Code"] in (
                "PreconditionFailed",
                "ConditionalRequestConflict",
            ):
                return False
            raise
        return True

    # Reading ---------------------------------------------------------------------------
    def head(self, stream: str) -> AuditRecord | None:
        """The last claimed record of the stream (None for an empty one).

        The newest day partition gives a lower bound on the sequence; the claims listed
        after it give the true head, without listing the whole stream."""
        _check_stream(stream)
        days = self._list(stream_prefix(self.prefix, stream), delimiter="/")
        dated = sorted(p for p in days if "/date=" in p)
        start_after = ""
        if dated:
            in_last_day = [sequence_of(k) for k in self._list(dated[-1])]
            known = max((s for s in in_last_day if s is not None), default=0)
            if known > 1:
                start_after = claim_key(self.prefix, stream, known - 1)
        claims = self._list(claims_prefix(self.prefix, stream), start_after=start_after)
        if not claims:
            return None
        body = self._s3.get_object(Bucket=self.bucket, Key=claims[-1])["Body"].read()
        return AuditRecord.from_json(body)

    def records(self, stream: str, day: str | None = None) -> list[AuditRecord]:
        """The stream's records (of one UTC day, if given), in chain order."""
        _check_stream(stream)
        prefix = stream_prefix(self.prefix, stream) + (f"date={day}/" if day else "")
        keys = [k for k in self._list(prefix) if "/date=" in k]
        found = [self._read(k) for k in keys]
        return sorted((r for r in found if r is not None), key=lambda r: r.sequence)

    def days(self, stream: str) -> list[str]:
        """The UTC days (YYYY-MM-DD) the stream holds records of: the days they were
        written, which `records(stream, day)` takes."""
        _check_stream(stream)
        partitions = self._list(stream_prefix(self.prefix, stream), delimiter="/")
        return sorted({day for p in partitions if (day := day_of(p)) is not None})

    def verify(self, stream: str | None = None) -> list[AuditProblem]:
        """Every altered, removed, reordered or overwritten record of one stream or all."""
        problems: list[AuditProblem] = []
        for name in [stream] if stream else list(STREAMS):
            _check_stream(name)
            problems.extend(find_problems(name, self._stored(stream_prefix(self.prefix, name))))
        return problems

    def _stored(self, prefix: str) -> list[StoredObject]:
        versions: dict[str, int] = {}
        hidden: set[str] = set()
        paginator = self._s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for version in page.get("Versions", []):
                versions[version["Key"]] = versions.get(version["Key"], 0) + 1
            for marker in page.get("DeleteMarkers", []):
                versions.setdefault(marker["Key"], 0)
                if marker.get("IsLatest"):
                    hidden.add(marker["Key"])
        stored = []
        for key, count in sorted(versions.items()):
            body = None
            if key not in hidden:
                body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            stored.append(StoredObject(key, body, count))
        return stored

    def _read(self, key: str) -> AuditRecord | None:
        try:
            body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            return AuditRecord.from_json(body)
        except (ValueError, TypeError):
            return None

    def _list(self, prefix: str, delimiter: str = "", start_after: str = "") -> list[str]:
        found: list[str] = []
        arguments: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix}
        if delimiter:
            arguments["Delimiter"] = delimiter
        if start_after:
            arguments["StartAfter"] = start_after
        for page in self._s3.get_paginator("list_objects_v2").paginate(**arguments):
            found.extend(item["Key"] for item in page.get("Contents", []))
            found.extend(item["Prefix"] for item in page.get("CommonPrefixes", []))
        return sorted(found)


def _check_stream(stream: str) -> None:
    if stream not in STREAMS:
        raise ValueError(f"unknown audit stream {stream!r}: expected one of {', '.join(STREAMS)}")
