"""Putting an event on the environment's bus (EventBridge on AWS, the emulator locally)."""

from __future__ import annotations

from typing import Any

from fintech_dq.events.model import SOURCE, EventError, PipelineEvent
from fintech_dq.infra import aws

MAX_ENTRY_BYTES = 256 * 1024
"""EventBridge's limit for one PutEvents entry."""


def put_events_entry(event: PipelineEvent, event_bus: str) -> dict[str, Any]:
    detail = event.detail_json()
    entry = {
        "Source": SOURCE,
        "DetailType": event.event_type,
        "Detail": detail,
        "EventBusName": event_bus,
        "Time": event.occurred_at,
        "Resources": [],
    }
    size = len(detail.encode()) + len(SOURCE) + len(event.event_type)
    if size > MAX_ENTRY_BYTES:
        raise EventError(
            f"{event.event_type} {event.event_id}: detail of {size} bytes exceeds "
            f"EventBridge's {MAX_ENTRY_BYTES}; put large content in S3 and link it"
        )
    return entry


def publish_event(
    event: PipelineEvent, locations: Any, settings: aws.AwsSettings | None = None
) -> str:
    """PutEvents to `locations.event_bus`; returns the event's (deterministic) id.

    Raises EventError when EventBridge refuses the entry: PutEvents answers 200 with a
    per-entry error code, which would otherwise be lost silently."""
    events = aws.client("events", settings)
    answer = events.put_events(Entries=[put_events_entry(event, locations.event_bus)])
    failed = int(answer.get("FailedEntryCount", 0))
    entries = answer.get("Entries") or [{}]
    if failed or entries[0].get("ErrorCode"):
        first = entries[0]
        raise EventError(
            f"EventBridge refused {event.event_type} {event.event_id} on "
            f"{locations.event_bus}: {first.get('ErrorCode')} {first.get('ErrorMessage')}"
        )
    return event.event_id
