"""The drift check the DAG runs after the crawl, before validation: diff, store, act.

The diff document goes to bucket C under a key made of the business date, the catalog
table version, the rules file's hash and the day's crawled schema, so a rerun of the same
day against the same catalog, contract and files finds its document and does nothing
again: no second event, no second audit record; corrected files are judged afresh. The
event and the audit record come before the document, which is written last as the mark
that the change was acted on; a crash in between re-emits the same deterministic event
id, which consumers deduplicate.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from fintech_dq.contract import DatasetRules
from fintech_dq.infra import aws
from fintech_dq.masked_documents import masked
from fintech_dq.pipeline.locations import PipelineLocations
from fintech_dq.pipeline.staging import list_keys
from fintech_dq.schema.catalog import partition_schema, read_versions
from fintech_dq.schema.diff import SchemaChange, diff_against_contract, diff_versions
from fintech_dq.schema.model import TableSchema
from fintech_dq.schema.policy import ADDITIVE, BREAKING, policy_of

EVENT_TYPE = "schema.changed"
AUDIT_STREAM = "schema"
ACTOR = "fdq-schema-check"


class CatalogTableMissing(LookupError):
    """No table to check: the crawl has not run (or found nothing)."""


@dataclass(frozen=True)
class DriftOutcome:
    breaking: bool
    additive: bool
    diff: dict[str, Any]
    key: str  # of the diff document in bucket C
    acted: bool  # False when an earlier run of the same day already stored and acted on it

    @property
    def decision(self) -> str:
        return str(self.diff["decision"])


def diff_key(
    locations: PipelineLocations, business_date: date, version: str, sha: str, day_sha: str
) -> str:
    """The day's crawled schema is part of the key: a corrected re-delivery that makes no new
    table version (its columns equal the latest) must be judged again, not by the stored
    diff of the broken files."""
    return (
        f"{locations.schema_prefix}business_date={business_date.isoformat()}/"
        f"table_version={version}/rules_sha256={sha[:16]}/day_schema={day_sha[:16]}/diff.json"
    )


def schema_sha256(schema: TableSchema) -> str:
    return hashlib.sha256(json.dumps(schema.as_dict(), sort_keys=True).encode()).hexdigest()


def crawled_day_schema(glue: Any, locations: PipelineLocations, business_date: date) -> TableSchema:
    """The schema the crawl recorded for the day; CatalogTableMissing when the day was not
    crawled (the table's latest version is then another day's schema, not this day's)."""
    day = business_date.isoformat()
    schema = partition_schema(glue, locations, day)
    if schema is None:
        raise CatalogTableMissing(
            f"no partition {day} of {locations.glue_database}.{locations.catalog_table} in "
            f"the catalog: crawl the day first (fdq schema crawl --date {day})"
        )
    return schema


def check_drift(
    locations: PipelineLocations,
    business_date: date,
    run_id: str,
    settings: aws.AwsSettings | None = None,
    *,
    rules: DatasetRules | None = None,
    act: bool = True,
) -> DriftOutcome:
    """Diff the catalog's latest schema with the contract and the previous version, store
    the diff in bucket C, and on a breaking change emit `schema.changed` and audit it.
    act=False (`fdq schema diff --dry-run`, for investigating): the same diff, nothing
    stored, emitted, audited or counted."""
    if rules is None:
        from fintech_dq.rules import load_dataset_rules

        rules = load_dataset_rules(locations.dataset)
    glue = aws.client("glue", settings)
    s3 = aws.client("s3", settings)
    versions = read_versions(glue, locations)
    if versions.latest is None or versions.latest.version_id is None:
        raise CatalogTableMissing(
            f"no table {locations.glue_database}.{locations.catalog_table} in the catalog: "
            "crawl the landed partition first"
        )
    latest = versions.latest
    version_id = str(latest.version_id)
    day_schema = crawled_day_schema(glue, locations, business_date)
    key = diff_key(
        locations, business_date, version_id, rules.source_sha256, schema_sha256(day_schema)
    )
    keys = list_keys(s3, locations.audit_bucket, locations.schema_prefix)
    if key in keys:
        stored = json.loads(s3.get_object(Bucket=locations.audit_bucket, Key=key)["Body"].read())
        return _outcome(stored, key, acted=False)
    policy = policy_of(rules)
    changes = diff_against_contract(day_schema, rules, policy)
    marker = f"/table_version={version_id}/"
    new_version = not any(marker in k and f"={business_date.isoformat()}/" not in k for k in keys)
    if new_version and versions.previous is not None:
        changes += diff_versions(versions.previous, latest, rules, policy)
    document = _document(locations, business_date, run_id, rules, versions, new_version, changes)
    document["links"] = {"diff": locations.s3_uri(locations.audit_bucket, key)}
    # Column names are as the sender wrote them and may hold a PAN: the document (stored in
    # bucket C under Object Lock, audited, sent in the event) is masked whole.
    document = masked(document)
    outcome = _outcome(document, key, acted=act)
    if not act:
        return outcome
    if changes and (new_version or outcome.breaking):  # a standing warning: audited once
        _audit(locations, settings, run_id, document)
    if outcome.breaking:
        _publish(locations, settings, business_date, run_id, document)
    if changes:
        from fintech_dq.monitoring.publisher import publish_schema_change_metrics

        publish_schema_change_metrics(locations, document, settings)
    s3.put_object(
        Bucket=locations.audit_bucket,
        Key=key,
        Body=json.dumps(document, indent=2, sort_keys=True).encode("utf-8"),
        ContentType="application/json",
    )
    return outcome


def _document(
    locations: PipelineLocations,
    business_date: date,
    run_id: str,
    rules: DatasetRules,
    versions: Any,
    new_version: bool,
    changes: list[SchemaChange],
) -> dict[str, Any]:
    classes = {change.classification for change in changes}
    decision = BREAKING if BREAKING in classes else ADDITIVE if classes else "none"
    latest, previous = versions.latest, versions.previous
    return {
        "dataset": locations.dataset,
        "business_date": business_date.isoformat(),
        "run_id": run_id,
        "checked_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "catalog": {
            "database": locations.glue_database,
            "table": locations.catalog_table,
            "version_id": latest.version_id,
            "previous_version_id": previous.version_id if previous else None,
            "new_version": new_version,
            "first_seen_partition": versions.latest_parameters.get("fdq.first_seen_partition"),
        },
        "contract": {
            "rules_version": rules.version,
            "rules_sha256": rules.source_sha256,
            "columns": [{"name": c.name, "type": c.type} for c in rules.columns],
        },
        "decision": decision,
        "counts": {
            BREAKING: sum(c.classification == BREAKING for c in changes),
            ADDITIVE: sum(c.classification == ADDITIVE for c in changes),
        },
        "changes": [change.as_dict() for change in changes],
        "schema": latest.as_dict(),
        "previous_schema": previous.as_dict() if previous else None,
    }


def _outcome(document: dict[str, Any], key: str, acted: bool) -> DriftOutcome:
    counts = document["counts"]
    return DriftOutcome(
        breaking=counts[BREAKING] > 0,
        additive=counts[ADDITIVE] > 0,
        diff=document,
        key=key,
        acted=acted,
    )


def summary_of(document: dict[str, Any]) -> str:
    counts = document["counts"]
    return (
        f"{document['dataset']} {document['business_date']}: schema {document['decision']} "
        f"({counts[BREAKING]} breaking, {counts[ADDITIVE]} additive change(s) in catalog "
        f"version {document['catalog']['version_id']})"
    )


def _audit(
    locations: PipelineLocations,
    settings: aws.AwsSettings | None,
    run_id: str,
    document: dict[str, Any],
) -> None:
    from fintech_dq.audit import AuditTrail
    from fintech_dq.audit.record import day_subject

    AuditTrail(locations, settings).append(
        AUDIT_STREAM,
        "schema.drift_detected",
        ACTOR,
        run_id=run_id,
        subject=day_subject(document["dataset"], document["business_date"]),
        details={
            "decision": document["decision"],
            "catalog": document["catalog"],
            "changes": document["changes"],
            "diff": document["links"]["diff"],
        },
    )


def _publish(
    locations: PipelineLocations,
    settings: aws.AwsSettings | None,
    business_date: date,
    run_id: str,
    document: dict[str, Any],
) -> None:
    from fintech_dq.events import PipelineEvent, publish_event

    breaking = [c for c in document["changes"] if c["classification"] == BREAKING]
    event = PipelineEvent(
        event_type=EVENT_TYPE,
        dataset=locations.dataset,
        business_date=business_date,
        run_id=run_id,
        severity="critical",
        summary=summary_of(document),
        payload={
            "decision": document["decision"],
            "catalog": document["catalog"],
            "counts": document["counts"],
            "breaking_changes": breaking[:50],
            "dedup_key": document["links"]["diff"],  # one event per day, version, contract
        },
        links=dict(document["links"]),
        occurred_at=datetime.now(UTC),
    )
    publish_event(event, locations, settings)
