"""transactions_dq_reprocess: re-run the daily check for a range of days (e.g. after a
rules fix), recording who asked and why in the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import DAG, Param, task

from fintech_dq.orchestration import docs, reprocess
from fintech_dq.orchestration.defaults import TAGS, default_args
from fintech_dq.orchestration.run_plan import RunPlanError

with DAG(
    dag_id="transactions_dq_reprocess",
    description="Re-run the daily check for a date range (who and why are audited)",
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    default_args=default_args(),
    tags=[*TAGS, "reprocess"],
    doc_md=docs.REPROCESS,
    params={
        "start": Param("", type="string", description="first day, YYYY-MM-DD"),
        "end": Param("", type="string", description="last day, YYYY-MM-DD (inclusive)"),
        "requested_by": Param("", type="string", description="who asks"),
        "reason": Param("", type="string", description="why (rules fix, ticket)"),
    },
):

    def _request(params: dict[str, Any] | None, context: Any) -> reprocess.ReprocessRequest:
        from airflow.sdk.exceptions import AirflowFailException

        conf = {**(params or {}), **(context["dag_run"].conf or {})}
        try:
            return reprocess.parse_request(conf, context["run_id"])
        except RunPlanError as invalid:  # not transient: no retries
            raise AirflowFailException(str(invalid)) from invalid

    @task(doc_md=docs.TASKS["record_request"])
    def record_request(
        params: dict[str, Any] | None = None, **context: Any
    ) -> list[dict[str, Any]]:
        request = _request(params, context)
        days = [day.isoformat() for day in request.days]
        # a cleared request runs again: each attempt is its own record
        attempt = int(getattr(context["dag_run"], "clear_number", 0) or 0) + 1
        reprocess.record(request, "reprocess.requested", {"days": days, "attempt": attempt})
        return request.trigger_kwargs()

    @task(trigger_rule="all_done", doc_md=docs.TASKS["record_outcome"])
    def record_outcome(
        params: dict[str, Any] | None = None, **context: Any
    ) -> dict[str, dict[str, str]]:
        from airflow.sdk.exceptions import AirflowFailException

        request = _request(params, context)
        ti = context["ti"]

        def run_state(run_id: str) -> str | None:
            if not ti.get_dr_count(dag_id=reprocess.DAILY_DAG_ID, run_ids=[run_id]):
                return None
            state = ti.get_dagrun_state(dag_id=reprocess.DAILY_DAG_ID, run_id=run_id)
            return str(getattr(state, "value", state))  # a DagRunState: its "success"

        found = reprocess.outcomes(request, run_state)
        attempt = int(getattr(context["dag_run"], "clear_number", 0) or 0) + 1
        reprocess.record(request, "reprocess.completed", {"outcomes": found, "attempt": attempt})
        failed = reprocess.failed_days(found)
        if failed:  # the request's run is red when a day's run is (recorded above)
            raise AirflowFailException(f"reprocess failed for {', '.join(failed)}: {found}")
        return found

    requests: Any = record_request()  # params and context come at run time
    runs = TriggerDagRunOperator.partial(
        task_id="reprocess_day",
        trigger_dag_id=reprocess.DAILY_DAG_ID,
        logical_date=None,
        # A cleared request reruns its days: the daily run of the same id is cleared and
        # run again (without it: "Dag Run already exists", nothing reprocessed)
        reset_dag_run=True,
        # and so would a retry, running a day that failed (after its own tasks' retries)
        # again from the start: a failed day is reported, a person decides (Clear)
        retries=0,
        wait_for_completion=True,
        deferrable=True,
        poke_interval=30,
        allowed_states=["success"],
        failed_states=["failed"],
        doc_md=docs.TASKS["reprocess_day"],
    ).expand_kwargs(requests)
    runs >> record_outcome()
