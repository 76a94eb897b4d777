"""What a tier is told: a subject and a plain-text body an on-call engineer can act on."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from fintech_dq.alerts.model import Alert, format_time
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
        names the dataset, the business date and the issue). The summary is cut to fit one
        segment, after masking (a cut card number would escape the mask); plain ASCII, so
        the phone network does not fall back to 70-character UCS-2 segments."""
        alert = self.alert
        head = f"fdq T{self.tier} {alert.severity.upper()} {self.kind}: "
        ack = f"\nfdq alerts ack '{alert.alert_id}' --reason ..."
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
            f"severity   {alert.severity}",
            f"opened     {format_time(alert.opened_at)}",
            f"seen       {alert.occurrences} time(s), last {format_time(alert.last_seen_at)}",
            f"runs       {', '.join(alert.run_ids[-5:])}",
        ]
        if alert.details.get("airflow_run_id"):  # the run ids above are made safe for S3 keys
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
        if alert.details.get("blocked_by"):
            lines.append(f"blocked by {_listed(alert.details['blocked_by'])}")
        for name, uri in sorted(alert.links.items()):
            lines.append(f"{name:<10} {uri}")
        anchor = alert.issue.replace(".", "-")
        lines += [
            "",
            f"runbook    {RUNBOOK.format(anchor=anchor)}",
            f"ack        fdq alerts ack '{alert.alert_id}' --by <you> --reason <why>",
            f"resolve    fdq alerts resolve '{alert.alert_id}' --by <you> --reason <why>",
        ]
        return mask_card_numbers_in_text("\n".join(lines)) or ""


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
