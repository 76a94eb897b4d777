"""What a tier is told: a subject and a plain-text body an on-call engineer can act on."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fintech_dq.alerts.model import ACKNOWLEDGED, OPEN, Alert, format_time
from fintech_dq.masking import mask_card_numbers_in_text

RUNBOOK = "docs/alerting.md#runbook-{anchor}"
RULES_SHOWN = 20  # failing rules named in an e-mail; the report lists them all
SMS_LENGTH = 160
"""One SMS segment of GSM-7 text. The e-mail body (1.5 KB of links) would be 11 or more
segments, and SNS refuses an SMS over 1,600 bytes."""


@dataclass(frozen=True)
class Notification:
    alert: Alert
    tier: int
    kind: str
    """opened (tier 1's first page), escalated (a later tier), repeat, reopened."""

    def as_payload(self) -> dict[str, Any]:
        """The dispatcher's invocation payload: it re-reads the alert and sends what the
        claim named `claim` says, if that claim is still there (tier and kind are for
        people reading logs and the DLQ)."""
        handover = self.alert.handover
        return {
            "alert_id": self.alert.alert_id,
            "claim": handover.token if handover else None,
            "tier": self.tier,
            "kind": self.kind,
        }

    @property
    def subject(self) -> str:
        alert = self.alert
        text = (
            f"[fdq T{self.tier} {alert.severity.upper()}] {alert.dataset} "
            f"{alert.business_date} {alert.issue} ({self.kind})"
        )
        return text[:100]  # SNS e-mail subjects: at most 100 characters

    @property
    def sms(self) -> str:
        """What a phone shows: tier, severity, what happened, and how to acknowledge (the id
        names the dataset, the business date and the issue; of an acknowledged alert, its owner
        and `take` when escalated, else `resolve`). The summary is cut to fit one
        segment, after masking (a cut card number would escape the mask); plain ASCII, so
        the phone network does not fall back to 70-character UCS-2 segments."""
        alert = self.alert
        head = f"fdq T{self.tier} {alert.severity.upper()} {self.kind}: "
        ack = f"\nfdq alerts ack '{alert.alert_id}' --reason ..."
        if alert.state != OPEN:  # only an OPEN alert can be acknowledged
            who = _plain(alert.acknowledged_by or "someone")[:12]
            # An escalation pages the next tier, who takes it over; others resolve it.
            verb = "take" if self.kind == "escalated" else "resolve"
            ack = f"\nacked by {who}; fdq alerts {verb} '{alert.alert_id}' --reason ..."
        summary = _plain(mask_card_numbers_in_text(alert.summary) or alert.issue)
        room = SMS_LENGTH - len(head) - len(ack)
        if len(summary) > room:
            summary = summary[: max(room - 3, 0)].rstrip() + "..." if room > 12 else alert.issue
        return head + summary + ack

    @property
    def body(self) -> str:
        alert = self.alert
        lines = [
            alert.summary,
            "",
            f"alert      {alert.alert_id}",
            f"state      {alert.state} (tier {self.tier} notified: {self.kind})",
            *_acknowledgement(alert),
        ]
        if alert.details.get("blocked_by"):  # what stopped the day comes before the rest
            lines.append(f"blocked by {_listed(alert.details['blocked_by'])}")
        lines += [
            f"severity   {alert.severity}",
            f"opened     {format_time(alert.opened_at)}",
            f"seen       {alert.occurrences} time(s), last {format_time(alert.last_seen_at)}",
            f"runs       {', '.join(_run_names(alert))}",
        ]
        if alert.details.get("airflow_run_id"):
            dag = alert.details.get("dag_id") or "the DAG"
            lines.append(f"airflow    {dag} run {alert.details['airflow_run_id']}")
        failing = alert.details.get("failing_rules") or []
        if failing:
            shown = ", ".join(str(r.get("rule_id")) for r in failing[:RULES_SHOWN])
            more = len(failing) - RULES_SHOWN
            lines.append(
                f"rules      {shown}" + (f" and {more} more (see the report)" if more > 0 else "")
            )
        for change in (alert.details.get("breaking_changes") or [])[:RULES_SHOWN]:
            lines.append(f"breaking   {change.get('message')} (vs {change.get('against')})")
        for name, uri in sorted(alert.links.items()):
            lines += _link_lines(name, uri, alert)
        anchor = alert.issue.replace(".", "-")
        lines += ["", f"runbook    {RUNBOOK.format(anchor=anchor)}", *_commands(alert)]
        return mask_card_numbers_in_text("\n".join(lines)) or ""


def _commands(alert: Alert) -> list[str]:
    """The commands that work in the alert's state: `ack` only from OPEN; an acknowledged
    alert names its owner, whom the next tier asks, takes it over (`take`) or resolves it."""
    resolve = f"resolve    fdq alerts resolve '{alert.alert_id}' --by <you> --reason <why>"
    if alert.state == OPEN:
        return [f"ack        fdq alerts ack '{alert.alert_id}' --by <you> --reason <why>", resolve]
    if alert.state == ACKNOWLEDGED:
        who = alert.acknowledged_by or "someone"
        take = f"take over  fdq alerts take '{alert.alert_id}' --by <you> --reason <why>"
        return [f"owner      {who} acknowledged it: ask them, or take it over:", take, resolve]
    return []


def _run_names(alert: Alert) -> list[str]:
    """The last runs, the latest as the Airflow UI names it when the event said so (the
    stored run ids are made safe for S3 keys: ':' and '+' become '-')."""
    names = list(alert.run_ids[-5:])
    airflow_id = alert.details.get("airflow_run_id")
    last = alert.details.get("last_run_id")
    if airflow_id and names and last == names[-1]:
        names[-1] = str(airflow_id)
    return names


def _link_lines(name: str, uri: str, alert: Alert) -> list[str]:
    """A link a mail reader can open: no mail client or browser opens s3://. On AWS the S3
    console's page of the object (or folder); locally the URI and how to get the report."""
    if not uri.startswith("s3://"):
        return [f"{name:<10} {uri}"]
    from fintech_dq.infra import aws

    settings = aws.settings()
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not settings.is_local:
        region = settings.region
        console = "https://s3.console.aws.amazon.com/s3"
        if key and not key.endswith("/") and "." in key.rsplit("/", 1)[-1]:  # an object
            url = f"{console}/object/{bucket}?region={region}&prefix={quote(key, safe='/=')}"
        else:  # a folder (the held rows' partitions)
            folder = quote(key.rstrip("/") + "/", safe="/=") if key else ""
            url = f"{console}/buckets/{bucket}?region={region}&prefix={folder}"
        return [f"{name:<10} {url}"]
    lines = [f"{name:<10} {uri}"]
    run = re.search(r"/run_id=([^/]+)/", uri)
    if name == "report" and run:
        lines.append(
            f"{'':<10} locally: fdq report --date {alert.business_date} --run-id "
            f"{run.group(1)} --out var/reports (writes the HTML there)"
        )
    return lines


def _plain(text: str) -> str:
    """ASCII on one line: accents dropped (NFKD), anything else left out."""
    flat = unicodedata.normalize("NFKD", " ".join(text.split()))
    return flat.encode("ascii", "ignore").decode("ascii")


def _listed(value: Any) -> str:
    """A list as on-call reads it (not Python's repr)."""
    return ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


def _acknowledgement(alert: Alert) -> list[str]:
    """Who acknowledged the alert and why: the next tier should ask them, not start over."""
    if not alert.acknowledged_by:
        return []
    when = format_time(alert.acknowledged_at) if alert.acknowledged_at else "?"
    reason = alert.acknowledge_reason or ""
    return [f"acked      by {alert.acknowledged_by} at {when}: {reason}"]
