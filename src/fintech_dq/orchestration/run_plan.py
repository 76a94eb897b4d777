"""Which business date a DAG run is for, and the names its tasks use (pure functions).

The business date is the one the run's conf names (`business_date`, set by the
event-driven DAG, the reprocess DAG or a person triggering from the UI), else the date of
the data interval's start: the scheduled run of the interval [D, D+1) checks day D.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

_INGEST_DATE = re.compile(r"(?:^|/)ingest_date=(\d{4}-\d{2}-\d{2})/")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
ARRIVAL_PREFIX = "arrival__"


class RunPlanError(ValueError):
    """The run does not say which day it is for (or says it wrongly)."""


def business_date_for(
    conf: Mapping[str, Any] | None, data_interval_start: datetime | str | None
) -> date:
    wanted = (conf or {}).get("business_date")
    if wanted:
        try:
            return date.fromisoformat(str(wanted))
        except ValueError as error:
            raise RunPlanError(
                f"conf business_date={wanted!r} is not a date (YYYY-MM-DD)"
            ) from error
    if data_interval_start is None:
        raise RunPlanError(
            "this run has no data interval (triggered without a logical date): "
            'give the day in the run conf, e.g. {"business_date": "2026-11-28"}'
        )
    if isinstance(data_interval_start, str):
        data_interval_start = datetime.fromisoformat(data_interval_start)
    return data_interval_start.date()


def storage_run_id(airflow_run_id: str) -> str:
    """The Airflow run id made safe for S3 keys and Glue arguments; stable across retries
    and reruns of the same DAG run, so a rerun replaces that run's documents."""
    cleaned = _UNSAFE.sub("-", airflow_run_id).strip("-")
    if not cleaned:
        raise RunPlanError(f"run id {airflow_run_id!r} has nothing usable")
    return cleaned


def business_date_of_key(key: str) -> date | None:
    """The day a landed object belongs to (its ingest_date= partition), or None."""
    found = _INGEST_DATE.search(key)
    return date.fromisoformat(found.group(1)) if found else None


def landed_objects(messages: Iterable[Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """(bucket, key, upload) of each S3 "Object Created" event in EventBridge form, as the
    SQS landing queue holds them (the message body is the event's JSON). `upload` tells two
    uploads of one key apart: the object's ETag and version id (the sequencer would too on
    AWS, but the emulator sends a constant one)."""
    import json

    found: list[tuple[str, str, str]] = []
    for message in messages:
        body = message.get("Body", message.get("body", message))
        event = json.loads(body) if isinstance(body, str) else body
        detail = event.get("detail") or {}
        bucket = (detail.get("bucket") or {}).get("name")
        item = detail.get("object") or {}
        key = item.get("key")
        if bucket and key:
            upload = f"{item.get('etag') or item.get('eTag') or ''}/{item.get('version-id') or ''}"
            found.append((str(bucket), str(key), upload))
    return found


def arrival_run_id(
    business_date: date, uploads: Iterable[str] = (), day_has_arrival_run: bool = False
) -> str:
    """`arrival__<date>` for a day's first announcement. A later one (a late file, a resend,
    a second correction of the same file) gets its own run, named after the uploads it
    announces (key, ETag, version), so that one announcement delivered twice still starts
    one run (orchestration.batch_state decides whether the day changed)."""
    first = f"{ARRIVAL_PREFIX}{business_date.isoformat()}"
    if not day_has_arrival_run:
        return first
    digest = hashlib.sha256("\n".join(sorted(set(uploads))).encode()).hexdigest()[:12]
    return f"{first}__{digest}"
