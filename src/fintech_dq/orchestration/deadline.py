"""The daily DAG's deadline (Airflow 3.3 deadline alerts) and what a missed one does.

The deadline is measured from when a run is queued (DAGRUN_QUEUED_AT + FDQ_DAILY_DEADLINE_
SECONDS, default 6 h): it applies the same way to scheduled runs, event-driven runs,
reruns and backfills of old days (a deadline on the logical date would be missed at once
by every backfill). When the scheduler finds it missed, it hands the callback to the
triggerer, which calls `open_sla_missed_alert` with a small context (the run as the REST
API shows it, and the deadline). The callback emits `sla.missed` on the pipeline's bus;
from there the events path opens the alert and the escalation policy takes over.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

from fintech_dq.orchestration.run_plan import RunPlanError, business_date_for, storage_run_id

EVENT_TYPE = "sla.missed"
CALLBACK_PATH = "fintech_dq.orchestration.deadline.open_sla_missed_alert"


def sla_missed_fields(context: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The `sla.missed` event's fields from the callback context (pure; testable)."""
    run = context.get("dag_run") or {}
    deadline = context.get("deadline") or {}
    airflow_run_id = str(run.get("dag_run_id") or run.get("run_id") or "unknown-run")
    try:
        day: date | None = business_date_for(run.get("conf"), run.get("data_interval_start"))
    except RunPlanError:
        day = None
    deadline_time = deadline.get("deadline_time")
    dag_id = run.get("dag_id", "transactions_dq_daily")
    day_text = day.isoformat() if day else "unknown day"
    return {
        "event_type": EVENT_TYPE,
        "business_date": day,
        "run_id": storage_run_id(airflow_run_id),
        "severity": "error",
        "summary": (
            f"{dag_id}: the run for {day_text} ({airflow_run_id}) was not finished by its "
            f"deadline {deadline_time}"
        ),
        "payload": {
            "dag_id": dag_id,
            "airflow_run_id": airflow_run_id,
            "run_state": run.get("state"),
            "queued_at": run.get("queued_at"),
            "deadline_id": deadline.get("id"),
            "deadline_time": str(deadline_time) if deadline_time is not None else None,
        },
        "occurred_at": now or datetime.now(UTC),
    }


def emit_sla_missed(context: dict[str, Any]) -> str:
    """Publish `sla.missed` for the late run (and, locally, deliver it so the alert opens
    and the tier-1 e-mail goes out at once); returns the event id."""
    from fintech_dq.events import PipelineEvent, publish_event
    from fintech_dq.pipeline.locations import PipelineLocations

    where = PipelineLocations.resolve()
    fields = sla_missed_fields(context)
    event = PipelineEvent(dataset=where.dataset, links={}, **fields)
    event_id = str(publish_event(event, where))
    from fintech_dq.orchestration.runtime import is_aws

    if not is_aws():
        from fintech_dq.events.local_delivery import deliver_pending_events

        deliver_pending_events(where)
    return event_id


async def open_sla_missed_alert(context: dict[str, Any], **_: Any) -> str:
    """The deadline alert's callback (runs in the triggerer: blocking calls in a thread)."""
    return await asyncio.to_thread(emit_sla_missed, context)


def daily_deadline_alert() -> Any:
    """The DeadlineAlert the daily DAG carries (built at parse time, no AWS call)."""
    from airflow.sdk.definitions.callback import AsyncCallback
    from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference

    from fintech_dq.orchestration.runtime import daily_deadline

    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=daily_deadline(),
        callback=AsyncCallback(CALLBACK_PATH),
        name="daily-results-deadline",
    )
