"""Alert records in DynamoDB: every state change is a conditional write.

Two deliveries of one event, two checkers at once, an operator acknowledging while the
checker escalates: each write states what it expects to find (no record yet, this state,
this version, this event not yet seen) and DynamoDB refuses the loser
(ConditionalCheckFailedException). No read-modify-write without a condition.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from fintech_dq.alerts.model import (
    ACKNOWLEDGED,
    OPEN,
    RESOLVED,
    STATES,
    Alert,
    AlertError,
    Handover,
    alert_id_for,
    format_time,
    issue_of,
    parse_time,
)
from fintech_dq.events.model import PipelineEvent
from fintech_dq.infra import aws
from fintech_dq.masking import mask_card_numbers_in_text

BY_STATE_INDEX = "by-state"
_serializer, _deserializer = TypeSerializer(), TypeDeserializer()
_TIMES = (
    "opened_at",
    "updated_at",
    "last_seen_at",
    "next_escalation_at",
    "last_notified_at",
    "acknowledged_at",
    "resolved_at",
)


@dataclass(frozen=True)
class Recorded:
    """What recording an event did: `opened`, `reopened`, `recurred` or `duplicate`."""

    alert: Alert
    outcome: str

    @property
    def needs_first_page(self) -> bool:
        return self.outcome in ("opened", "reopened")


def _is_conditional_failure(error: Exception) -> bool:
    response = getattr(error, "response", None) or {}
    return response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


def _from_item(item: dict[str, Any]) -> Alert:
    raw = {k: _deserializer.deserialize(v) for k, v in item.items()}
    known = Alert.__dataclass_fields__
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in known:
            continue
        if name in _TIMES:
            value = parse_time(value)
        elif name == "handover":
            value = Handover.from_item(value)
        elif isinstance(value, Decimal):
            value = int(value)
        elif isinstance(value, set):
            value = tuple(sorted(value))
        elif name == "run_ids":
            value = tuple(value)
        values[name] = value
    return Alert(**values)


class AlertStore:
    def __init__(self, table_name: str, settings: aws.AwsSettings | None = None) -> None:
        self.table_name = table_name
        self._dynamodb = aws.client("dynamodb", settings)

    # Reading ----------------------------------------------------------------------------
    def get(self, alert_id: str) -> Alert | None:
        answer = self._dynamodb.get_item(
            TableName=self.table_name, Key={"alert_id": {"S": alert_id}}, ConsistentRead=True
        )
        return _from_item(answer["Item"]) if "Item" in answer else None

    def require(self, alert_id: str) -> Alert:
        alert = self.get(alert_id)
        if alert is None:
            raise AlertError(f"no alert {alert_id!r}")
        return alert

    def list(self, state: str | None = None) -> list[Alert]:
        """Alerts in `state` (any when None), newest first."""
        if state is not None and state not in STATES:
            raise AlertError(f"unknown state {state!r}; expected one of {', '.join(STATES)}")
        pages = self._dynamodb.get_paginator("scan").paginate(TableName=self.table_name)
        alerts = [
            _from_item(item)
            for page in pages
            for item in page.get("Items", [])
            if "issue" in item and (state is None or item["state"]["S"] == state)
        ]
        return sorted(alerts, key=lambda a: a.opened_at, reverse=True)

    def scheduled(self) -> Iterator[Alert]:
        """Unresolved alerts with a next escalation time (the by-state index), whatever that
        time: it was computed under the policy of its day, and the checker decides by the
        policy of now (a policy changed since may make an alert due earlier)."""
        paginator = self._dynamodb.get_paginator("query")
        for state in (OPEN, ACKNOWLEDGED):
            for page in paginator.paginate(
                TableName=self.table_name,
                IndexName=BY_STATE_INDEX,
                KeyConditionExpression="#s = :s",
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues={":s": {"S": state}},
            ):
                for item in page.get("Items", []):
                    yield _from_item(item)

    # Recording events -------------------------------------------------------------------
    def record_event(
        self, event: PipelineEvent, first_page_at: datetime, now: datetime
    ) -> Recorded:
        """Open the incident's alert, or count a recurrence on it; a second delivery of the
        same event changes nothing (its id is kept in the record's `event_ids` set)."""
        alert_id = alert_id_for(event.dataset, event.business_date_text, issue_of(event))
        stamp = format_time(now)
        item = {
            "alert_id": alert_id,
            "dataset": event.dataset,
            "business_date": event.business_date_text,
            "issue": issue_of(event),
            "severity": event.severity,
            "state": OPEN,
            "summary": event.summary,
            "opened_at": stamp,
            "updated_at": stamp,
            "last_seen_at": stamp,
            "notified_tier": 0,
            "next_escalation_at": format_time(first_page_at),
            "occurrences": 1,
            "notifications": 0,
            "version": 1,
            "links": dict(event.links),
            "run_ids": [event.run_id],
            "event_ids": {event.event_id},
            "details": _details_of(event),
        }
        for _ in range(3):
            try:
                self._dynamodb.put_item(
                    TableName=self.table_name,
                    Item=_to_item(item),
                    ConditionExpression="attribute_not_exists(alert_id)",
                )
                return Recorded(self.require(alert_id), "opened")
            except Exception as error:
                if not _is_conditional_failure(error):
                    raise
            existing = self.require(alert_id)
            if event.event_id in existing.event_ids:
                return Recorded(existing, "duplicate")
            updated = self._recur(existing, event, first_page_at, now)
            if updated is not None:
                return updated
        raise AlertError(f"{alert_id}: changed under us three times while recording an event")

    def _recur(
        self, existing: Alert, event: PipelineEvent, first_page_at: datetime, now: datetime
    ) -> Recorded | None:
        stamp = format_time(now)
        values: dict[str, Any] = {
            ":v": existing.version,
            ":v1": existing.version + 1,
            ":now": stamp,
            ":eid": {event.event_id},
            ":one": 1,
            ":run": [event.run_id],
            ":summary": event.summary,
            ":links": dict(event.links),
            ":details": _details_of(event),
            ":eid_s": event.event_id,
        }
        sets = [
            "version = :v1",
            "updated_at = :now",
            "last_seen_at = :now",
            "summary = :summary",
            "links = :links",
            "details = :details",
            "run_ids = list_append(run_ids, :run)",
        ]
        outcome = "recurred"
        if existing.state == RESOLVED:
            outcome = "reopened"
            sets += [
                "#s = :open",
                "opened_at = :now",
                "notified_tier = :zero",
                "next_escalation_at = :first",
                "severity = :severity",
            ]
            values.update(
                {
                    ":open": OPEN,
                    ":zero": 0,
                    ":first": format_time(first_page_at),
                    ":severity": event.severity,
                }
            )
        expression = "SET " + ", ".join(sets) + " ADD occurrences :one, event_ids :eid"
        if existing.state == RESOLVED:
            expression += " REMOVE resolved_by, resolved_at, resolve_reason"
            expression += ", acknowledged_by, acknowledged_at, acknowledge_reason"
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": {"alert_id": {"S": existing.alert_id}},
            "UpdateExpression": expression,
            "ConditionExpression": "version = :v AND NOT contains(event_ids, :eid_s)",
            "ExpressionAttributeValues": _values(values),
            "ReturnValues": "ALL_NEW",
        }
        if outcome == "reopened":
            request["ExpressionAttributeNames"] = {"#s": "state"}
        try:
            answer = self._dynamodb.update_item(**request)
        except Exception as error:
            if _is_conditional_failure(error):
                return None
            raise
        return Recorded(_from_item(answer["Attributes"]), outcome)

    # Operators --------------------------------------------------------------------------
    def acknowledge(self, alert_id: str, actor: str, reason: str, now: datetime) -> Alert:
        """OPEN -> ACKNOWLEDGED: repeats stop; escalation goes on while it stays unresolved."""
        return self._transition(
            alert_id,
            allowed=(OPEN,),
            target=ACKNOWLEDGED,
            sets={"acknowledged_by": actor, "acknowledged_at": now, "acknowledge_reason": reason},
            now=now,
        )

    def take_over(self, current: Alert, actor: str, reason: str, now: datetime) -> Alert:
        """ACKNOWLEDGED -> ACKNOWLEDGED with another owner (a senior paged by an escalation
        takes the alert from whoever acknowledged it); escalation goes on as before. Only
        from the owner in `current` (as the caller read it): one who took it meanwhile is
        not overwritten."""
        alert_id = current.alert_id
        if current.state != ACKNOWLEDGED:
            raise AlertError(
                f"{alert_id} is {current.state}; only an ACKNOWLEDGED alert is taken over "
                "(an OPEN one is acknowledged: fdq alerts ack)"
            )
        if current.acknowledged_by == actor:
            raise AlertError(f"{alert_id} is already acknowledged by {actor}")
        return self._transition(
            alert_id,
            allowed=(ACKNOWLEDGED,),
            target=ACKNOWLEDGED,
            sets={"acknowledged_by": actor, "acknowledged_at": now, "acknowledge_reason": reason},
            now=now,
            expected={"acknowledged_by": current.acknowledged_by or ""},
        )

    def resolve(self, alert_id: str, actor: str, reason: str, now: datetime) -> Alert:
        """OPEN/ACKNOWLEDGED -> RESOLVED: leaves the by-state schedule, nobody is paged again."""
        return self._transition(
            alert_id,
            allowed=(OPEN, ACKNOWLEDGED),
            target=RESOLVED,
            sets={"resolved_by": actor, "resolved_at": now, "resolve_reason": reason},
            now=now,
            # a claim not yet sent goes too: its sender finds it gone and tells nobody
            remove=("next_escalation_at", "handover"),
        )

    def _transition(
        self,
        alert_id: str,
        allowed: tuple[str, ...],
        target: str,
        sets: dict[str, Any],
        now: datetime,
        remove: tuple[str, ...] = (),
        expected: dict[str, str] | None = None,
    ) -> Alert:
        """`expected`: attributes that must still hold these values (else AlertError)."""
        if not actor_and_reason_given(sets):
            raise AlertError("who and why are required")
        values: dict[str, Any] = {":target": target, ":now": format_time(now), ":one": 1}
        values.update({f":a{i}": s for i, s in enumerate(allowed)})
        assignments = ["#s = :target", "updated_at = :now"]
        for name, value in sets.items():
            values[f":{name}"] = format_time(value) if isinstance(value, datetime) else value
            assignments.append(f"{name} = :{name}")
        expression = "SET " + ", ".join(assignments) + " ADD version :one"
        if remove:
            expression += " REMOVE " + ", ".join(remove)
        condition = (
            "attribute_exists(alert_id) AND #s IN ("
            + ", ".join(f":a{i}" for i in range(len(allowed)))
            + ")"
        )
        for index, (name, value) in enumerate((expected or {}).items()):
            values[f":e{index}"] = value
            condition += f" AND {name} = :e{index}"
        try:
            answer = self._dynamodb.update_item(
                TableName=self.table_name,
                Key={"alert_id": {"S": alert_id}},
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues=_values(values),
                ReturnValues="ALL_NEW",
            )
        except Exception as error:
            if not _is_conditional_failure(error):
                raise
            current = self.get(alert_id)
            if current is None:
                raise AlertError(f"no alert {alert_id!r}") from None
            if current.state in allowed and expected:
                now_is = {name: getattr(current, name) for name in expected}
                raise AlertError(f"{alert_id} changed meanwhile: {now_is}; look again") from None
            raise AlertError(
                f"{alert_id} is {current.state}; it can become {target} only from "
                f"{' or '.join(allowed)}"
            ) from None
        return _from_item(answer["Attributes"])

    # Escalation -------------------------------------------------------------------------
    # A notification is claimed (handover set), sent, then confirmed (notified_tier and the
    # rest applied, handover removed) or released (handover removed): `notified_tier` only
    # ever says what SNS accepted. A claim whose sender never reports back expires.
    _UNCLAIMED = "(attribute_not_exists(handover) OR handover.expires_at <= :now)"
    _AS_SEEN = "version = :v AND notified_tier = :tier AND #s IN (:open, :ack)"

    def claim(
        self,
        seen: Alert,
        tier: int,
        kind: str,
        next_at: datetime | None,
        now: datetime,
        lease: timedelta,
    ) -> Alert | None:
        """Claim telling `tier`, only if nobody changed the alert since `seen` and no live
        claim is on it: of two checkers, the winner gets the claimed alert (its `handover`
        says what to send), the other None. Nothing counts as told until `confirm`."""
        handover = Handover(uuid.uuid4().hex, tier, kind, now, now + lease, next_at)
        return self._update_as_seen(
            seen, now, ["handover = :handover"], {":handover": handover.as_item()}
        )

    def reschedule(self, seen: Alert, next_at: datetime | None, now: datetime) -> Alert | None:
        """Only move the next escalation time (quiet hours, a policy changed since, an
        acknowledged alert that no longer repeats); None if someone changed the alert."""
        if next_at is None:
            return self._update_as_seen(seen, now, [], {}, remove="next_escalation_at")
        return self._update_as_seen(
            seen, now, ["next_escalation_at = :next"], {":next": format_time(next_at)}
        )

    def _update_as_seen(
        self,
        seen: Alert,
        now: datetime,
        sets: Sequence[str],
        values: dict[str, Any],
        remove: str | None = None,
    ) -> Alert | None:
        values = {
            **values,
            ":v": seen.version,
            ":v1": seen.version + 1,
            ":tier": seen.notified_tier,
            ":now": format_time(now),
            ":open": OPEN,
            ":ack": ACKNOWLEDGED,
        }
        expression = "SET " + ", ".join(["version = :v1", "updated_at = :now", *sets])
        if remove:
            expression += f" REMOVE {remove}"
        return self._conditional_update(
            seen.alert_id,
            expression,
            f"{self._AS_SEEN} AND {self._UNCLAIMED}",
            values,
            names={"#s": "state"},
        )

    def confirm(self, claimed: Alert, now: datetime) -> Alert | None:
        """SNS accepted the claimed notification: the tier is told. Conditional on the
        claim's token, so it applies once, and not after the claim was released, expired
        and taken over, or removed by a resolve (None then)."""
        handover = _handover_of(claimed)
        values: dict[str, Any] = {
            ":token": handover.token,
            ":tier": handover.tier,
            ":now": format_time(now),
            ":one": 1,
        }
        sets = [
            "notified_tier = :tier",
            "last_notified_at = :now",
            "updated_at = :now",
            "notifications = notifications + :one",
            "version = version + :one",
        ]
        removes = ["handover"]
        if handover.next_at is None:
            removes.append("next_escalation_at")
        else:
            values[":next"] = format_time(handover.next_at)
            sets.append("next_escalation_at = :next")
        expression = "SET " + ", ".join(sets) + " REMOVE " + ", ".join(removes)
        return self._conditional_update(
            claimed.alert_id, expression, "handover.#token = :token", values, {"#token": "token"}
        )

    def release(self, claimed: Alert) -> bool:
        """Give up a claim whose notification could not be sent, so that the next check
        claims it again; False if the claim was no longer there (confirmed, expired and
        taken over, removed by a resolve)."""
        handover = _handover_of(claimed)
        released = self._conditional_update(
            claimed.alert_id,
            "SET version = version + :one REMOVE handover",
            "handover.#token = :token",
            {":token": handover.token, ":one": 1},
            {"#token": "token"},
        )
        return released is not None

    def _conditional_update(
        self,
        alert_id: str,
        expression: str,
        condition: str,
        values: dict[str, Any],
        names: dict[str, str],
    ) -> Alert | None:
        try:
            answer = self._dynamodb.update_item(
                TableName=self.table_name,
                Key={"alert_id": {"S": alert_id}},
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=_values(values),
                ReturnValues="ALL_NEW",
            )
        except Exception as error:
            if _is_conditional_failure(error):
                return None
            raise
        return _from_item(answer["Attributes"])


def _handover_of(claimed: Alert) -> Handover:
    if claimed.handover is None:
        raise AlertError(f"{claimed.alert_id}: no claimed notification to confirm or release")
    return claimed.handover


def actor_and_reason_given(sets: dict[str, Any]) -> bool:
    texts = [v for k, v in sets.items() if k.endswith("_by") or k.endswith("_reason")]
    return all(isinstance(t, str) and t.strip() for t in texts)


def _values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in values.items()}


def _details_of(event: PipelineEvent) -> dict[str, Any]:
    """What an operator needs from the event, kept small (DynamoDB items <= 400 KB)."""
    payload = event.payload
    # dag_id, airflow_run_id: sla.missed's and run.failed's run as the Airflow UI names it
    keep = ("status", "counts", "failing_rules", "blocked_by", "decision", "breaking_changes",
            "dag_id", "airflow_run_id", "failed_tasks")  # fmt: skip
    details = {k: payload[k] for k in keep if k in payload}
    details["last_event_type"] = event.event_type
    details["last_run_id"] = event.run_id
    text = mask_card_numbers_in_text(json.dumps(details, default=str)) or "{}"
    trimmed = json.loads(text, parse_float=Decimal)
    if len(text) > 100_000:
        trimmed = {"last_event_type": event.event_type, "truncated": True}
    return dict(trimmed)
