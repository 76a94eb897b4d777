"""The bodies of the pipeline's tasks: each resolves where things are, calls the core
package and returns a small JSON-able summary for XCom (never a whole document).

Imports of the core's heavier parts (Spark, the engine, events) happen inside the
functions, so that importing this module while a DAG file is parsed costs nothing.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from fintech_dq.orchestration.run_plan import business_date_for, storage_run_id

if TYPE_CHECKING:
    from fintech_dq.pipeline.locations import PipelineLocations

DATA_STATUSES = ("passed", "passed_with_warnings", "failed", "blocked")
# A routine run waits at most this long for the day's files to stop changing.
MAX_SETTLE_WAIT = timedelta(hours=2)
_log = logging.getLogger(__name__)


class BreakingSchemaChange(RuntimeError):
    """The landed day's schema breaks the contract: validation must not run."""


def locations() -> PipelineLocations:
    from fintech_dq.pipeline.locations import PipelineLocations

    return PipelineLocations.resolve()


def plan_run(
    conf: dict[str, Any] | None,
    data_interval_start: Any,
    airflow_run_id: str,
    run_type: str = "manual",
    clear_number: int | None = 0,
) -> dict[str, str]:
    """What every later task needs: the day, a key-safe run id, the resource names and the
    URIs the sensor and the Glue job read (the account is asked here, at run time), and
    whether the run is routine (waits for a quiet partition, skips an unchanged one; a
    cleared run is not: batch_state.is_routine)."""
    from fintech_dq.orchestration.batch_state import is_routine

    day = business_date_for(conf, data_interval_start)
    where = locations()
    prefix = where.landing_prefix(day)
    return {
        "business_date": day.isoformat(),
        "run_id": storage_run_id(airflow_run_id),
        "routine": "yes" if is_routine(airflow_run_id, run_type, conf, clear_number) else "no",
        "raw_bucket": where.raw_bucket,
        "landing_prefix": prefix,
        "reference_prefix": where.merchants_prefix,
        "batch_pattern": where.s3_uri(where.raw_bucket, prefix + "*"),
        "input_uri": where.s3_uri(where.raw_bucket, prefix),
        "crawler": where.crawler,
        "validation_job": where.validation_job,
        "results_key": where.results_key(day, storage_run_id(airflow_run_id)),
    }


def settle_batch(plan: dict[str, str], waiting_since: datetime) -> dict[str, Any]:
    """The day's partition as the check will read it, and whether it has settled: quiet for
    FDQ_LANDING_QUIET_SECONDS (routine runs only), or this wait has lasted MAX_SETTLE_WAIT
    (files still trickling in: check what is there; the later ones start runs of their own).
    """
    from fintech_dq.infra import aws
    from fintech_dq.orchestration.batch_state import list_landed, quiet_for, summary
    from fintech_dq.orchestration.runtime import landing_quiet_seconds

    s3 = aws.client("s3")
    objects = list_landed(s3, plan["raw_bucket"], plan["landing_prefix"])
    # the reference tables the job reads are part of what a check read (why_check)
    reference_prefix = plan.get("reference_prefix") or locations().merchants_prefix
    reference = list_landed(s3, plan["raw_bucket"], reference_prefix)
    now = datetime.now(UTC)
    quiet = quiet_for(objects, now)
    waited = now - waiting_since
    wanted = timedelta(seconds=landing_quiet_seconds())
    settled = plan["routine"] == "no" or quiet >= wanted or waited >= MAX_SETTLE_WAIT
    return {
        "settled": bool(objects) and settled,
        **summary(objects, reference),
        "quiet_seconds": round(quiet.total_seconds()),
        "gave_up_waiting": plan["routine"] == "yes"
        and quiet < wanted
        and waited >= MAX_SETTLE_WAIT,
    }


def needs_check(
    plan: dict[str, str], settled: dict[str, Any], clear_number: int | None = 0
) -> bool:
    """False for a routine run whose partition, reference data and rules are the ones the
    day's last check read (the rules this deployment's package holds: the ones its
    validation job runs). A run cleared since plan_run decided (someone cleared this task
    and its downstream) is a person's rerun too: it checks."""
    from fintech_dq.infra import aws
    from fintech_dq.orchestration.batch_state import read_checked, why_check
    from fintech_dq.rules import load_dataset_rules

    if plan["routine"] == "no":
        return True
    if (clear_number or 0) > 0:
        _log.info("%s: this run was cleared (a rerun asked for): checking the day again",
                  plan["business_date"])  # fmt: skip
        return True
    where = locations()
    day = date.fromisoformat(plan["business_date"])
    last = read_checked(aws.client("s3"), where, day)
    reason = why_check(last, settled, load_dataset_rules(where.dataset).source_sha256)
    _log.info("%s: %s", day, reason or "its files and rules are unchanged since its last check")
    return reason is not None


def crawl_locally(plan: dict[str, str]) -> dict[str, Any]:
    from fintech_dq.schema.crawl import crawl_locally as crawl

    update = crawl(locations(), date.fromisoformat(plan["business_date"]))
    return {"business_date": plan["business_date"], "update": _plain(update)}


def check_schema(plan: dict[str, str]) -> dict[str, Any]:
    """Diff the crawled schema against the contract; a breaking change stops the run here
    (schema.changed has been emitted and audited by the core before this raises)."""
    from fintech_dq.schema.drift import check_drift

    where = locations()
    outcome = check_drift(where, date.fromisoformat(plan["business_date"]), plan["run_id"])
    summary = {
        "decision": outcome.decision,
        "breaking": outcome.breaking,
        "additive": outcome.additive,
        "diff_uri": where.s3_uri(where.audit_bucket, outcome.key),
    }
    if outcome.breaking:
        raise BreakingSchemaChange(
            f"breaking schema change in the batch of {plan['business_date']}: validation "
            f"not run; the diff is at {summary['diff_uri']}; "
            f"changes: {json.dumps(outcome.diff.get('changes', []), default=str)[:2000]}"
        )
    return summary


def validate_locally(plan: dict[str, str]) -> dict[str, Any]:
    from fintech_dq.pipeline.validation_job import run_validation_job_locally

    results = run_validation_job_locally(
        locations(), date.fromisoformat(plan["business_date"]), plan["run_id"]
    )
    return summarise(results, plan)


def read_results(plan: dict[str, str]) -> dict[str, Any]:
    """After the Glue job: the results document it stored in bucket C."""
    return summarise(_results_document(plan), plan)


def publish(plan: dict[str, str], settled: dict[str, Any]) -> list[str]:
    """Publishes the run, then records which partition it checked (batch_state)."""
    from fintech_dq.infra import aws
    from fintech_dq.orchestration.batch_state import record_checked
    from fintech_dq.pipeline.publish import publish_run

    where = locations()
    document = _results_document(plan)
    published = publish_run(where, document)
    day = date.fromisoformat(plan["business_date"])
    record_checked(
        aws.client("s3"), where, day, settled, plan["run_id"], document["rules"]["sha256"]
    )
    return published


def report(plan: dict[str, str]) -> str:
    from fintech_dq.report import publish_run_report

    where = locations()
    key = publish_run_report(where, date.fromisoformat(plan["business_date"]), plan["run_id"])
    return where.s3_uri(where.audit_bucket, key)


def deliver_alerts() -> int:
    """Local runtime only: EventBridge -> stand-in queues -> handlers -> alerts -> e-mail."""
    from fintech_dq.events.local_delivery import deliver_pending_events

    return deliver_pending_events(locations())


def alert_run_failed(run: dict[str, Any], failed_tasks: list[str]) -> str:
    """The daily run failed (a task failed for good): alert now, instead of hours later
    through its deadline (run_alerts); returns the event id."""
    from fintech_dq.orchestration.run_alerts import (
        configured_base_url,
        publish_and_deliver,
        run_failed_fields,
    )

    return publish_and_deliver(run_failed_fields(run, failed_tasks, configured_base_url()))


def summarise(results: dict[str, Any], plan: dict[str, str]) -> dict[str, Any]:
    status = results.get("status")
    if status not in DATA_STATUSES:
        raise ValueError(f"results document has no known status: {status!r}")
    return {
        "business_date": plan["business_date"],
        "run_id": plan["run_id"],
        "status": status,
        "counts": results.get("counts", {}),
        "results_key": plan["results_key"],
    }


def _results_document(plan: dict[str, str]) -> dict[str, Any]:
    from fintech_dq.infra import aws

    where = locations()
    body = aws.client("s3").get_object(Bucket=where.audit_bucket, Key=plan["results_key"])
    document: dict[str, Any] = json.loads(body["Body"].read())
    return document


def _plain(value: Any) -> Any:
    """A JSON-able view of a core result object (dataclasses, dates, paths)."""
    return json.loads(json.dumps(value, default=lambda o: getattr(o, "__dict__", str(o))))
