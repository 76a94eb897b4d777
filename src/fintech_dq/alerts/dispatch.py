"""Sending a notification to its tier: SNS on AWS; locally SNS too, then the topic's e-mail
subscriptions relayed to the local SMTP inbox (the emulator delivers no e-mail). The relay
sends the notification's subject and body itself; it never parses the published JSON.

Transient AWS errors (throttling, 5xx, timeouts, dropped connections) are retried by
botocore's `standard` retry mode: exponential backoff with full jitter, a retry quota,
and the classification of which errors are transient — the one well-kept implementation,
configured in `fintech_dq.infra.aws.client`. What still fails after that is raised, so the
Lambda runtime retries the invocation and finally puts the event on the function's DLQ.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Protocol

from fintech_dq.alerts.messages import Notification
from fintech_dq.infra import aws

log = logging.getLogger(__name__)


class Notifier(Protocol):
    hands_over: bool
    """False: `send` returns once SNS accepted the message. True: it only handed the
    notification to the dispatcher, which sends, confirms the claim and audits it."""

    def send(self, notification: Notification) -> None: ...


class SnsNotifier:
    """Publishes to `fdq-<env>-alerts-tier<N>` (only the dispatcher's role may)."""

    hands_over = False

    def __init__(
        self,
        locations: Any,
        settings: aws.AwsSettings | None = None,
        *,
        relay_mail: bool = False,
        state_dir: Path | None = None,
        sns: Any = None,
    ) -> None:
        self.locations = locations
        self.sns = sns or aws.client("sns", settings)
        self.relay_mail = relay_mail
        self.state_dir = state_dir
        self.sent: list[tuple[str, str]] = []

    def topic_arn(self, tier: int) -> str:
        region = self.sns.meta.region_name
        return f"arn:aws:sns:{region}:{self.locations.account}:{self.locations.alert_topic(tier)}"

    def send(self, notification: Notification) -> None:
        topic = self.topic_arn(notification.tier)
        # One message per protocol: e-mail gets the full body, SMS a one-segment text;
        # SQS, Lambda and any other subscriber get `default` (the body, as before).
        message = {"default": notification.body, "email": notification.body}
        message["sms"] = notification.sms
        answer = self.sns.publish(
            TopicArn=topic,
            Subject=notification.subject,
            MessageStructure="json",
            Message=json.dumps(message),
            MessageAttributes={
                "alert_id": {"DataType": "String", "StringValue": notification.alert.alert_id},
                "severity": {"DataType": "String", "StringValue": notification.alert.severity},
                "kind": {"DataType": "String", "StringValue": notification.kind},
            },
        )
        self.sent.append((topic, str(answer.get("MessageId"))))
        if self.relay_mail:
            self._relay(topic, notification)

    def _relay(self, topic: str, notification: Notification) -> None:
        from fintech_dq.notify.inbox import relay_address
        from fintech_dq.notify.relay import email_endpoints, send_local_mail

        recipients = email_endpoints(self.sns, topic)
        if not recipients:
            return
        address = relay_address(self.state_dir)
        if address is None:
            log.warning("no local SMTP inbox running: %s not e-mailed", notification.subject)
            return
        send_local_mail(address, recipients, notification.subject, notification.body, topic)


class LambdaNotifier:
    """On AWS, the functions that may not publish hand the notification to the dispatcher
    (asynchronous invocation: its retries and DLQ apply)."""

    hands_over = True

    def __init__(self, function_name: str, settings: aws.AwsSettings | None = None) -> None:
        self.function_name = function_name
        self.lambda_client = aws.client("lambda", settings)

    def send(self, notification: Notification) -> None:
        self.lambda_client.invoke(
            FunctionName=self.function_name,
            InvocationType="Event",
            Payload=json.dumps({"notification": notification.as_payload()}).encode(),
        )
