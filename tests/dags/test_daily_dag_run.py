"""Real runs of transactions_dq_daily (dag.test: every task executes in this process,
the sensor's trigger too) against the local stack in the emulator: a clean day and a
defective day, then a rerun of the defective day.

The Airflow 3.3.1 bug in DESIGN.md (dag.test of a DAG with a deadline fails once the run
succeeds: DeadlineAlertModel.get_by_id is handed the in-memory alert instead of its id)
is avoided by testing the DAG without its deadline; the deadline itself is proven with the
real scheduler and triggerer (test_local_airflow.py). Retries are off here so that a
failure shows at once instead of after the backoff.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from fintech_dq.pipeline.landing import land_sample_day
from fintech_dq.pipeline.staging import list_keys

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
CLEAN_DAY = date(2026, 11, 24)
DEFECTIVE_DAY = date(2026, 11, 25)
ROWS = 300
CORE_STEPS = ("plan_run", "wait_for_batch", "settle_batch", "skip_if_checked", "crawl")
CORE_STEPS += ("check_schema", "validate")
STEPS = (*CORE_STEPS, "publish", "report", "deliver_alerts")


@pytest.fixture(scope="module")
def daily_dag(airflow_on_local_stack: Any) -> Any:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER / "transactions_dq_daily.py"))
    assert bag.import_errors == {}
    dag = bag.dags["transactions_dq_daily"]
    dag.deadline = None  # the 3.3.1 dag.test bug (module docstring)
    for task in dag.tasks:
        task.retries = 0
    return dag


def _run(dag: Any, day: date, business_date: str | None = None) -> dict[str, str]:
    """Each task's state, and the run's own under "run" (what the UI's run list shows)."""
    # A manual run with a logical date D covers the interval [D-1, D): name the day.
    run = dag.test(
        logical_date=datetime(day.year, day.month, day.day, tzinfo=UTC),
        run_conf={"business_date": business_date or day.isoformat()},
    )
    return {"run": str(run.state)} | {ti.task_id: str(ti.state) for ti in run.get_task_instances()}


def _results(s3: Any, locations: Any, day: date) -> list[dict[str, Any]]:
    prefix = f"{locations.results_prefix}business_date={day.isoformat()}/"
    keys = [k for k in list_keys(s3, locations.audit_bucket, prefix) if k.endswith("/results.json")]
    return [json.loads(s3.get_object(Bucket=locations.audit_bucket, Key=k)["Body"].read())
            for k in keys]  # fmt: skip


def test_a_clean_day_runs_end_to_end(
    daily_dag: Any, airflow_on_local_stack: Any, local_stack: Any
) -> None:
    locations = airflow_on_local_stack
    land_sample_day(locations, CLEAN_DAY, ROWS, "none", local_stack.settings)
    states = _run(daily_dag, CLEAN_DAY)
    for step in STEPS:
        assert states[step] == "success", (step, states)
    assert (states["run_outcome"], states["run"]) == ("skipped", "success")
    s3 = local_stack.client("s3")
    [results] = _results(s3, locations, CLEAN_DAY)
    assert results["status"] == "passed"
    assert results["counts"]["quarantined"] == 0 and results["counts"]["rejected"] == 0
    processed = f"{locations.output_prefix('processed')}business_date={CLEAN_DAY}/"
    assert list_keys(s3, locations.processed_bucket, processed)
    reports = f"reports/{locations.dataset}/business_date={CLEAN_DAY}/"
    assert any(k.endswith(".html") for k in list_keys(s3, locations.audit_bucket, reports))
    assert _alerts_of(local_stack, locations, CLEAN_DAY) == []


def test_a_defective_day_quarantines_and_a_rerun_replaces_it(
    daily_dag: Any, airflow_on_local_stack: Any, local_stack: Any
) -> None:
    locations = airflow_on_local_stack
    land_sample_day(locations, DEFECTIVE_DAY, ROWS, "default", local_stack.settings)
    s3 = local_stack.client("s3")
    quarantine = f"{locations.output_prefix('quarantine')}business_date={DEFECTIVE_DAY}/"

    states = _run(daily_dag, DEFECTIVE_DAY)
    for step in STEPS:
        assert states[step] == "success", (step, states)
    [first] = _results(s3, locations, DEFECTIVE_DAY)
    assert first["status"] in ("failed", "passed_with_warnings")
    counts = first["counts"]
    assert counts["quarantined"] > 0 and counts["rejected"] > 0
    assert counts["rows_in"] == counts["processed"] + counts["quarantined"] + counts["rejected"]
    quarantined = list_keys(s3, locations.processed_bucket, quarantine)
    assert quarantined

    # The same day again (a rerun): the day's partitions are replaced, not appended to,
    # and its alerts are not sent twice.
    alerts_before = _alerts_of(local_stack, locations, DEFECTIVE_DAY)
    mails_before = _mails_of(local_stack, DEFECTIVE_DAY)
    states = _run(daily_dag, DEFECTIVE_DAY)
    assert all(states[step] == "success" for step in STEPS), states
    latest = max(_results(s3, locations, DEFECTIVE_DAY), key=lambda r: str(r.get("run_id")))
    assert latest["counts"] == counts
    assert len(list_keys(s3, locations.processed_bucket, quarantine)) == len(quarantined)
    assert alerts_before, f"the defective day opened no alert: {states}"
    assert _alerts_of(local_stack, locations, DEFECTIVE_DAY) == alerts_before
    mails = _mails_of(local_stack, DEFECTIVE_DAY)
    assert mails, "no alert e-mail in the local inbox"
    assert mails == mails_before, "the rerun sent the alert e-mails again"


def _alerts_of(local_stack: Any, locations: Any, day: date) -> list[str]:
    """The alert records that name the day (the alert table, read over HTTP)."""
    table = locations.alerts_table
    items = local_stack.client("dynamodb").scan(TableName=table)["Items"]
    return sorted(str(item.get("alert_id", item)) for item in items if day.isoformat() in str(item))


def _mails_of(local_stack: Any, day: date) -> list[str]:
    """Subjects of the e-mails in the local SMTP inbox that name the day."""
    from fintech_dq.notify.inbox import messages

    inbox = local_stack.emulator.state_dir / "mail"
    return [m.subject for m in messages(inbox) if day.isoformat() in f"{m.subject}{m.body}"]


def test_a_run_with_a_failed_task_is_failed_alerts_and_still_delivers_alerts(
    daily_dag: Any, airflow_on_local_stack: Any, local_stack: Any
) -> None:
    """A failed task makes the run red, though deliver_alerts (all_done) runs last and
    succeeds; a business date that is no date fails at once (AirflowFailException), not
    after retries that would hold the DAG's only run slot. The failure is alerted at once
    (not hours later by the deadline): run_outcome emits run.failed (its own alert, not
    the day's validation.failed), filed under the run's logical date (its conf names no
    readable day)."""
    run_day = date(2026, 3, 2)
    states = _run(daily_dag, run_day, business_date="2026-02-30")
    assert states["plan_run"] == "failed", states
    assert states["deliver_alerts"] == "success", states
    assert (states["run_outcome"], states["run"]) == ("failed", "failed"), states
    alerts = _alerts_of(local_stack, airflow_on_local_stack, run_day)
    assert any(f"transactions/{run_day}/run.failed" in a for a in alerts), alerts
    items = local_stack.client("dynamodb").scan(TableName=airflow_on_local_stack.alerts_table)
    [alert] = [
        i for i in items["Items"] if i["alert_id"]["S"].startswith(f"transactions/{run_day}")
    ]
    assert "run_failed" in str(alert) and "FAILED in plan_run" in str(alert), alert
    assert any("FAILED in plan_run" in m for m in _mail_texts(local_stack, run_day))


def _mail_texts(local_stack: Any, day: date) -> list[str]:
    from fintech_dq.notify.inbox import messages

    inbox = local_stack.emulator.state_dir / "mail"
    return [f"{m.subject}\n{m.body}" for m in messages(inbox) if day.isoformat() in m.body]
