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
* **Rerun** (Clear in the UI, or `airflow tasks clear`) replaces that day's outputs; the
  events carry deterministic ids, so no alert is sent twice.

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
(stream `operators`) before anything runs, and each day's outcome after.
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
        "that is still landing is not checked half-way. A manual run or a reprocess goes on "
        "at once. Returns the partition's fingerprint (keys, sizes, ETags)."
    ),
    "skip_if_checked": (
        "Routine runs: skips the rest of the run when the partition and the rules file are "
        "the ones the day's last completed check read (a file announced twice; the scheduled "
        "run after the arrival run). A late or corrected file, or new rules: the whole day is "
        "checked again; the log says why."
    ),
    "crawl": (
        "Crawls the day's partition into the Glue Data Catalog; a changed schema becomes a "
        "new table version. On AWS the Glue crawler, locally the same inference with Spark."
    ),
    "check_schema": (
        "Diffs the catalog's schema with the contract and the previous version. A breaking "
        "change emits `schema.changed` and stops the run here (no retries): fix the sender or "
        "the contract, then clear this task."
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
        "Local runtime only: fails the run when any task failed (skipped otherwise). "
        "deliver_alerts runs whatever happens, and Airflow judges a run by its last tasks."
    ),
    "announced_days": "Reads the landing events that started this run; one entry per day.",
    "trigger_daily": (
        "Triggers `transactions_dq_daily` per announced day: `arrival__<date>` first, "
        "`arrival__<date>__<hash>` for a later announcement of the day."
    ),
    "record_request": "Checks the request (days, who, why) and writes it to the audit trail.",
    "reprocess_day": "Runs crawl, schema check, validation, publish and report for one day.",
    "record_outcome": "Writes each reprocessed day's outcome to the audit trail.",
}
