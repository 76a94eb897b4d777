"""Alerting fixtures: the deployed local stack's locations, a short escalation policy, a
clock the test moves, and services built on real HTTP to the emulator."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from fintech_dq.alerts.dispatch import SnsNotifier
from fintech_dq.alerts.policy import EscalationPolicy, parse_policy
from fintech_dq.alerts.service import AlertService
from fintech_dq.events import PipelineEvent
from fintech_dq.pipeline.locations import PipelineLocations

SHORT_POLICY = {
    "version": 1,
    "severities": {
        "critical": {
            "tiers": [
                {"tier": 1, "after": "0s"},
                {"tier": 2, "after": "30s"},
                {"tier": 3, "after": "2m"},
            ],
            "repeat_every": None,
        },
        "error": {
            "tiers": [
                {"tier": 1, "after": "0s"},
                {"tier": 2, "after": "60s"},
                {"tier": 3, "after": "1h"},
            ],
            "repeat_every": None,
        },
        "warn": {
            "tiers": [{"tier": 1, "after": "0s"}],
            "repeat_every": None,
            "quiet_hours": {"start": "20:00", "end": "07:00"},
        },
    },
}
DAY = date(2026, 11, 27)


@dataclass
class MovableClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def short_policy() -> EscalationPolicy:
    return parse_policy(SHORT_POLICY, "tests/alerts/conftest.py")


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def locations(local_stack: Any) -> PipelineLocations:
    return PipelineLocations(env_name="local", account=local_stack.account)


@pytest.fixture
def dataset() -> str:
    """A dataset name of this test alone: its alerts are its own."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def make_service(
    local_stack: Any, locations: PipelineLocations, short_policy: EscalationPolicy
) -> Callable[..., AlertService]:
    def build(clock: Callable[[], datetime], *, relay_mail: bool = False) -> AlertService:
        notifier = SnsNotifier(
            locations,
            local_stack.settings,
            relay_mail=relay_mail,
            state_dir=local_stack.emulator.state_dir,
        )
        return AlertService.build(
            locations, local_stack.settings, notifier=notifier, policy=short_policy, clock=clock
        )

    return build


def failed_event(dataset: str, run_id: str = "run-1", **changes: Any) -> PipelineEvent:
    fields: dict[str, Any] = {
        "event_type": "validation.failed",
        "dataset": dataset,
        "business_date": DAY,
        "run_id": run_id,
        "severity": "error",
        "summary": f"{dataset} {DAY}: failed; 100 rows in, 7 quarantined",
        "payload": {
            "status": "failed",
            "failing_rules": [{"rule_id": "amount_positive", "severity": "error", "failures": 7}],
        },
        "links": {"results": f"s3://audit/results/{dataset}/results.json"},
        "occurred_at": datetime(2026, 11, 28, 8, 0, tzinfo=UTC),
    }
    fields.update(changes)
    return PipelineEvent(**fields)


def eventbridge_envelope(event: PipelineEvent) -> dict[str, Any]:
    """The event as EventBridge hands it to a target."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": event.event_type,
        "source": "fintech-dq",
        "account": "123456789012",
        "time": event.occurred_at.isoformat(),
        "region": "us-east-1",
        "resources": [],
        "detail": json.loads(event.detail_json()),
    }


@dataclass
class TierQueue:
    """An SQS queue subscribed to a tier topic: what SNS really delivered."""

    sqs: Any
    url: str

    def alert_ids(self) -> list[str]:
        found = []
        while True:
            answer = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10)
            batch = answer.get("Messages", [])
            if not batch:
                return found
            for message in batch:
                body = json.loads(message["Body"])
                found.append(body["MessageAttributes"]["alert_id"]["Value"])
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture(scope="session")
def tier_queues(local_stack: Any, locations: PipelineLocations) -> dict[int, TierQueue]:
    sqs, sns = local_stack.client("sqs"), local_stack.client("sns")
    queues = {}
    for tier in (1, 2, 3):
        url = sqs.create_queue(QueueName=f"test-alerts-tier{tier}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        topic = SnsNotifier(locations, local_stack.settings).topic_arn(tier)
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        queues[tier] = TierQueue(sqs, url)
    return queues
