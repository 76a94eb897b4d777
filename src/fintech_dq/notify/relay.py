"""Locally, what SNS would do for e-mail: send the published message to each e-mail
subscription of the topic, through the local SMTP inbox. Not used on AWS (SNS sends)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

SENDER = "fdq-alerts@localhost"
EMAIL_PROTOCOLS = ("email", "email-json")


def email_endpoints(sns: Any, topic_arn: str) -> list[str]:
    """The topic's e-mail subscriptions, as the emulator's SNS API lists them."""
    endpoints: list[str] = []
    for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn):
        for subscription in page.get("Subscriptions", []):
            if subscription.get("Protocol") in EMAIL_PROTOCOLS:
                endpoints.append(str(subscription["Endpoint"]))
    return sorted(set(endpoints))


def send_local_mail(
    address: tuple[str, int], recipients: list[str], subject: str, body: str, topic_arn: str
) -> None:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain="fdq.local")
    message["X-Fdq-Topic"] = topic_arn
    message.set_content(body)
    with smtplib.SMTP(address[0], address[1], timeout=10) as smtp:
        smtp.send_message(message)
