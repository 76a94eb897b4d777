"""Delivery: transient SNS errors retried (botocore standard mode: backoff with jitter),
persistent ones leave the tier unclaimed for the next check, poison events reach the
function's DLQ with the reason, and the local event path (emulator EventBridge -> stand-in
queue -> the handler functions in process) makes one alert of a twice-published event."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from fintech_dq.alerts import handlers
from fintech_dq.events import publish_event
from fintech_dq.events.local_delivery import LocalLambdaContext, deliver_pending_events

from .conftest import eventbridge_envelope, failed_event

THROTTLED = (
    b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
    b"<Message>Rate exceeded</Message></Error><RequestId>r1</RequestId></ErrorResponse>"
)
UNAVAILABLE = (
    b"<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code>"
    b"<Message>try later</Message></Error><RequestId>r2</RequestId></ErrorResponse>"
)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


def inject_failures(sns: Any, status: int, body: bytes, times: int) -> list[str]:
    """Answer the next `times` Publish calls with an error before they leave botocore;
    later calls go to the emulator. Returns the log of attempts."""
    attempts: list[str] = []

    def before_send(request: Any, **_: Any) -> AWSResponse | None:
        attempts.append("injected" if len(attempts) < times else "sent")
        if attempts[-1] == "injected":
            return AWSResponse(request.url, status, {}, _Raw(body))
        return None

    sns.meta.events.register("before-send.sns.Publish", before_send)
    return attempts


def drain(sqs: Any, queue: str) -> list[Any]:
    bodies = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return bodies
        for message in batch:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])


def test_a_throttled_publish_is_retried_and_delivered(
    make_service: Any, clock: Any, dataset: str, tier_queues: Any
) -> None:
    service = make_service(clock)
    tier_queues[1].alert_ids()
    attempts = inject_failures(service.notifier.sns, 400, THROTTLED, times=1)
    handled = service.handle_event(failed_event(dataset))
    assert attempts == ["injected", "sent"]
    assert [n.tier for n in handled.sent] == [1]
    assert tier_queues[1].alert_ids().count(handled.recorded.alert.alert_id) == 1


def test_a_publish_failing_past_its_retries_leaves_the_tier_for_the_next_check(
    make_service: Any, clock: Any, dataset: str, tier_queues: Any
) -> None:
    service = make_service(clock)
    alert_id = service.handle_event(failed_event(dataset)).recorded.alert.alert_id
    clock.advance(seconds=61)
    attempts = inject_failures(service.notifier.sns, 503, UNAVAILABLE, times=3)
    with pytest.raises(Exception, match="ServiceUnavailable"):
        service.advance(service.store.require(alert_id))
    assert attempts == ["injected"] * 3  # the local client: 1 try + 2 retries
    assert service.store.require(alert_id).notified_tier == 1  # claim released
    tier_queues[2].alert_ids()
    sent = service.advance(service.store.require(alert_id))
    assert [(n.tier, n.kind) for n in sent] == [(2, "escalated")]
    assert tier_queues[2].alert_ids().count(alert_id) == 1


@pytest.mark.parametrize(
    ("breakage", "reason"),
    [
        (lambda e: {**e, "detail": {**e["detail"], "schema_version": "9.0"}}, "schema_version"),
        (lambda e: {**e, "source": "someone-else"}, "source"),
        (lambda e: {k: v for k, v in e.items() if k != "detail-type"}, "not an EventBridge"),
        (lambda e: {**e, "detail": {**e["detail"], "event_id": "forged"}}, "does not match"),
    ],
)
def test_a_poison_event_goes_to_the_functions_dlq_with_its_reason(
    make_service: Any, clock: Any, dataset: str, local_stack: Any, breakage: Any, reason: str
) -> None:
    sqs = local_stack.client("sqs")
    dlq = sqs.get_queue_url(QueueName="fdq-local-validation-issue-handler-dlq")["QueueUrl"]
    poison = breakage(eventbridge_envelope(failed_event(dataset)))
    context = LocalLambdaContext("fdq-local-validation-issue-handler", "req-1", "arn:x")
    with handlers.bound_service(make_service(clock)):
        result = handlers.validation_issue_handler(poison, context)
    assert result["status"] == "dead-lettered" and reason in result["reason"]
    bodies = [b for b in drain(sqs, dlq) if dataset in json.dumps(b["original_event"])]
    assert len(bodies) == 1
    assert reason in bodies[0]["reason"] and bodies[0]["original_event"] == json.loads(
        json.dumps(poison, default=str)
    )
    unopened = make_service(clock).store.get(f"{dataset}/2026-11-27/validation.failed")
    assert unopened is None


def test_an_event_published_twice_through_eventbridge_makes_one_alert_and_one_page(
    make_service: Any, clock: Any, dataset: str, locations: Any, local_stack: Any, tier_queues: Any
) -> None:
    service = make_service(clock)
    tier_queues[1].alert_ids()
    event = failed_event(dataset, severity="critical", event_type="batch.blocked")
    publish_event(event, locations, local_stack.settings)
    publish_event(event, locations, local_stack.settings)  # EventBridge is at-least-once
    assert deliver_pending_events(locations, local_stack.settings, service=service) >= 2
    alert = service.store.require(f"{dataset}/2026-11-27/batch.blocked")
    assert (alert.occurrences, alert.notifications, alert.severity) == (1, 1, "critical")
    assert tier_queues[1].alert_ids().count(alert.alert_id) == 1


def test_sms_subscribers_get_one_segment_and_e_mail_and_queues_the_full_body(
    make_service: Any, clock: Any, dataset: str, tier_queues: Any
) -> None:
    from fintech_dq.alerts.messages import SMS_LENGTH

    service = make_service(clock)
    published: list[dict[str, Any]] = []
    service.notifier.sns.meta.events.register(
        "provide-client-params.sns.Publish", lambda params, **_: published.append(dict(params))
    )
    tier_queues[1].alert_ids()
    handled = service.handle_event(failed_event(dataset))
    (notification,) = handled.sent
    (request,) = published
    assert request["MessageStructure"] == "json"
    variants = json.loads(request["Message"])
    assert variants == {
        "default": notification.body,
        "email": notification.body,
        "sms": notification.sms,
    }
    assert len(variants["sms"]) <= SMS_LENGTH < len(notification.body)
    queue = tier_queues[1]
    (delivered,) = [
        json.loads(m["Body"])
        for m in queue.sqs.receive_message(QueueUrl=queue.url, MaxNumberOfMessages=10)["Messages"]
        if dataset in m["Body"]
    ]
    assert delivered["Message"] == notification.body  # not the JSON of all variants
