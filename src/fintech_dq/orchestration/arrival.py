"""From landing events to daily runs: the event-driven DAG's logic (pure, testable).

The asset watcher turns each batch of SQS messages into an asset event whose extra holds
the trigger's payload (`{"payload": {"message_batch": [...]}}`). Every S3 key of the
transactions partition names its business date (ingest_date=); a date's first
announcement starts the daily run arrival__<date>, a later one (a late file, a resend) a
run named after the uploads it announces (keys, ETags, versions), so the same announcement
delivered twice (two messages, two asset events) starts one run. Whether a later run
checks the day again is the daily run's decision: it skips a partition that has not
changed since its last check (orchestration.batch_state).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from fintech_dq.orchestration.run_plan import arrival_run_id, business_date_of_key, landed_objects

NO_QUEUE_NOTE = """
**No watcher here:** FDQ_LANDING_QUEUE_URL (or FDQ_AWS_ACCOUNT_ID on AWS) was not set when
this file was parsed, so nothing listens to the landing queue.
"""


def messages_of(asset_events: Mapping[Any, Iterable[Any]]) -> list[Mapping[str, Any]]:
    messages: list[Mapping[str, Any]] = []
    for events in asset_events.values():
        for event in events:
            extra = getattr(event, "extra", None) or {}
            payload = extra.get("payload") or {}
            messages.extend(payload.get("message_batch") or [])
    return messages


def announced_dates(messages: Iterable[Mapping[str, Any]]) -> dict[date, list[tuple[str, str]]]:
    """Business date -> the (key, upload) pairs announced for it (manifests and data files
    alike; run_plan.landed_objects says what tells uploads apart)."""
    found: dict[date, list[tuple[str, str]]] = {}
    for _bucket, key, upload in landed_objects(messages):
        day = business_date_of_key(key)
        if day is not None:
            found.setdefault(day, []).append((key, upload))
    return dict(sorted(found.items()))


def daily_runs(
    asset_events: Mapping[Any, Iterable[Any]], run_exists: Callable[[str], bool]
) -> list[dict[str, Any]]:
    """TriggerDagRunOperator arguments, one per announced day. `run_exists(run_id)`: whether
    the daily DAG has that run (a day's later announcements get runs of their own)."""
    dates = announced_dates(messages_of(asset_events))
    runs = []
    for day, objects in dates.items():
        uploads = [f"{key}\t{upload}" for key, upload in objects]
        keys = sorted({key for key, _ in objects})
        run_id = arrival_run_id(day, uploads, run_exists(arrival_run_id(day)))
        conf = {"business_date": day.isoformat(), "announced_keys": keys[:50]}
        runs.append({"trigger_run_id": run_id, "conf": conf})
    return runs
