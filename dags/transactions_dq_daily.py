"""transactions_dq_daily: one business day, from landed files to results, report and alerts.

Thin on purpose: the task bodies are in fintech_dq.orchestration.steps; which tasks run
(Glue operators on AWS, the local runtime's crawler and job on a laptop) is decided at
parse time from FDQ_RUNTIME, without any AWS call.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor
from airflow.sdk import DAG, CronDataIntervalTimetable, PokeReturnValue, task

from fintech_dq.orchestration import docs, steps
from fintech_dq.orchestration.deadline import daily_deadline_alert
from fintech_dq.orchestration.defaults import TAGS, default_args
from fintech_dq.orchestration.runtime import AWS_CONN_ID, is_aws, landing_quiet_seconds

ON_AWS = is_aws()

with DAG(
    dag_id="transactions_dq_daily",
    description="Daily data-quality check of the transactions batch",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    # One day at a time, in date order: "not seen in the last 90 days" and the trailing
    # windows read the days before, and two runs of one day would race on its partitions.
    max_active_runs=1,
    default_args=default_args(),
    tags=[*TAGS, "daily"],
    doc_md=docs.DAILY,
    params={"business_date": None},
    deadline=daily_deadline_alert(),
) as dag:

    @task(doc_md=docs.TASKS["plan_run"])
    def plan_run(params: dict[str, Any] | None = None, **context: Any) -> dict[str, str]:
        conf = dict(context["dag_run"].conf or {})
        if params and params.get("business_date") and "business_date" not in conf:
            conf["business_date"] = params["business_date"]
        from airflow.sdk.exceptions import AirflowFailException

        from fintech_dq.orchestration.run_plan import RunPlanError

        run = context["dag_run"]
        try:  # a bad business_date is not transient: fail now, do not hold the run slot
            return steps.plan_run(
                conf,
                context.get("data_interval_start"),
                context["run_id"],
                run.run_type,
                getattr(run, "clear_number", 0),  # cleared: a person's rerun, checks the day
            )
        except RunPlanError as bad:
            raise AirflowFailException(str(bad)) from bad

    plan: Any = plan_run()  # an XComArg; indexing it pulls one key at run time

    wait_for_batch = S3KeySensor(
        task_id="wait_for_batch",
        bucket_key=plan["batch_pattern"],
        wildcard_match=True,
        aws_conn_id=AWS_CONN_ID,
        deferrable=True,
        poke_interval=60,
        timeout=12 * 3600,
        doc_md=docs.TASKS["wait_for_batch"],
    )

    @task.sensor(
        poke_interval=min(60, max(5, landing_quiet_seconds() // 2)),
        timeout=3 * 3600,
        mode="reschedule",
        doc_md=docs.TASKS["settle_batch"],
    )
    def settle_batch(plan: dict[str, str], **context: Any) -> PokeReturnValue:
        # since this sensor's first poke (not the run's start: a scheduled run may have
        # waited hours for its batch already)
        since = context["ti"].get_first_reschedule_date(context) or datetime.now(UTC)
        state = steps.settle_batch(plan, since)
        return PokeReturnValue(is_done=state["settled"], xcom_value=state)

    @task.short_circuit(doc_md=docs.TASKS["skip_if_checked"])
    def skip_if_checked(plan: dict[str, str], settled: dict[str, Any], **context: Any) -> bool:
        # cleared from here on (plan_run not rerun): still a person's rerun, never skipped
        cleared = getattr(context["dag_run"], "clear_number", 0)
        return steps.needs_check(plan, settled, cleared)

    settled: Any = settle_batch(plan)
    wait_for_batch >> settled
    unchanged_skip: Any = skip_if_checked(plan, settled)

    @task(doc_md=docs.TASKS["check_schema"])
    def check_schema(plan: dict[str, str]) -> dict[str, Any]:
        from airflow.sdk.exceptions import AirflowFailException

        try:
            return steps.check_schema(plan)
        except steps.BreakingSchemaChange as breaking:
            raise AirflowFailException(str(breaking)) from breaking

    @task(doc_md=docs.TASKS["publish"])
    def publish(
        plan: dict[str, str], validated: dict[str, Any], settled: dict[str, Any]
    ) -> list[str]:
        return steps.publish(plan, settled)

    @task(doc_md=docs.TASKS["report"])
    def report(plan: dict[str, str], published: list[str]) -> str:
        return steps.report(plan)

    if ON_AWS:
        from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
        from airflow.providers.amazon.aws.operators.glue_crawler import GlueCrawlerOperator

        crawl: Any = GlueCrawlerOperator(
            task_id="crawl",
            config={"Name": plan["crawler"]},
            aws_conn_id=AWS_CONN_ID,
            deferrable=True,
            doc_md=docs.TASKS["crawl"],
        )
        schema: Any = check_schema(plan)
        run_job = GlueJobOperator(
            task_id="validate",
            job_name=plan["validation_job"],
            script_args={
                "--business_date": plan["business_date"],
                "--input_uri": plan["input_uri"],
                "--run_id": plan["run_id"],
            },
            aws_conn_id=AWS_CONN_ID,
            wait_for_completion=True,
            deferrable=True,
            doc_md=docs.TASKS["validate"],
        )

        @task(doc_md=docs.TASKS["read_results"])
        def read_results(plan: dict[str, str]) -> dict[str, Any]:
            return steps.read_results(plan)

        validated: Any = read_results(plan)
        unchanged_skip >> crawl >> schema >> run_job >> validated
        published: Any = publish(plan, validated, settled)
        report(plan, published)
    else:

        @task(task_id="crawl", doc_md=docs.TASKS["crawl"])
        def crawl_locally(plan: dict[str, str]) -> dict[str, Any]:
            return steps.crawl_locally(plan)

        @task(task_id="validate", doc_md=docs.TASKS["validate"])
        def validate_locally(plan: dict[str, str]) -> dict[str, Any]:
            return steps.validate_locally(plan)

        @task(trigger_rule="all_done", doc_md=docs.TASKS["deliver_alerts"])
        def deliver_alerts() -> int:
            return steps.deliver_alerts()

        crawled: Any = crawl_locally(plan)
        schema = check_schema(plan)
        validated = validate_locally(plan)
        unchanged_skip >> crawled >> schema >> validated
        # all_done: a run stopped by a breaking schema change still delivers its alert.
        published = publish(plan, validated, settled)
        delivered = deliver_alerts()
        report(plan, published) >> delivered

    @task(trigger_rule="one_failed", doc_md=docs.TASKS["run_outcome"])
    def run_outcome(**context: Any) -> None:
        """Skipped unless a task failed. Then: alert (the run's failure pages now, not at its
        deadline) and fail, so the run is red. Locally deliver_alerts (all_done) is the last
        task and succeeds whatever came before; Airflow judges a run by its last tasks."""
        from airflow.sdk.exceptions import AirflowFailException

        from fintech_dq.orchestration.run_alerts import failed_tasks_of

        run, ti = context["dag_run"], context["ti"]
        try:
            states = ti.get_task_states(dag_id=run.dag_id, run_ids=[run.run_id])
            failed = failed_tasks_of(states, run.run_id, ti.task_id)
        except Exception:  # which task is a detail; the alert is not
            failed = []
        described = {
            "dag_id": run.dag_id,
            "run_id": run.run_id,
            "conf": dict(run.conf or {}),
            "data_interval_start": run.data_interval_start,
            "logical_date": run.logical_date,
            "run_after": run.run_after,
            "clear_number": getattr(run, "clear_number", 0),
        }
        steps.alert_run_failed(described, failed)
        raise AirflowFailException(f"this run failed in {', '.join(failed) or 'a task'}")

    outcome = run_outcome()
    [t for t in dag.tasks if t.task_id != "run_outcome"] >> outcome
