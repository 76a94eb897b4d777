"""Who did what to an alert, in the audit trail's `alerts` stream (bucket C, Object Lock)."""

from __future__ import annotations

from typing import Any

from fintech_dq.alerts.model import Alert


def record_alert_action(
    locations: Any,
    settings: Any,
    action: str,
    actor: str,
    alert: Alert,
    details: dict[str, Any] | None = None,
) -> Any:
    import importlib

    audit_trail = importlib.import_module("fintech_dq.audit").AuditTrail
    return audit_trail(locations, settings).append(
        "alerts",
        action=action,
        actor=actor,
        run_id=alert.run_ids[-1] if alert.run_ids else None,
        subject={
            "alert_id": alert.alert_id,
            "dataset": alert.dataset,
            "business_date": alert.business_date,
            "issue": alert.issue,
        },
        details={"state": alert.state, "tier": alert.notified_tier, **(details or {})},
    )
