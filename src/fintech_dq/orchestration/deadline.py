"""The daily DAG's deadline (Airflow 3.3 deadline alerts) and what a missed one does.

The deadline is measured from when a run is queued (DAGRUN_QUEUED_AT + FDQ_DAILY_DEADLINE_
SECONDS, default 6 h): it applies the same way to scheduled runs, event-driven runs,
reruns and backfills of old days (a deadline on the logical date would be missed at once
by every backfill). When the scheduler finds it missed, it hands the callback to the
triggerer, which calls `open_sla_missed_alert` with a small context (the run as the REST
API shows it, and the deadline). The callback emits `sla.missed` on the pipeline's bus;
from there the events path opens the alert and the escalation policy takes over. The
event links the run in the Airflow UI, gives its state and what it still waits for.

Airflow 3.3 removes a run's deadline only when the run succeeds, so the deadline of a run
that failed still fires: the callback sees the run's state in its context and sends
nothing for a finished run (a failed run was alerted when it failed, by its run_outcome
task). Clearing a run recomputes a deadline that has not fired yet from the new queued
time; a run whose deadline was removed (it succeeded) or has already fired gets none
again: Airflow 3.3 creates deadlines only when a run is created.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

from fintech_dq.orchestration.run_plan import storage_run_id

EVENT_TYPE = "sla.missed"
CALLBACK_PATH = "fintech_dq.orchestration.deadline.open_sla_missed_alert"
FINISHED_STATES = ("success", "failed")
"""Airflow 3.3 deletes a run's deadline only when the run succeeds: a failed run's still
fires. Such a run is not "late" (its failure was alerted when it failed: run_outcome)."""


def sla_missed_fields(
    context: dict[str, Any],
    now: datetime | None = None,
    base_url: str | None = None,
    waiting_for: str | None = None,
) -> dict[str, Any] | None:
    """The `sla.missed` event's fields from the callback context (pure; testable), or None
    when the run had already finished when its deadline passed (nothing is late).

    `waiting_for`: what the run is still waiting for, when known (emit_sla_missed looks)."""
    from fintech_dq.orchestration.run_alerts import airflow_run_url, run_day

    run = context.get("dag_run") or {}
    state = str(run.get("state") or "unknown")
    if state in FINISHED_STATES:
        return None
    deadline = context.get("deadline") or {}
    airflow_run_id = str(run.get("dag_run_id") or run.get("run_id") or "unknown-run")
    day, day_note = run_day(run)
    deadline_time = deadline.get("deadline_time")
    dag_id = str(run.get("dag_id") or "transactions_dq_daily")
    day_text = day.isoformat() if day else "unknown day"
    url = airflow_run_url(base_url, dag_id, airflow_run_id)
    doing = waiting_for or "see the run in Airflow for the task it is in"
    return {
        "event_type": EVENT_TYPE,
        "business_date": day,
        "run_id": storage_run_id(airflow_run_id),
        "severity": "error",
        "summary": (
            f"{dag_id}: the run for {day_text} ({airflow_run_id}) was not finished by its "
            f"deadline {deadline_time}; it is still {state}: {doing}"
            + (f" [{day_note}]" if day_note else "")
        ),
        "payload": {
            "dag_id": dag_id,
            "airflow_run_id": airflow_run_id,
            "run_state": state,
            "waiting_for": waiting_for,
            "queued_at": run.get("queued_at"),
            "deadline_id": deadline.get("id"),
            "deadline_time": str(deadline_time) if deadline_time is not None else None,
        },
        "links": {"airflow": url} if url else {},
        "occurred_at": now or datetime.now(UTC),
    }


def waiting_for(day: date | None) -> str | None:
    """What a late run is waiting for, as far as the landing bucket tells: no file of the
    day yet (the run waits in wait_for_batch), or the files are there (the run is working
    on them). None when the day is unknown or the bucket cannot be read."""
    if day is None:
        return None
    try:
        from fintech_dq.infra import aws
        from fintech_dq.orchestration.batch_state import list_landed
        from fintech_dq.pipeline.locations import PipelineLocations

        where = PipelineLocations.resolve()
        prefix = where.landing_prefix(day)
        landed = list_landed(aws.client("s3"), where.raw_bucket, prefix)
    except Exception:  # the page must go out even when S3 cannot say more
        return None
    uri = where.s3_uri(where.raw_bucket, prefix)
    if not landed:
        return f"no file of the day has landed in {uri}: the run waits in wait_for_batch"
    return (
        f"{len(landed)} file(s) of the day are in {uri}: the run is checking them "
        "(settle_batch waits for the delivery to go quiet; then crawl, validate, publish)"
    )


def emit_sla_missed(context: dict[str, Any]) -> str:
    """Publish `sla.missed` for the late run (and, locally, deliver it so the alert opens
    and the tier-1 e-mail goes out at once); returns the event id, or why nothing was sent
    (the run had already failed or succeeded when the deadline passed)."""
    from fintech_dq.orchestration.run_alerts import (
        configured_base_url,
        publish_and_deliver,
        run_day,
    )

    run = context.get("dag_run") or {}
    if str(run.get("state")) in FINISHED_STATES:
        return f"no sla.missed: the run was already {run.get('state')} at its deadline"
    day, _ = run_day(run)
    fields = sla_missed_fields(
        context, base_url=configured_base_url(), waiting_for=waiting_for(day)
    )
    return publish_and_deliver(fields) if fields else "no sla.missed: the run had finished"


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
