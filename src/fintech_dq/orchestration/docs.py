"""The texts the Airflow UI shows for the DAGs and their tasks (doc_md)."""

from __future__ import annotations

DAILY = """\
# transactions_dq_daily

Checks one **business day** of card and payment transactions end to end.

* **Which day:** the run's conf `business_date` if given (event-driven, reprocess or a
  manual trigger), else the data interval's start: the run scheduled at 00:00 UTC on
  D+1 checks day D.
* **Steps:** wait for the batch in the landing bucket -> crawl (catalog table version) ->
  schema diff against the contract (a *breaking* change stops the run before validation)
  -> validation job (Spark) -> publish results, metrics and events -> HTML report
  (-> deliver alerts, local runtime only).
* **Deadline:** each run must finish within the configured time after it is queued
  (6 h by default); a missed deadline emits `sla.missed`, which opens an alert and
  starts the escalation policy.
* **Data outcome vs. run outcome:** a day whose data fails its checks (status `failed`
  or `blocked`) is a *successful* run: the outcome is in the results, the report and the
  alerts. A red run means the pipeline itself could not do its job.
* **A failed run** (the pipeline could not do its job) alerts at once: `run_outcome`
  emits `run.failed`, naming the failed task: its own alert, apart from the day's data.
* **Rerun** (Clear the whole run in the UI, or `airflow tasks clear`): a cleared run is a
  person's request, so it checks the day again even when its files are unchanged, and
  replaces that day's outputs; the events carry deterministic ids, so no alert is sent
  twice.

See docs/operations.md.
"""

ON_ARRIVAL = """\
# transactions_dq_on_arrival

Starts the daily check as soon as a day's files land, without waiting for the schedule.

S3 (landing bucket) -> EventBridge -> SQS landing queue -> this DAG's asset watcher.
Each run reads the announced keys, takes the business date from `ingest_date=` and
triggers `transactions_dq_daily`: run id `arrival__<date>` for the day's first
announcement, `arrival__<date>__<hash of the keys>` for a later one (a late file, a
resend), so the same announcement delivered twice starts one run. The daily run waits for
the day's files to stop changing and skips the check when they are the ones its last
check read.
"""

REPROCESS = """\
# transactions_dq_reprocess

Re-runs the daily check for a range of days, e.g. after a rules fix, so that
quarantined rows are validated again under the new rules (each day's outputs are
replaced; rows that now pass move from quarantine to processed).

Trigger with conf:

```json
{"start": "2026-11-01", "end": "2026-11-03", "requested_by": "jane.doe",
 "reason": "rule AMOUNT_POSITIVE fixed in rules v1.4 (JIRA DQ-123)"}
```

`requested_by` and `reason` are required; the request is written to the audit trail
(stream `operators`) before anything runs, and each day's outcome after. Clearing a
request reruns its days (attempt 2, 3... in the audit trail); a request with a failed
day fails.
"""

LOCAL_ESCALATION = """\
# fdq_local_escalation (local runtime only)

Every 5 minutes: delivers the events still waiting in the local stand-in queues, then runs
the alert escalation check (`fintech_dq.events.local_delivery.run_escalation_check`, the
same code as the escalation checker Lambda), so an alert nobody resolves in time goes on
to tier 2 and 3 as the escalation policy says. On AWS an EventBridge Scheduler schedule
invokes the Lambda instead and this DAG does not exist (FDQ_RUNTIME=aws).
"""

TASKS = {
    "plan_run": "Decides the business date and the run id, and resolves bucket and job names.",
    "wait_for_batch": (
        "Waits (deferred, no worker slot held) until at least one file of the day is in "
        "`s3://<raw>/transactions/ingest_date=<date>/`."
    ),
    "settle_batch": (
        "Routine runs (scheduled, on arrival): waits until the day's partition has had no new "
        "or replaced file for FDQ_LANDING_QUIET_SECONDS (at most 2 hours), so a delivery "
        "that is still landing is not checked half-way. A manual run, a reprocess or a "
        "cleared run goes on at once. Returns the fingerprints (keys, sizes, ETags) of the "
        "partition and of the reference data (`reference/merchants/`)."
    ),
    "skip_if_checked": (
        "Routine runs: skips the rest of the run when the partition, the reference data and "
        "the rules file are the ones the day's last completed check read (a file announced "
        "twice; the scheduled run after the arrival run). A late or corrected file, a new "
        "merchants table, new rules, or a run someone cleared: the whole day is checked "
        "again; the log says why. (To rerun a run that skipped, clear the whole run or this "
        "task with its downstream: a cleared task after it stays skipped.)"
    ),
    "crawl": (
        "Crawls the day's partition into the Glue Data Catalog; a changed schema becomes a "
        "new table version. On AWS the Glue crawler, locally the same inference with Spark."
    ),
    "check_schema": (
        "Diffs the catalog's schema with the contract and the previous version. A breaking "
        "change emits `schema.changed` and stops the run here (no retries): fix the contract "
        "and clear this task, or have the sender re-deliver (the re-delivery starts a run "
        "of its own; else clear from `crawl`, so that the new files are crawled)."
    ),
    "validate": (
        "Runs the validation job: every row to processed, quarantine (with its reasons) or "
        "rejected; the results document to the audit bucket. Glue on AWS, spark-submit "
        "of the same script locally."
    ),
    "read_results": "Reads the results document the Glue job stored in the audit bucket.",
    "publish": (
        "Publishes the run: CloudWatch metrics, the events (validation.completed / "
        "validation.failed / batch.blocked) and the audit record; then records which "
        "partition was checked (`results/.../business_date=<date>/last_checked.json`)."
    ),
    "report": "Writes the day's HTML report (charts, trends) to the audit bucket.",
    "deliver_alerts": (
        "Local runtime only: delivers the pending events to the handlers (as EventBridge "
        "-> Lambda would), which open alerts and send the e-mails to the local inbox."
    ),
    "run_outcome": (
        "Skipped unless a task failed. Then it emits `run.failed` (the failed task, a link "
        "to this run), which opens the day's run.failed alert at once, and fails the run. "
        "(Locally deliver_alerts runs whatever happens, and Airflow "
        "judges a run by its last tasks.)"
    ),
    "escalation_check": (
        "Delivers pending local events, then moves every unresolved alert past its time to "
        "its next tier (at most one notification per tier); returns how many were sent."
    ),
    "announced_days": "Reads the landing events that started this run; one entry per day.",
    "trigger_daily": (
        "Triggers `transactions_dq_daily` per announced day: `arrival__<date>` first, "
        "`arrival__<date>__<hash>` for a later announcement of the day."
    ),
    "record_request": "Checks the request (days, who, why) and writes it to the audit trail.",
    "reprocess_day": (
        "Runs crawl, schema check, validation, publish and report for one day (its daily run "
        "`reprocess__<date>__<request>`; a cleared request clears and reruns it). Fails when "
        "the day's run fails; no retries (clear the request to try again)."
    ),
    "record_outcome": (
        "Writes each day's outcome (its daily run's state, and the data status of a run "
        "that succeeded) to the audit trail; fails the request when a day did not succeed."
    ),
}
