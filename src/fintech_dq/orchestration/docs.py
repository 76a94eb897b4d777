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
triggers `transactions_dq_daily` with run id `arrival__<date>`: a file (or a day) that is
announced twice starts one daily run.
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
        "validation.failed / batch.blocked) and the audit record."
    ),
    "report": "Writes the day's HTML report (charts, trends) to the audit bucket.",
    "deliver_alerts": (
        "Local runtime only: delivers the pending events to the handlers (as EventBridge "
        "-> Lambda would), which open alerts and send the e-mails to the local inbox."
    ),
    "announced_days": "Reads the landing events that started this run; one entry per day.",
    "trigger_daily": "Triggers `transactions_dq_daily` once per day (run id `arrival__<date>`).",
    "record_request": "Checks the request (days, who, why) and writes it to the audit trail.",
    "reprocess_day": "Runs crawl, schema check, validation, publish and report for one day.",
    "record_outcome": "Writes each reprocessed day's outcome to the audit trail.",
}
