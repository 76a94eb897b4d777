"""What each deployed role's code calls on AWS, as data: the list the IAM policies must allow.

One `Need` is one call a component makes: the API operation, the IAM action that authorises
it, the resource ARN and the condition keys of a representative request, and where in the
code it is made. The keys are built by the functions the code itself uses (PipelineLocations,
metrics_key, claim_key, diff_key, ...), so a changed layout changes this list with it.
`tests/infra/test_role_needs.py` evaluates every need against the role as deployed
(`policy_eval.evaluate`) and checks that the code paths named in `SCANNED` make no AWS call
this list leaves out, so a new call cannot ship without its permission.

Service-side permissions no code of ours calls (MWAA's own logs and Celery queues, Glue's
and Lambda's logs, X-Ray) are not listed; the exact action set test covers those.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from fintech_dq.pipeline.locations import PipelineLocations

# A representative request: any day and run give the same ARN shapes.
DAY = date(2026, 11, 28)
RUN_ID = "scheduled__2026-11-28"
MWAA = "mwaa-execution"
VALIDATION_JOB = "validation-job"


@dataclass(frozen=True)
class Need:
    api: str
    """The call as the code makes it, e.g. s3:HeadObject."""
    action: str
    """The IAM action that authorises it, e.g. s3:GetObject."""
    resource: str
    where: str
    context: Mapping[str, str] = field(default_factory=dict)


# The code paths each role runs, as module[:function,...]: every boto3 call in them must be
# an `api` of that role's needs (a whole module where every call is the role's own).
SCANNED: dict[str, tuple[str, ...]] = {
    MWAA: (
        "fintech_dq.orchestration.steps",
        "fintech_dq.orchestration.batch_state",
        "fintech_dq.orchestration.reprocess",
        "fintech_dq.orchestration.deadline",
        "fintech_dq.pipeline.publish",
        "fintech_dq.monitoring.publisher",
        "fintech_dq.monitoring.bucket_documents",
        "fintech_dq.report.publisher",
        "fintech_dq.events.publisher",
        "fintech_dq.schema.drift",
        "fintech_dq.schema.catalog:read_versions,partition_schema",
        "fintech_dq.audit.trail:append,_put_once,head,_list",
        "fintech_dq.storage:list_keys",
    ),
    VALIDATION_JOB: (
        "fintech_dq.storage",
        "fintech_dq.ingest.source",
        "fintech_dq.run_logs.run_log:flush",
    ),
    "alert-functions": (
        "fintech_dq.alerts.handlers",
        "fintech_dq.alerts.service",
        "fintech_dq.alerts.dispatch:send",
        "fintech_dq.alerts.store:get,scheduled,record_event,_recur,claim,reschedule,confirm,release",
        "fintech_dq.audit.trail:append,_put_once,head,_list",
        "fintech_dq.events.publisher",
        "fintech_dq.run_logs.run_log:flush",
    ),
}


class _Arns:
    def __init__(self, locations: PipelineLocations, region: str) -> None:
        self.where = locations
        self.prefix = f"{region}:{locations.account}"

    def s3(self, bucket: str, key: str | None = None) -> str:
        return f"arn:aws:s3:::{bucket}" + ("" if key is None else f"/{key}")

    def glue(self, kind: str, name: str) -> str:
        return f"arn:aws:glue:{self.prefix}:{kind}/{name}"

    def catalog(self) -> list[str]:
        """GetTable and co. are authorised on the catalog, the database and the table."""
        database = self.where.glue_database
        return [
            f"arn:aws:glue:{self.prefix}:catalog",
            self.glue("database", database),
            self.glue("table", f"{database}/{self.where.catalog_table}"),
        ]

    def of(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.prefix}:{resource}"


def _listing(arns: _Arns, bucket: str, prefix: str, where: str) -> Need:
    return Need("s3:ListObjectsV2", "s3:ListBucket", arns.s3(bucket), where, {"s3:prefix": prefix})


def _objects(arns: _Arns, bucket: str, key: str, calls: str, where: str) -> list[Need]:
    """calls: G GetObject, H HeadObject, P PutObject, D DeleteObjects (IAM: s3:DeleteObject)."""
    apis = {"G": ("GetObject", "GetObject"), "H": ("HeadObject", "GetObject"),
            "P": ("PutObject", "PutObject"), "D": ("DeleteObjects", "DeleteObject")}  # fmt: skip
    return [
        Need(f"s3:{apis[c][0]}", f"s3:{apis[c][1]}", arns.s3(bucket, key), where) for c in calls
    ]


def _audit_stream(arns: _Arns, stream: str) -> list[Need]:
    """AuditTrail.append: list the stream's day partitions and claims, read the head claim,
    claim the next sequence (conditional put), write the day's record."""
    from fintech_dq.audit.layout import claim_key, claims_prefix, record_key, stream_prefix

    where, bucket, prefix = "audit.trail.AuditTrail.append", arns.where.audit_bucket, "audit/"
    return [
        _listing(arns, bucket, stream_prefix(prefix, stream), where),
        _listing(arns, bucket, claims_prefix(prefix, stream), where),
        *_objects(arns, bucket, claim_key(prefix, stream, 1), "GP", where),
        *_objects(arns, bucket, record_key(prefix, stream, DAY.isoformat(), 2), "P", where),
    ]


def _data_key(data_key_arn: str, where: str) -> list[Need]:
    return [
        Need(f"kms:{a}", f"kms:{a}", data_key_arn, where) for a in ("Decrypt", "GenerateDataKey")
    ]


def mwaa_needs(locations: PipelineLocations, region: str, data_key_arn: str) -> list[Need]:
    """The DAGs' tasks on MWAA (dags/, fintech_dq.orchestration and what it calls)."""
    from fintech_dq.audit.layout import record_key
    from fintech_dq.monitoring.publisher import metrics_key
    from fintech_dq.monitoring.run_metrics import NAMESPACE
    from fintech_dq.orchestration.batch_state import checked_key
    from fintech_dq.report.publisher import index_key, reports_root
    from fintech_dq.schema.drift import diff_key

    arns, w = _Arns(locations, region), locations
    raw, audit = w.raw_bucket, w.audit_bucket
    needs = [
        _listing(arns, raw, w.landing_prefix(DAY), "S3KeySensor wait_for_batch; settle_batch"),
        _listing(arns, raw, w.merchants_prefix, "settle_batch (the reference data's fingerprint)"),
        *_objects(arns, audit, checked_key(w.results_prefix, DAY), "GP", "batch_state"),
        # A GET/HEAD of a missing key answers NoSuchKey/404 (not 403) only with ListBucket on
        # the bucket: read_checked, bucket_documents.exists and the report rely on it.
        Need("s3:GetObject", "s3:ListBucket", arns.s3(audit), "404 of a missing key"),
        *_objects(arns, audit, w.results_key(DAY, RUN_ID), "G", "steps.read_results, report"),
        _listing(arns, audit, w.results_prefix, "bucket_documents.results_history"),
        _listing(arns, audit, w.schema_prefix, "schema.drift.check_drift"),
        *_objects(arns, audit, diff_key(w, DAY, "3", "0" * 64, "1" * 64), "GP", "schema.drift"),
        *_objects(arns, audit, metrics_key(w, DAY, RUN_ID), "GHP", "monitoring.publisher"),
        # publish_run reads the day's `runs` records: one audit record per distinct results
        *_objects(arns, audit, record_key("audit/", "runs", DAY.isoformat(), 1), "G",
                  "pipeline.publish (a retry adds no second record)"),
        *_objects(arns, audit, w.report_key(DAY, RUN_ID), "GP", "report.publisher"),
        *_objects(arns, audit, index_key(w), "P", "report.publisher"),
        _listing(arns, audit, reports_root(w), "report.publisher._index"),
        *[n for stream in ("runs", "schema", "operators") for n in _audit_stream(arns, stream)],
        Need("cloudwatch:PutMetricData", "cloudwatch:PutMetricData", "*",
             "monitoring.publisher", {"cloudwatch:namespace": NAMESPACE}),
        Need("events:PutEvents", "events:PutEvents", arns.of("events", f"event-bus/{w.event_bus}"),
             "events.publisher (run events, schema.changed, sla.missed, run.failed)"),
        *[Need(f"glue:{a}", f"glue:{a}", arns.glue("crawler", w.crawler), "GlueCrawlerOperator")
          for a in ("GetCrawler", "StartCrawler")],
        *[Need(f"glue:{a}", f"glue:{a}", arns.glue("job", w.validation_job), "GlueJobOperator")
          for a in ("GetJob", "StartJobRun", "GetJobRun")],
        *[Need(f"glue:{a}", f"glue:{a}", arn, "schema.catalog")
          for a in ("GetTable", "GetTableVersions", "GetPartition") for arn in arns.catalog()],
        *[Need(api, action, arns.of("sqs", f"fdq-{w.env_name}-landing-events"),
               "MessageQueueTrigger (asset watcher)")
          for api, action in (("sqs:ReceiveMessage", "sqs:ReceiveMessage"),
                              ("sqs:DeleteMessageBatch", "sqs:DeleteMessage"))],
        *_data_key(data_key_arn, "SSE-KMS objects of bucket C, the encrypted landing queue"),
    ]  # fmt: skip
    return needs


def validation_job_needs(
    locations: PipelineLocations, region: str, data_key_arn: str
) -> list[Need]:
    """glue_jobs/validate_transactions.py: ingest, the engine (Spark writes through the
    same actions), results and run log; Glue reads the script and the core package."""
    from fintech_dq.run_logs.run_log import run_prefix

    arns, w = _Arns(locations, region), locations
    raw, processed, audit, artefacts = (
        w.raw_bucket, w.processed_bucket, w.audit_bucket, w.artefacts_bucket)  # fmt: skip
    landed = w.landing_prefix(DAY)
    staging = "glue/tmp/ingest-staging/fdq-ingest-0a1b/"
    needs = [
        _listing(arns, raw, landed, "ingest.source.Inputs"),
        *_objects(arns, raw, f"{landed}acquirer-001.csv", "GH", "ingest.source.Inputs"),
        _listing(arns, raw, w.merchants_prefix, "engine.lookups (reference table)"),
        *_objects(arns, raw, f"{w.merchants_prefix}merchants.csv", "G", "engine.lookups"),
        _listing(arns, processed, w.output_prefix("processed"), "engine.lookups (history)"),
        *[need for kind in ("processed", "quarantine", "rejected")
          for need in _objects(arns, processed, f"{w.output_prefix(kind)}business_date="
                               f"{DAY.isoformat()}/part-0.parquet", "GPD", "engine.outputs")],
        _listing(arns, audit, w.results_prefix, "engine.history.load_history"),
        *_objects(arns, audit, w.results_key(DAY, RUN_ID), "GP", "engine.runner, history"),
        *_objects(arns, audit, f"{run_prefix(w, RUN_ID)}glue-validate/x.jsonl", "P", "RunLog"),
        _listing(arns, artefacts, staging, "ingest staging under --TempDir"),
        *_objects(arns, artefacts, f"{staging}copy.csv", "GPD", "ingest staging"),
        *_objects(arns, artefacts, "glue/scripts/0a1b/validate_transactions.py", "G", "Glue"),
        *_objects(arns, artefacts, "glue/lib/fintech_dq-0-0a1b.zip", "G", "--extra-py-files"),
        Need("cloudwatch:PutMetricData", "cloudwatch:PutMetricData", "*", "--enable-metrics",
             {"cloudwatch:namespace": "Glue"}),
        *_data_key(data_key_arn, "SSE-KMS objects"),
    ]  # fmt: skip
    return needs


def function_needs(
    function: str, locations: PipelineLocations, region: str, data_key_arn: str
) -> list[Need]:
    """One alert function (fintech_dq.alerts.handlers): alert state, notifications, the
    audit trail's `alerts` stream, the run log, its dead-letter queue."""
    from fintech_dq.alerts import handlers
    from fintech_dq.alerts.store import BY_STATE_INDEX
    from fintech_dq.run_logs.run_log import run_prefix

    arns, w = _Arns(locations, region), locations
    table = arns.of("dynamodb", f"table/{w.alerts_table}")
    dispatcher = arns.of("lambda", f"function:fdq-{w.env_name}-{handlers.ALERT_DISPATCHER}")
    # handlers.dead_letter looks the queue up by this name
    dlq = arns.of("sqs", f"fdq-{w.env_name}-{function}-dlq")
    needs = [
        *_audit_stream(arns, "alerts"),
        *_data_key(data_key_arn, "bucket C, the alert table, topics and queues"),
        Need("sqs:SendMessage", "sqs:SendMessage", dlq, "Lambda's DeadLetterConfig"),
    ]
    if function in handlers.ROUTES:  # takes pipeline events: run log, poison events
        needs += [
            *_objects(arns, w.audit_bucket, f"{run_prefix(w, RUN_ID)}{function}/x.jsonl", "P",
                      "handlers._handle_pipeline_event (RunLog)"),
            Need("sqs:GetQueueUrl", "sqs:GetQueueUrl", dlq, "handlers.dead_letter"),
            *[Need(f"dynamodb:{a}", f"dynamodb:{a}", table, "alerts.store.record_event")
              for a in ("PutItem", "GetItem", "UpdateItem")],
        ]  # fmt: skip
    if function == handlers.ALERT_DISPATCHER:
        needs += [Need("sns:Publish", "sns:Publish", arns.of("sns", w.alert_topic(tier)),
                       "alerts.dispatch.SnsNotifier") for tier in (1, 2, 3)]  # fmt: skip
        needs.append(Need("events:PutEvents", "events:PutEvents",
                          arns.of("events", f"event-bus/{w.event_bus}"),
                          "alerts.service._announce (alert.escalated)"))  # fmt: skip
    else:
        needs.append(Need("lambda:Invoke", "lambda:InvokeFunction", dispatcher, "LambdaNotifier"))
    if function == handlers.ESCALATION_CHECKER:
        needs += [
            Need("dynamodb:Query", "dynamodb:Query", f"{table}/index/{BY_STATE_INDEX}",
                 "alerts.store.scheduled"),
            Need("dynamodb:UpdateItem", "dynamodb:UpdateItem", table, "alerts.store.claim"),
        ]  # fmt: skip
    return needs


def operator_reads(locations: PipelineLocations) -> list[Need]:
    """What people's commands read back from bucket C, years later too: `fdq audit verify`
    GETs every record of every stream, the run log is read by run id, reports are opened."""
    from fintech_dq.audit.layout import record_key
    from fintech_dq.audit.record import STREAMS
    from fintech_dq.run_logs.run_log import run_prefix

    arns, w = _Arns(locations, "any-region"), locations
    keys = [
        *[(record_key(w.audit_prefix, s, DAY.isoformat(), 1), "fdq audit verify") for s in STREAMS],
        (f"{run_prefix(w, RUN_ID)}glue-validate/x.jsonl", "run_logs.read_run_log"),
        (w.report_key(DAY, RUN_ID), "a person opens the report"),
    ]
    return [
        Need("s3:GetObject", "s3:GetObject", arns.s3(w.audit_bucket, k), why) for k, why in keys
    ]


def role_needs(
    locations: PipelineLocations, region: str, data_key_arn: str
) -> dict[str, list[Need]]:
    """Every listed role (named as fdq-<env>-<role>) and what its code calls."""
    from fintech_dq.alerts import handlers

    functions = (handlers.SCHEMA_CHANGE_PROCESSOR, handlers.VALIDATION_ISSUE_HANDLER,
                 handlers.ALERT_DISPATCHER, handlers.ESCALATION_CHECKER)  # fmt: skip
    return {
        MWAA: mwaa_needs(locations, region, data_key_arn),
        VALIDATION_JOB: validation_job_needs(locations, region, data_key_arn),
        **{f: function_needs(f, locations, region, data_key_arn) for f in functions},
    }
