"""transactions_dq_on_arrival: a landed file starts the daily check for its business date.

S3 -> EventBridge -> SQS landing queue -> AssetWatcher(MessageQueueTrigger) -> this DAG,
which triggers transactions_dq_daily: arrival__<date> for a day's first announcement, a run
of its own for each later one (orchestration.arrival).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from airflow.providers.common.messaging.triggers.msg_queue import MessageQueueTrigger
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import DAG, Asset, AssetWatcher, task

from fintech_dq.orchestration import arrival, docs
from fintech_dq.orchestration.defaults import TAGS, default_args
from fintech_dq.orchestration.runtime import AWS_CONN_ID, landing_poll_seconds, landing_queue_url

QUEUE_URL = landing_queue_url()
watchers = []
if QUEUE_URL:
    watchers.append(
        AssetWatcher(
            name="landing_queue",
            trigger=MessageQueueTrigger(
                scheme="sqs",
                sqs_queue=QUEUE_URL,
                aws_conn_id=AWS_CONN_ID,
                max_messages=10,
                waiter_delay=landing_poll_seconds(),
            ),
        )
    )
DAILY_DAG_ID = "transactions_dq_daily"
landed = Asset(name="fdq_landing_transactions", watchers=watchers)

with DAG(
    dag_id="transactions_dq_on_arrival",
    description="Start the daily check when a day's files land",
    schedule=[landed],
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    default_args=default_args(),
    tags=[*TAGS, "event-driven"],
    doc_md=docs.ON_ARRIVAL + ("" if QUEUE_URL else arrival.NO_QUEUE_NOTE),
):

    @task(doc_md=docs.TASKS["announced_days"])
    def announced_days(**context: Any) -> list[dict[str, Any]]:
        ti = context["ti"]

        def run_exists(run_id: str) -> bool:
            return bool(ti.get_dr_count(dag_id=DAILY_DAG_ID, run_ids=[run_id]))

        return arrival.daily_runs(context.get("triggering_asset_events") or {}, run_exists)

    TriggerDagRunOperator.partial(
        task_id="trigger_daily",
        trigger_dag_id=DAILY_DAG_ID,
        logical_date=None,
        skip_when_already_exists=True,
        doc_md=docs.TASKS["trigger_daily"],
    ).expand_kwargs(announced_days())
