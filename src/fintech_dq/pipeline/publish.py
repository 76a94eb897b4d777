"""After a validation run: tell the world. One function, the same in both runtimes.

From the results document (already in bucket C) it publishes the run's CloudWatch metrics,
emits the run's events on the bus (`validation.completed` always; `validation.failed` when
rows were quarantined past the threshold or a rule failed at error level;
`batch.blocked` when a critical rule blocked the batch) and appends the run to the audit
trail. Event ids are deterministic per run, so publishing a run twice pages nobody twice;
metrics and the audit record are kept once per distinct results of a run (a retry adds
nothing; a rerun of the run's validation is published and recorded as `validation.rerun`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from fintech_dq.infra import aws
from fintech_dq.pipeline.locations import PipelineLocations

SEVERITY_OF_STATUS = {
    "passed": "info",
    "passed_with_warnings": "warn",
    "failed": "error",
    "blocked": "critical",
}


def run_events(
    locations: PipelineLocations,
    results: dict[str, Any],
    *,
    airflow_run_id: str | None = None,
    dag_id: str | None = None,
) -> list[Any]:
    """The events one run's results call for (not yet published). `airflow_run_id`: the run
    as the Airflow UI names it (results carry the id made safe for S3 keys), for the mail."""
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
        **({"airflow_run_id": airflow_run_id, "dag_id": dag_id} if airflow_run_id else {}),
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
    airflow_run_id: str | None = None,
    dag_id: str | None = None,
) -> list[str]:
    """Metrics, events and the audit record of one run; returns the published event ids."""
    from fintech_dq.audit import AuditTrail
    from fintech_dq.events import publish_event
    from fintech_dq.monitoring.publisher import publish_metrics_of_results

    metrics = publish_metrics_of_results(locations, results, settings)
    events = run_events(locations, results, airflow_run_id=airflow_run_id, dag_id=dag_id)
    event_ids = [publish_event(e, locations, settings) for e in events]
    business_date = date.fromisoformat(results["business_date"])
    run_id = str(results["run_id"])
    details = {
        "status": results["status"],
        "counts": results["counts"],
        "rules": results["rules"],
        "engine": results["engine"],
        "results_key": locations.results_key(business_date, run_id),
        "event_ids": event_ids,
    }
    trail = AuditTrail(locations, settings)
    if _already_recorded(trail, run_id, metrics.results_sha256, details, results):
        return event_ids  # a retry of publish: the run's record is there
    rerun = metrics.supersedes is not None
    trail.append(
        "runs",
        # a rerun under the same run id (a cleared validate) replaced the results: a new fact
        action="validation.rerun" if rerun else "validation.run",
        actor=actor,
        run_id=run_id,
        subject={"dataset": results["dataset"], "business_date": results["business_date"]},
        details={
            **details,
            "results_sha256": metrics.results_sha256,
            **({"supersedes_results_sha256": metrics.supersedes} if rerun else {}),
        },
    )
    return event_ids


def _already_recorded(
    trail: Any,
    run_id: str,
    identity: str,
    details: dict[str, Any],
    results: dict[str, Any],
) -> bool:
    """Whether the runs stream holds these results of the run. A record of them can only
    have been written after they finished, so only the days since are read (a day early,
    for clocks that disagree), not the whole stream."""
    since = _finished_day(results)
    days = [d for d in trail.days("runs") if since is None or d >= since]
    for day in days:
        for record in trail.records("runs", day):
            if record.run_id != run_id or not isinstance(record.details, dict):
                continue
            recorded = record.details.get("results_sha256")
            if recorded == identity:
                return True
            # a record from before results were identified: the same figures, the same run
            if recorded is None and all(record.details.get(k) == v for k, v in details.items()):
                return True
    return False


def _finished_day(results: dict[str, Any]) -> str | None:
    finished = results.get("finished_at") or results.get("started_at")
    if not finished:
        return None
    try:
        moment = datetime.fromisoformat(str(finished).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment.date() - timedelta(days=1)).isoformat()
