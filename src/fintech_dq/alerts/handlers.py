"""The four Lambda functions' bodies (lambdas/*.py only re-export them), with Powertools:
structured JSON logs with the Lambda context, EventBridge envelope parsing (pydantic).

Idempotency is the alert record's own: the event id is stored in the record with a
conditional write, so a second delivery (EventBridge is at-least-once) changes nothing —
no separate idempotency table, and it holds across functions and the local path alike.
A poison event (not ours, malformed, unknown schema version) is put on the function's
dead-letter queue with the reason and the original event, and not retried; any other
error is raised, so Lambda retries the invocation and finally dead-letters it itself.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from fintech_dq.alerts.service import AlertService
from fintech_dq.events.model import SOURCE, EventError, PipelineEvent
from fintech_dq.infra import aws
from fintech_dq.run_logs.run_log import RunLog

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "fdq-alerts"))

SCHEMA_CHANGE_PROCESSOR = "schema-change-processor"
VALIDATION_ISSUE_HANDLER = "validation-issue-handler"
ALERT_DISPATCHER = "alert-dispatcher"
ESCALATION_CHECKER = "escalation-checker"
ROUTES: dict[str, tuple[str, ...]] = {
    SCHEMA_CHANGE_PROCESSOR: ("schema.changed",),
    VALIDATION_ISSUE_HANDLER: ("validation.failed", "batch.blocked"),
    ALERT_DISPATCHER: ("sla.missed", "run.failed"),
}
"""Which detail types each function takes (the EventBridge rules say the same)."""

_bound: ContextVar[AlertService | None] = ContextVar("fdq_alert_service", default=None)
_from_environment: dict[str, AlertService] = {}


class PoisonEvent(ValueError):
    """An event no retry can make valid."""


@contextmanager
def bound_service(service: AlertService) -> Iterator[AlertService]:
    """Run handlers against this service (the local event path, tests): the same functions,
    another environment, clock or policy."""
    token = _bound.set(service)
    try:
        yield service
    finally:
        _bound.reset(token)


def service_for(function: str) -> AlertService:
    bound = _bound.get()
    if bound is not None:
        return bound
    if function not in _from_environment:  # warm Lambda containers reuse it
        from fintech_dq.alerts.dispatch import LambdaNotifier, SnsNotifier
        from fintech_dq.pipeline.locations import PipelineLocations

        settings = aws.settings()
        locations = PipelineLocations.resolve(settings)
        dispatcher = os.environ.get("FDQ_ALERT_DISPATCHER")
        notifier: Any = (
            LambdaNotifier(dispatcher, settings)
            if dispatcher and function != ALERT_DISPATCHER
            else SnsNotifier(locations, settings, relay_mail=settings.is_local)
        )
        _from_environment[function] = AlertService.build(
            locations,
            settings,
            notifier=notifier,
            # only the dispatcher sends on AWS, and only its role may put events on the bus
            announce_escalations=settings.is_local or function == ALERT_DISPATCHER,
        )
    return _from_environment[function]


def parse_pipeline_event(event: Any, accepted: tuple[str, ...]) -> PipelineEvent:
    try:
        envelope = parse(event=event, model=EventBridgeModel)
    except Exception as problem:
        raise PoisonEvent(f"not an EventBridge event: {problem}") from problem
    if envelope.source != SOURCE:
        raise PoisonEvent(f"source {envelope.source!r} is not {SOURCE!r}")
    if envelope.detail_type not in accepted:
        raise PoisonEvent(f"detail-type {envelope.detail_type!r} is not one of {accepted}")
    try:
        detail = envelope.detail
        if not isinstance(detail, dict):
            raise PoisonEvent("detail is not a JSON object")
        parsed = PipelineEvent.from_detail(detail)
    except EventError as problem:
        raise PoisonEvent(str(problem)) from problem
    if parsed.event_type != envelope.detail_type:
        raise PoisonEvent(f"detail-type {envelope.detail_type!r} but event {parsed.event_type!r}")
    return parsed


def dead_letter(function: str, event: Any, reason: str) -> str:
    """Put the original event and the reason on `fdq-<env>-<function>-dlq`."""
    service = service_for(function)
    sqs = aws.client("sqs", service.settings)
    queue = sqs.get_queue_url(QueueName=f"fdq-{service.locations.env_name}-{function}-dlq")
    body = {
        "function": function,
        "reason": reason,
        "dead_lettered_at": datetime.now(UTC).isoformat(),
        "original_event": event,
    }
    answer = sqs.send_message(
        QueueUrl=queue["QueueUrl"],
        MessageBody=json.dumps(body, default=str),
        MessageAttributes={"reason": {"DataType": "String", "StringValue": reason[:256]}},
    )
    return str(answer["MessageId"])


def _handle_pipeline_event(function: str, event: Any) -> dict[str, Any]:
    try:
        parsed = parse_pipeline_event(event, ROUTES[function])
    except PoisonEvent as poison:
        message_id = dead_letter(function, event, str(poison))
        logger.error("poison event dead-lettered", reason=str(poison), dlq_message=message_id)
        return {"status": "dead-lettered", "reason": str(poison)}
    logger.append_keys(event_id=parsed.event_id, event_type=parsed.event_type)
    service = service_for(function)
    # The same lines also go to the run's log in bucket C, beside the Glue job's and the
    # DAG's, so that one run can be traced end to end by its run id.
    run_log = RunLog(service.locations, _key_safe(parsed.run_id), function, service.settings)
    try:
        handled = service.handle_event(parsed)
    except Exception as error:
        run_log.error("event handling failed", event_id=parsed.event_id, error=repr(error))
        run_log.flush()
        raise
    _log_outcome(run_log, parsed, handled)
    run_log.flush()
    if handled.recorded is None:
        logger.info("no alert", reason=handled.ignored)
        return {"status": "ignored", "reason": handled.ignored}
    alert = handled.recorded.alert
    logger.info(
        "alert recorded",
        alert_id=alert.alert_id,
        outcome=handled.recorded.outcome,
        notified_tiers=[n.tier for n in handled.sent],
    )
    return {
        "status": handled.recorded.outcome,
        "alert_id": alert.alert_id,
        "notified_tiers": [n.tier for n in handled.sent],
    }


def _log_outcome(run_log: RunLog, parsed: PipelineEvent, handled: Any) -> None:
    fields = {"event_id": parsed.event_id, "event_type": parsed.event_type}
    if handled.recorded is None:
        run_log.info("no alert", reason=handled.ignored, **fields)
    else:
        run_log.info(
            "alert recorded",
            alert_id=handled.recorded.alert.alert_id,
            outcome=handled.recorded.outcome,
            notified_tiers=[n.tier for n in handled.sent],
            **fields,
        )


def _key_safe(run_id: str) -> str:
    """Run ids become key segments (`run_id=<id>/`): a '/' would split them."""
    return run_id.replace("/", "_") or "no-run"


@logger.inject_lambda_context(clear_state=True)
def schema_change_processor(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _handle_pipeline_event(SCHEMA_CHANGE_PROCESSOR, event)


@logger.inject_lambda_context(clear_state=True)
def validation_issue_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _handle_pipeline_event(VALIDATION_ISSUE_HANDLER, event)


@logger.inject_lambda_context(clear_state=True)
def alert_dispatcher(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Two inputs: `sla.missed` or `run.failed` from the bus, or a hand-over
    {"notification": {...}}."""
    request = event.get("notification") if isinstance(event, dict) else None
    if request is None:
        return _handle_pipeline_event(ALERT_DISPATCHER, event)
    try:
        alert_id, claim = str(request["alert_id"]), request["claim"]
        if not isinstance(claim, str) or not claim:
            raise ValueError("no claim token (sent by an older version?)")
    except (KeyError, TypeError, ValueError) as problem:
        dead_letter(ALERT_DISPATCHER, event, f"malformed hand-over: {problem!r}")
        return {"status": "dead-lettered", "reason": f"malformed hand-over: {problem!r}"}
    time_left = timedelta(milliseconds=context.get_remaining_time_in_millis())
    sent = service_for(ALERT_DISPATCHER).send_requested(alert_id, claim, time_left)
    if sent is None:  # a retry after a release, a late start: the next check claims again
        logger.info("hand-over no longer claimed", alert_id=alert_id, claim=claim)
        return {"status": "stale", "alert_id": alert_id}
    logger.info("notified", alert_id=alert_id, tier=sent.tier, kind=sent.kind)
    return {"status": "notified", "alert_id": alert_id, "tier": sent.tier}


@logger.inject_lambda_context(clear_state=True)
def escalation_checker(event: dict[str, Any], context: Any) -> dict[str, Any]:
    service = service_for(ESCALATION_CHECKER)
    sent = service.check()
    for notification in sent:
        logger.info(
            "handed over" if service.notifier.hands_over else "notified",
            alert_id=notification.alert.alert_id,
            tier=notification.tier,
            kind=notification.kind,
        )
    return {"status": "checked", "notified": [[n.alert.alert_id, n.tier] for n in sent]}
