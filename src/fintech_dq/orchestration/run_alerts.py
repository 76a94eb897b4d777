"""Alerts about a daily *run* (not its data): the run failed, or missed its deadline.

Both name the run as the Airflow UI does, link to it, and date it: the run's business date
when it has one, else the date of its logical date (or of when it was to run), so that two
broken runs of different days are two alerts rather than one `transactions/unknown/...`.

A failed run is announced as `run.failed` (`payload.status` `run_failed`), routed like
`sla.missed` to the alert dispatcher: its own alert per day (severity error, runbook
run-failed), apart from the day's `validation.failed` about the data, so neither hides in
the other's recurrences; its summary says plainly that the pipeline, not the data, failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

from fintech_dq.orchestration.run_plan import RunPlanError, business_date_for, storage_run_id

RUN_FAILED_EVENT = "run.failed"
RUN_FAILED_STATUS = "run_failed"


def airflow_run_url(base_url: str | None, dag_id: str, airflow_run_id: str) -> str | None:
    """The run's page in the Airflow UI (Airflow 3: `<base>/dags/<dag>/runs/<run id>`), or
    None when the API server's base URL ([api] base_url) is not configured."""
    if not base_url:
        return None
    run = quote(airflow_run_id, safe="")  # scheduled ids hold ':' and '+'
    return f"{base_url.rstrip('/')}/dags/{quote(dag_id, safe='')}/runs/{run}"


def configured_base_url() -> str | None:
    """[api] base_url of this Airflow (AIRFLOW__API__BASE_URL; `fdq local airflow up` sets it)."""
    try:
        from airflow.configuration import conf

        return conf.get("api", "base_url", fallback=None) or None
    except Exception:  # a link is a convenience, never a reason to fail the alert
        return None


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).date()
    if isinstance(value, date):
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC).date()
    except ValueError:
        return None


def run_day(run: Mapping[str, Any]) -> tuple[date | None, str]:
    """The day an alert about this run is filed under, and a note saying where it came from
    ("" when it is the run's business date)."""
    try:
        return business_date_for(run.get("conf"), run.get("data_interval_start")), ""
    except RunPlanError as why:
        for field in ("logical_date", "run_after", "queued_at"):
            day = _as_date(run.get(field))
            if day is not None:
                return day, f"dated by its {field.replace('_', ' ')}: {why}"
        return None, str(why)


def run_failed_fields(
    run: Mapping[str, Any],
    failed_tasks: list[str],
    base_url: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The event of a failed daily run (pure; testable). `run`: dag_id, run_id, conf,
    data_interval_start, logical_date, run_after, clear_number."""
    dag_id = str(run.get("dag_id") or "transactions_dq_daily")
    airflow_run_id = str(run.get("run_id") or run.get("dag_run_id") or "unknown-run")
    day, note = run_day(run)
    tasks = ", ".join(failed_tasks) if failed_tasks else "a task"
    url = airflow_run_url(base_url, dag_id, airflow_run_id)
    day_text = day.isoformat() if day else "unknown day"
    return {
        "event_type": RUN_FAILED_EVENT,
        "business_date": day,
        "run_id": storage_run_id(airflow_run_id),
        "severity": "error",
        "summary": (
            f"{dag_id}: the run for {day_text} ({airflow_run_id}) FAILED in {tasks}: the "
            "pipeline could not check the day (this is not a data outcome); read the failed "
            "task's log in Airflow, fix, then clear the run" + (f" [{note}]" if note else "")
        ),
        "payload": {
            "status": RUN_FAILED_STATUS,
            "dag_id": dag_id,
            "airflow_run_id": airflow_run_id,
            "failed_tasks": failed_tasks,
            # each failed attempt of the run (first try, each clear) is its own event: a
            # recurrence of the day's alert, not a duplicate dropped as already seen
            "dedup_key": f"run-failed-{int(run.get('clear_number') or 0)}",
        },
        "links": {"airflow": url} if url else {},
        "occurred_at": now or datetime.now(UTC),
    }


def failed_tasks_of(task_states: Mapping[str, Any], run_id: str, own_task: str) -> list[str]:
    """The failed task ids of a run from `get_task_states`' answer ({run id: {task: state}})."""
    states = task_states.get(run_id) or {}
    found = [str(task) for task, state in states.items() if str(state) == "failed"]
    return sorted(t for t in found if t != own_task)


def publish_and_deliver(fields: dict[str, Any]) -> str:
    """Publish the event on the pipeline's bus; locally also deliver it at once (no
    EventBridge -> Lambda there), so the alert opens and tier 1 is mailed now."""
    from fintech_dq.events import PipelineEvent, publish_event
    from fintech_dq.orchestration.runtime import is_aws
    from fintech_dq.pipeline.locations import PipelineLocations

    where = PipelineLocations.resolve()
    event = PipelineEvent(dataset=where.dataset, **fields)
    event_id = str(publish_event(event, where))
    if not is_aws():
        from fintech_dq.events.local_delivery import deliver_pending_events

        deliver_pending_events(where)
    return event_id
