"""One business date through the local runtime's steps, in the daily DAG's order.

The daily DAG runs these steps as separate Airflow tasks (with retries, deadlines, the
UI); this function runs them in one process for `fdq pipeline run` and the demo's
history days. Each step is the same function the DAG's task calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fintech_dq.infra import aws
from fintech_dq.pipeline.locations import PipelineLocations


@dataclass
class DayOutcome:
    business_date: date
    run_id: str
    results: dict[str, Any]
    event_ids: list[str] = field(default_factory=list)
    report_key: str | None = None
    drift: Any = None
    alerts_delivered: int = 0
    locations: PipelineLocations | None = None

    def where_to_look(self) -> dict[str, str]:
        loc = self.locations
        if loc is None:
            return {}
        found = {
            "results": loc.s3_uri(
                loc.audit_bucket, loc.results_key(self.business_date, self.run_id)
            )
        }
        if self.report_key:
            found["report"] = loc.s3_uri(loc.audit_bucket, self.report_key)
        if self.drift is not None and getattr(self.drift, "key", None):
            found["schema diff"] = loc.s3_uri(loc.audit_bucket, self.drift.key)
        return found


class BreakingSchemaChange(RuntimeError):
    """The landed batch's schema breaks the contract: validation did not run."""

    def __init__(self, drift: Any) -> None:
        super().__init__(f"breaking schema change; diff at {getattr(drift, 'key', '?')}")
        self.drift = drift


def run_business_date(
    locations: PipelineLocations,
    business_date: date,
    run_id: str,
    settings: aws.AwsSettings | None = None,
    *,
    in_process: bool = False,
) -> DayOutcome:
    """Crawl, schema drift, validation job, publish, report, and the local alert path.

    `in_process` runs the validation job in this process's Spark session (see
    `run_validation_job_locally`)."""
    from fintech_dq.events.local_delivery import deliver_pending_events
    from fintech_dq.orchestration.batch_state import partition_state, record_checked
    from fintech_dq.pipeline.publish import publish_run
    from fintech_dq.pipeline.validation_job import run_validation_job_locally
    from fintech_dq.report import publish_run_report
    from fintech_dq.schema import check_drift, crawl_locally

    settings = settings or aws.settings()
    if not settings.is_local:
        raise RuntimeError("on AWS the daily DAG (MWAA) runs the crawler and the Glue job")
    s3 = aws.client("s3", settings)
    checked = partition_state(s3, locations, business_date)  # before anything reads it
    crawl_locally(locations, business_date, settings)
    drift = check_drift(locations, business_date, run_id, settings)
    if drift.breaking:
        deliver_pending_events(locations, settings)
        raise BreakingSchemaChange(drift)
    results = run_validation_job_locally(
        locations, business_date, run_id, settings, in_process=in_process
    )
    event_ids = publish_run(locations, results, settings)
    # as the daily DAG's publish does: a routine run of this day then skips these files
    record_checked(s3, locations, business_date, checked, run_id, results["rules"]["sha256"])
    report_key = publish_run_report(locations, business_date, run_id, settings)
    delivered = deliver_pending_events(locations, settings)
    return DayOutcome(
        business_date, run_id, results, event_ids, report_key, drift, delivered, locations
    )
