"""fdq_local_escalation: the local runtime's stand-in for the EventBridge Scheduler schedule
that invokes the escalation checker Lambda on AWS (rate(5 minutes)).

The emulator keeps the schedule but cannot invoke Lambda, so without this nothing would
move an unresolved alert to tier 2 and 3 locally. On AWS (FDQ_RUNTIME=aws) this file
defines no DAG: the schedule there does the job, and two checkers would only race for the
same claims.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import DAG, task

from fintech_dq.orchestration import docs
from fintech_dq.orchestration.defaults import TAGS, default_args
from fintech_dq.orchestration.runtime import is_aws

if not is_aws():
    with DAG(
        dag_id="fdq_local_escalation",
        description="Local runtime: the escalation check every 5 minutes (AWS: a schedule)",
        schedule="*/5 * * * *",
        start_date=datetime(2026, 1, 1, tzinfo=UTC),
        catchup=False,
        max_active_runs=1,
        # one check every 5 minutes: a retry would overlap the next run
        default_args=default_args(retries=1, retry_delay=timedelta(seconds=30)),
        dagrun_timeout=timedelta(minutes=5),
        tags=[*TAGS, "alerts", "local"],
        doc_md=docs.LOCAL_ESCALATION,
    ):

        @task(doc_md=docs.TASKS["escalation_check"])
        def escalation_check() -> int:
            from fintech_dq.events.local_delivery import (
                deliver_pending_events,
                run_escalation_check,
            )
            from fintech_dq.pipeline.locations import PipelineLocations

            where = PipelineLocations.resolve()
            try:  # events nobody delivered yet (e.g. of a CLI run) open their alerts first
                deliver_pending_events(where)
            finally:  # a failing handler must not stop the escalation of the other alerts
                sent = run_escalation_check(where)
            return sent

        escalation_check()
