"""After a validation run: tell the world. One function, the same in both runtimes.

From the results document (already in bucket C) it publishes the run's CloudWatch metrics,
emits the run's events on the bus (`validation.completed` always; `validation.failed` when
rows were quarantined past the threshold or a rule failed at error level;
`batch.blocked` when a critical rule blocked the batch) and appends the run to the audit
trail. Event ids are deterministic per run, so publishing a run twice pages nobody twice.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fintech_dq.infra import aws
from fintech_dq.pipeline.locations import PipelineLocations

SEVERITY_OF_STATUS = {
    "passed": "info",
    "passed_with_warnings": "warn",
    "failed": "error",
    "blocked": "critical",
}


def run_events(locations: PipelineLocations, results: dict[str, Any]) -> list[Any]:
    """The events one run's results call for (not yet published)."""
    from fintech_dq.events import PipelineEvent

    status = str(results["status"])
    business_date = date.fromisoformat(results["business_date"])
    failing = [
        {"rule_id": r["rule_id"], "severity": r["severity"], "failures": r["failures"]}
        for r in results["rule_results"]
        if r["status"] == "failed"
    ]
    links = {
        "results": locations.s3_uri(
            locations.audit_bucket, locations.results_key(business_date, results["run_id"])
        ),
        "report": locations.s3_uri(
            locations.audit_bucket, locations.report_key(business_date, results["run_id"])
        ),
        # where on-call reads the held rows: the runbook's first step
        **{k: v for k, v in results.get("outputs", {}).items() if v and k != "processed"},
    }
    payload = {
        "status": status,
        "counts": results["counts"],
        "status_reasons": results["status_reasons"],
        "blocked_by": results["blocked_by"],
        "failing_rules": failing,
        "rules_version": results["rules"]["version"],
    }
    counts = results["counts"]
    summary = (
        f"{results['dataset']} {business_date}: {status}; {counts['rows_in']} rows in, "
        f"{counts['processed']} processed, {counts['quarantined']} quarantined, "
        f"{counts['rejected']} rejected"
    )

    def event(event_type: str) -> Any:
        return PipelineEvent(
            event_type=event_type,
            dataset=str(results["dataset"]),
            business_date=business_date,
            run_id=str(results["run_id"]),
            severity=SEVERITY_OF_STATUS.get(status, "error"),
            summary=summary,
            payload=payload,
            links=links,
        )

    events = [event("validation.completed")]
    if status == "failed":
        events.append(event("validation.failed"))
    elif status == "blocked":
        events.append(event("batch.blocked"))
    return events


def publish_run(
    locations: PipelineLocations,
    results: dict[str, Any],
    settings: aws.AwsSettings | None = None,
    *,
    actor: str = "pipeline",
) -> list[str]:
    """Metrics, events and the audit record of one run; returns the published event ids."""
    from fintech_dq.audit import AuditTrail
    from fintech_dq.events import publish_event
    from fintech_dq.monitoring import publish_run_metrics

    publish_run_metrics(locations, results, settings)
    event_ids = [publish_event(e, locations, settings) for e in run_events(locations, results)]
    business_date = date.fromisoformat(results["business_date"])
    AuditTrail(locations, settings).append(
        "runs",
        action="validation.run",
        actor=actor,
        run_id=str(results["run_id"]),
        subject={"dataset": results["dataset"], "business_date": results["business_date"]},
        details={
            "status": results["status"],
            "counts": results["counts"],
            "rules": results["rules"],
            "engine": results["engine"],
            "results_key": locations.results_key(business_date, str(results["run_id"])),
            "event_ids": event_ids,
        },
    )
    return event_ids
