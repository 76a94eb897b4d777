"""The event model and its publication to the bus (real HTTP to the emulator)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from fintech_dq.events import EVENT_TYPES, EventError, PipelineEvent, publish_event
from fintech_dq.pipeline.locations import PipelineLocations

DAY = date(2026, 11, 27)
AT = datetime(2026, 11, 28, 6, 30, tzinfo=UTC)


def failed_event(**changes: object) -> PipelineEvent:
    event = PipelineEvent(
        event_type="validation.failed",
        dataset="transactions",
        business_date=DAY,
        run_id="run-1",
        severity="error",
        summary="transactions 2026-11-27: failed",
        payload={"status": "failed", "amount_total": Decimal("1234.50")},
        links={"results": "s3://c/results.json"},
        occurred_at=AT,
    )
    return replace(event, **changes)  # type: ignore[arg-type]


def test_the_six_event_types_are_the_documented_ones() -> None:
    assert EVENT_TYPES == (
        "schema.changed",
        "validation.completed",
        "validation.failed",
        "batch.blocked",
        "sla.missed",
        "run.failed",
        "alert.escalated",
    )


def test_event_id_depends_on_what_the_event_is_about_not_when_it_was_sent() -> None:
    first = failed_event()
    assert failed_event(occurred_at=AT + timedelta(hours=1)).event_id == first.event_id
    assert failed_event(summary="other words").event_id == first.event_id
    assert failed_event(run_id="run-2").event_id != first.event_id
    assert failed_event(business_date=date(2026, 11, 26)).event_id != first.event_id
    assert failed_event(event_type="batch.blocked").event_id != first.event_id
    tier2 = failed_event(payload={"dedup_key": "tier-2"})
    assert tier2.event_id != failed_event(payload={"dedup_key": "tier-3"}).event_id


def test_detail_is_versioned_json_with_decimal_money_and_utc_time() -> None:
    detail = json.loads(failed_event().detail_json())
    assert detail["schema_version"] == "1.0"
    assert detail["payload"]["amount_total"] == "1234.50"
    assert detail["occurred_at"] == "2026-11-28T06:30:00+00:00"
    assert detail["business_date"] == "2026-11-27"
    assert PipelineEvent.from_detail(detail).event_id == detail["event_id"]


def test_a_card_number_in_an_event_is_masked() -> None:
    event = failed_event(summary="row with 4111 1111 1111 1111 failed")
    text = event.detail_json()
    assert "4111111111111111" not in text and "4111 1111 1111 1111" not in text
    assert "411111******1111" in text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"event_type": "validation.exploded"}, "unknown event type"),
        ({"severity": "fatal"}, "unknown severity"),
        ({"run_id": ""}, "run_id"),
        ({"occurred_at": datetime(2026, 11, 28, 6, 30)}, "UTC"),
    ],
)
def test_an_event_that_makes_no_sense_is_refused(changes: dict, message: str) -> None:
    with pytest.raises(EventError, match=message):
        failed_event(**changes)


def test_a_detail_of_an_unknown_major_version_or_forged_id_is_refused() -> None:
    detail = failed_event().detail()
    with pytest.raises(EventError, match="schema_version"):
        PipelineEvent.from_detail({**detail, "schema_version": "2.0"})
    with pytest.raises(EventError, match="does not match"):
        PipelineEvent.from_detail({**detail, "event_id": "0" * 32})


def test_published_event_reaches_the_rule_target_queue(local_stack) -> None:  # type: ignore[no-untyped-def]
    locations = PipelineLocations(env_name="local", account=local_stack.account)
    sqs = local_stack.client("sqs")
    queue = sqs.get_queue_url(QueueName="fdq-local-validation-issue-handler-events")["QueueUrl"]
    sqs.purge_queue(QueueUrl=queue)
    event = failed_event(run_id="publish-test")
    assert publish_event(event, locations, local_stack.settings) == event.event_id
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=2)
    for message in messages.get("Messages", []):
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    bodies = [json.loads(m["Body"]) for m in messages.get("Messages", [])]
    mine = [b for b in bodies if b["detail"]["run_id"] == "publish-test"]
    assert len(mine) == 1
    assert mine[0]["source"] == "fintech-dq" and mine[0]["detail-type"] == "validation.failed"
    assert mine[0]["detail"]["event_id"] == event.event_id


def test_publishing_to_a_missing_bus_raises(local_stack) -> None:  # type: ignore[no-untyped-def]
    locations = PipelineLocations(env_name="nosuchenv", account=local_stack.account)
    with pytest.raises(Exception, match="nosuchenv"):
        publish_event(failed_event(), locations, local_stack.settings)
