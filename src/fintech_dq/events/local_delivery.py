"""The local event path: what EventBridge -> Lambda does on AWS, done by the local runtime.

The emulator cannot invoke Lambda, so `fdq local deploy` points each rule's Lambda target
at a stand-in SQS queue `<function>-events` (docs/infrastructure.md). The emulator's
EventBridge really matches the rules and delivers there; this module drains those queues
and calls the very handler functions the Lambda runtime calls, in process. Like Lambda's
asynchronous invocation it retries a failing event (the message stays on its queue) and
after MAX_RECEIVES attempts dead-letters it with the reason; poison events are
dead-lettered by the handlers themselves at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fintech_dq.infra import aws

log = logging.getLogger(__name__)
MAX_RECEIVES = 3
"""One try and two retries, as Lambda's asynchronous invocation."""


class LocalDeliveryError(RuntimeError):
    """Events whose handler failed (left on their queue for the next delivery)."""


@dataclass(frozen=True)
class LocalLambdaContext:
    """What the Lambda runtime passes as `context` (Powertools' logger reads it)."""

    function_name: str
    aws_request_id: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def complete_envelope(event: Any, locations: Any) -> Any:
    """The emulator's EventBridge leaves `account` (and may leave `version`) out of the
    envelope it delivers to SQS, where AWS always sets them; put them back so the handlers
    parse the same shape in both runtimes. Nothing else is changed."""
    if isinstance(event, dict) and "detail-type" in event:
        event.setdefault("account", locations.account)
        event.setdefault("version", "0")
    return event


def _functions() -> dict[str, Callable[[dict[str, Any], Any], dict[str, Any]]]:
    from fintech_dq.alerts import handlers

    return {
        handlers.SCHEMA_CHANGE_PROCESSOR: handlers.schema_change_processor,
        handlers.VALIDATION_ISSUE_HANDLER: handlers.validation_issue_handler,
        handlers.ALERT_DISPATCHER: handlers.alert_dispatcher,
    }


def _service(locations: Any, settings: aws.AwsSettings | None, service: Any) -> Any:
    if service is not None:
        return service
    from fintech_dq.alerts.service import AlertService

    return AlertService.build(locations, settings)


def _context(locations: Any, function: str, request_id: str) -> LocalLambdaContext:
    name = f"fdq-{locations.env_name}-{function}"
    arn = f"arn:aws:lambda:local:{locations.account}:function:{name}"
    return LocalLambdaContext(name, request_id, arn)


def deliver_pending_events(
    locations: Any, settings: aws.AwsSettings | None = None, *, service: Any = None
) -> int:
    """Drain every function's stand-in queue into its handler; returns how many events
    were handled (dead-lettered poison included). Raises LocalDeliveryError when a
    handler failed (its event stays queued; retried next time, dead-lettered after
    MAX_RECEIVES)."""
    from fintech_dq.alerts.handlers import bound_service, dead_letter

    chosen = _service(locations, settings, service)
    sqs = aws.client("sqs", settings)
    handled, failures = 0, []
    with bound_service(chosen):
        for function, handler in _functions().items():
            queue_name = f"fdq-{locations.env_name}-{function}-events"
            queue = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
            while True:
                answer = sqs.receive_message(
                    QueueUrl=queue,
                    MaxNumberOfMessages=10,
                    AttributeNames=["ApproximateReceiveCount"],
                    VisibilityTimeout=30,
                )
                batch = answer.get("Messages", [])
                if not batch:
                    break
                retry_later = []
                for message in batch:
                    event = complete_envelope(json.loads(message["Body"]), locations)
                    context = _context(locations, function, message["MessageId"])
                    try:
                        handler(event, context)
                    except Exception as error:
                        receives = int(message["Attributes"].get("ApproximateReceiveCount", 1))
                        log.warning("%s failed on an event (try %d): %r", function, receives, error)
                        if receives >= MAX_RECEIVES:
                            dead_letter(function, event, f"failed {receives} times: {error!r}")
                            handled += 1
                        else:
                            retry_later.append(message)
                            failures.append(f"{function}: {error!r}")
                            continue
                    else:
                        handled += 1
                    sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
                for message in retry_later:  # visible again for the next delivery
                    sqs.change_message_visibility(
                        QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                    )
                if retry_later:
                    break  # do not spin on a failing event within one delivery
    if failures:
        raise LocalDeliveryError("; ".join(failures))
    return handled


def run_escalation_check(
    locations: Any, settings: aws.AwsSettings | None = None, *, service: Any = None
) -> int:
    """What EventBridge Scheduler does on AWS: run the escalation checker once, in process;
    returns how many notifications it sent."""
    from fintech_dq.alerts import handlers

    chosen = _service(locations, settings, service)
    with handlers.bound_service(chosen):
        context = _context(locations, handlers.ESCALATION_CHECKER, "local-schedule")
        result = handlers.escalation_checker({"source": "local-schedule"}, context)
    return len(result["notified"])
