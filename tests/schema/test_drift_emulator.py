"""Crawl, diff and act against the emulator's real Glue Data Catalog, S3 and EventBridge.

Each format gets a dataset of its own (its own catalog table and prefixes in the deployed
buckets): a clean day, its rerun, a day without change, a day with every change class, and
that day's rerun. Events are observed through an SQS queue behind an extra rule on the bus.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fintech_dq.audit import AuditTrail
from fintech_dq.contract import ColumnSpec, DatasetRules
from fintech_dq.pipeline.locations import PipelineLocations
from fintech_dq.pipeline.staging import upload_tree
from fintech_dq.sample import DefectMix, generate_day
from fintech_dq.schema import CatalogTableMissing, check_drift, crawl_locally

DAY1, DAY2, DAY3 = date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26)
ROWS = 30
Row = dict[str, Any]


@pytest.fixture(scope="module")
def base_rows(tmp_path_factory: pytest.TempPathFactory) -> list[Row]:
    """A clean generated day as text values (None for empty)."""
    root = tmp_path_factory.mktemp("sample")
    generate_day(root, DAY1, ROWS, 7, DefectMix.named("none"), formats=("csv",))
    (path,) = sorted(root.glob("transactions/ingest_date=*/*.csv"))
    with path.open(newline="", encoding="utf-8") as handle:
        return [{k: (v or None) for k, v in row.items()} for row in csv.DictReader(handle)]


@pytest.fixture(scope="module")
def events(local_stack: Any) -> Iterator[Callable[[str], list[dict[str, Any]]]]:
    """Drains `schema.changed` events of a dataset from a queue fed by an extra rule."""
    sqs, bus = local_stack.client("sqs"), local_stack.client("events")
    url = sqs.create_queue(QueueName="schema-drift-test-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    bus.put_rule(
        Name="schema-drift-test",
        EventBusName="fdq-local",
        EventPattern=json.dumps({"detail-type": ["schema.changed"]}),
    )
    bus.put_targets(
        Rule="schema-drift-test",
        EventBusName="fdq-local",
        Targets=[{"Id": "queue", "Arn": arn["QueueArn"]}],
    )
    seen: list[dict[str, Any]] = []

    def drain(dataset: str) -> list[dict[str, Any]]:
        while True:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            messages = got.get("Messages", [])
            if not messages:
                break
            for message in messages:
                seen.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return [e for e in seen if json.dumps(e["detail"]).count(f'"{dataset}"')]

    yield drain
    bus.remove_targets(Rule="schema-drift-test", EventBusName="fdq-local", Ids=["queue"])
    bus.delete_rule(Name="schema-drift-test", EventBusName="fdq-local")


# --- writing a day in each format ---------------------------------------------------------
def _changed(rows: list[Row], nested: bool) -> tuple[list[str], list[Row]]:
    """Every change class at once: removed, renamed, added, reordered, retyped, widened,
    narrowed (and, for JSON and Parquet, nested fields; for Parquet, nullability)."""
    changed = []
    for index, row in enumerate(rows):
        new = dict(row)
        del new["settled_at"]  # removed
        new["counterparty_bic_code"] = new.pop("counterparty_bic")  # renamed
        new["loyalty_points"] = str(index * 10)  # added
        created = datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
        new["created_at"] = str(int(created.timestamp()))  # retyped: epoch seconds
        new["amount"] = f"{row['amount']} {row['currency']}"  # widened: no longer a number
        new["fee_amount"] = str(index)  # narrowed: whole numbers (Parquet: decimal(12,2))
        if nested:
            new["meta"] = {"score": "high", "tag": "t"}  # source removed, score retyped, tag new
        changed.append({"channel": new.pop("channel"), **new})  # reordered
    return list(changed[0]), changed


def _with_meta(rows: list[Row]) -> list[Row]:
    return [{**row, "meta": {"source": "app", "score": str(i % 5)}} for i, row in enumerate(rows)]


def write_csv(folder: Path, columns: list[str], rows: list[Row]) -> None:
    with (folder / "cardnet-001.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)


def write_jsonl(folder: Path, columns: list[str], rows: list[Row]) -> None:
    lines = [json.dumps({c: row.get(c) for c in columns}) for row in rows]
    (folder / "openbank-001.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _arrow_type(name: str, contract: dict[str, ColumnSpec], changed: bool) -> pa.DataType:
    if name == "meta":
        fields = ["score", "tag"] if changed else ["source", "score"]
        types = {"source": pa.string(), "score": pa.string() if changed else pa.int32(),
                 "tag": pa.string()}  # fmt: skip
        return pa.struct([(f, types[f]) for f in fields])
    if changed and name == "amount":
        return pa.decimal128(38, 18)  # widened
    if changed and name == "fee_amount":
        return pa.decimal128(12, 2)  # narrowed
    if changed and name in ("created_at", "loyalty_points"):
        return pa.int64()  # created_at retyped
    spec = contract.get(name)
    if spec is None or spec.kind == "string":
        return pa.string()
    if spec.kind == "timestamp":
        return pa.timestamp("us", tz="UTC")
    return pa.decimal128(*spec.precision_scale)


def _arrow_value(value: Any, kind: pa.DataType) -> Any:
    if value is None or isinstance(value, dict):
        if isinstance(value, dict) and "score" in value and pa.types.is_struct(kind):
            score_type = kind.field("score").type
            return {**value, "score": int(value["score"]) if pa.types.is_integer(score_type)
                    else value["score"]}  # fmt: skip
        return value
    if pa.types.is_decimal(kind):
        return Decimal(value.split(" ")[0])
    if pa.types.is_timestamp(kind):
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    if pa.types.is_integer(kind):
        return int(value)
    return value


def writer_parquet(contract: dict[str, ColumnSpec]) -> Callable[..., None]:
    def write(folder: Path, columns: list[str], rows: list[Row], changed: bool = False) -> None:
        fields = []
        for name in columns:
            kind = _arrow_type(name, contract, changed)
            nullable = not (changed and name == "transaction_id")  # nullability changes
            fields.append(pa.field(name, kind, nullable=nullable))
        schema = pa.schema(fields)
        data = {
            f.name: pa.array([_arrow_value(r.get(f.name), f.type) for r in rows], f.type)
            for f in schema
        }
        pq.write_table(pa.table(data, schema=schema), folder / "ledger-001.parquet")

    return write


# --- the scenario ---------------------------------------------------------------------------
COMMON = {
    ("removed", "settled_at", "breaking"),
    ("renamed", "counterparty_bic", "breaking"),
    ("added", "loyalty_points", "additive"),
    ("reordered", "channel", "additive"),
    ("retyped", "created_at", "breaking"),
    ("widened", "amount", "breaking"),
}
NESTED = {
    ("nested_removed", "meta.source", "additive"),
    ("nested_added", "meta.tag", "additive"),
    ("nested_retyped", "meta.score", "additive"),
}


def changes_of(outcome: Any, against: str) -> set[tuple[str, str, str]]:
    return {
        (c["kind"], c["column"], c["classification"])
        for c in outcome.diff["changes"]
        if c["against"] == against
    }


def audited(where: PipelineLocations, settings: Any) -> list[tuple[str, str, str]]:
    """(action, actor, decision) of the schema stream's records about this dataset."""
    records = AuditTrail(where, settings).records("schema")
    return [
        (r.action, r.actor, r.details["decision"])
        for r in records
        if str(r.subject).startswith(f"{where.dataset}/")
    ]


def version_count(glue: Any, where: PipelineLocations) -> int:
    found = glue.get_table_versions(DatabaseName=where.glue_database, TableName=where.dataset)
    return len(found["TableVersions"])


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_drift_is_detected_classified_and_acted_on_once(
    fmt: str,
    local_stack: Any,
    spark: Any,
    transactions_rules: DatasetRules,
    base_rows: list[Row],
    events: Callable[[str], list[dict[str, Any]]],
    tmp_path: Path,
) -> None:
    where = PipelineLocations(env_name="local", account=local_stack.account, dataset=f"drift_{fmt}")
    s3, glue = local_stack.client("s3"), local_stack.client("glue")
    contract = {c.name: c for c in transactions_rules.columns}
    write: Callable[..., None] = {"csv": write_csv, "jsonl": write_jsonl}.get(
        fmt, writer_parquet(contract)
    )
    nested = fmt != "csv"
    clean = _with_meta(base_rows) if nested else base_rows
    columns = list(clean[0])

    def land(day: date, rows: list[Row], cols: list[str], changed: bool = False) -> None:
        folder = tmp_path / day.isoformat()
        folder.mkdir(exist_ok=True)
        write(folder, cols, rows, **({"changed": True} if changed and fmt == "parquet" else {}))
        upload_tree(s3, folder, where.raw_bucket, where.landing_prefix(day))

    def crawl(day: date) -> Any:
        return crawl_locally(where, day, local_stack.settings, spark, rules=transactions_rules)

    def check(day: date, run: str) -> Any:
        return check_drift(where, day, run, local_stack.settings, rules=transactions_rules)

    # a clean day: the table is created; nothing breaks (JSON/Parquet carry an extra column)
    land(DAY1, clean, columns)
    first = crawl(DAY1)
    assert (first.action, first.version_id) == ("created", "1")
    outcome = check(DAY1, "run-1")
    assert not outcome.breaking and outcome.acted
    assert changes_of(outcome, "contract") == ({("added", "meta", "additive")} if nested else set())
    # its rerun: no new version, the stored diff is found, nothing is emitted again
    assert crawl(DAY1).action == "unchanged"
    assert not check(DAY1, "run-1-again").acted
    # a day without change raises nothing
    land(DAY2, clean, columns)
    assert crawl(DAY2).action == "unchanged"
    quiet = check(DAY2, "run-2")
    assert not quiet.breaking and quiet.diff["changes"] == outcome.diff["changes"]
    assert version_count(glue, where) == 1
    assert events(where.dataset) == []
    detected = ("schema.drift_detected", "fdq-schema-check")
    assert audited(where, local_stack.settings) == ([(*detected, "additive")] if nested else [])

    # a day not crawled has no diff: the latest version is another day's schema
    with pytest.raises(CatalogTableMissing, match=f"no partition {DAY3.isoformat()} of"):
        check(DAY3, "run-3-uncrawled")

    # every change class at once
    changed_columns, changed_rows = _changed(clean, nested)
    land(DAY3, changed_rows, changed_columns, changed=True)
    update = crawl(DAY3)
    assert (update.action, update.version_id, update.previous_version_id) == ("updated", "2", "1")
    drift = check(DAY3, "run-3")
    assert drift.breaking and drift.acted and drift.decision == "breaking"
    expected = COMMON | ({("added", "meta", "additive")} if nested else set())
    assert changes_of(drift, "contract") == expected
    versus_previous = changes_of(drift, "previous_version")
    assert COMMON - {("added", "loyalty_points", "additive")} <= versus_previous
    assert ("added", "loyalty_points", "additive") in versus_previous
    # declared narrower, it still fits; in text, whole numbers fit the known type: no change
    narrowed = ("narrowed", "fee_amount", "additive") in versus_previous
    assert narrowed == (fmt == "parquet")
    assert versus_previous.issuperset(NESTED) == nested
    has_nullability = ("nullability", "transaction_id", "additive") in versus_previous
    assert has_nullability == (fmt == "parquet")  # only Parquet declares nullability
    stored = s3.get_object(Bucket=where.audit_bucket, Key=drift.key)["Body"].read()
    assert json.loads(stored)["changes"] == drift.diff["changes"]
    (event,) = events(where.dataset)
    assert (event["detail-type"], event["detail"]["severity"]) == ("schema.changed", "critical")
    assert event["detail"]["links"]["diff"] == where.s3_uri(where.audit_bucket, drift.key)
    breaking = {(c["kind"], c["column"]) for c in event["detail"]["payload"]["breaking_changes"]}
    assert ("removed", "settled_at") in breaking
    cloudwatch = local_stack.client("cloudwatch")
    points = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "breaking",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "FintechDQ",
                        "MetricName": "BreakingSchemaChanges",
                        "Dimensions": [
                            {"Name": "Environment", "Value": where.env_name},
                            {"Name": "Dataset", "Value": where.dataset},
                        ],
                    },
                    "Period": 60,
                    "Stat": "Maximum",
                },
            }
        ],
        StartTime=datetime.now(UTC) - timedelta(hours=1),
        EndTime=datetime.now(UTC) + timedelta(minutes=5),
    )["MetricDataResults"][0]["Values"]
    assert points and max(points) >= len(breaking)  # what the breaking-schema alarm watches

    # the rerun of the changed day: no new version, no second event
    assert crawl(DAY3).action == "unchanged"
    again = check(DAY3, "run-3-again")
    assert again.breaking and not again.acted and again.key == drift.key
    assert version_count(glue, where) == 2
    assert len(events(where.dataset)) == 1
    assert audited(where, local_stack.settings)[-1] == (*detected, "breaking")
    assert len(audited(where, local_stack.settings)) == (2 if nested else 1)


def test_text_days_after_declared_types_are_no_schema_change(
    local_stack: Any,
    spark: Any,
    transactions_rules: DatasetRules,
    base_rows: list[Row],
    tmp_path: Path,
) -> None:
    """A day of CSV and Parquet, then CSV-only days (one with every fee a whole number): text
    infers double and bigint where Parquet declared decimals, and digits (mcc) as bigint;
    each fits the type the catalog knows, so no new version and no change is reported."""
    where = PipelineLocations(env_name="local", account=local_stack.account, dataset="drift_mix")
    s3, glue = local_stack.client("s3"), local_stack.client("glue")
    contract = {c.name: c for c in transactions_rules.columns}
    columns = list(base_rows[0])

    def land(day: date, *writers: Callable[[Path], None]) -> None:
        folder = tmp_path / day.isoformat()
        folder.mkdir()
        for write in writers:
            write(folder)
        upload_tree(s3, folder, where.raw_bucket, where.landing_prefix(day))

    def as_csv(rows: list[Row]) -> Callable[[Path], None]:
        return lambda folder: write_csv(folder, columns, rows)

    whole_fees = [{**row, "fee_amount": str(i)} for i, row in enumerate(base_rows)]
    land(
        DAY1, as_csv(base_rows), lambda folder: writer_parquet(contract)(folder, columns, base_rows)
    )
    land(DAY2, as_csv(base_rows))
    land(DAY3, as_csv(whole_fees))
    for day in (DAY1, DAY2, DAY3):
        update = crawl_locally(where, day, local_stack.settings, spark, rules=transactions_rules)
        assert update.action == ("created" if day == DAY1 else "unchanged"), update.as_dict()
        outcome = check_drift(
            where, day, f"run-{day}", local_stack.settings, rules=transactions_rules
        )
        assert outcome.diff["changes"] == [], outcome.diff["changes"]
    table = glue.get_table(DatabaseName=where.glue_database, Name=where.dataset)["Table"]
    types = {c["Name"]: c["Type"] for c in table["StorageDescriptor"]["Columns"]}
    assert (types["amount"], types["fee_amount"], types["mcc"]) == (
        "decimal(20,4)",
        "decimal(20,4)",
        "string",
    )
    assert version_count(glue, where) == 1
    partition = glue.get_partition(
        DatabaseName=where.glue_database,
        TableName=where.dataset,
        PartitionValues=[DAY2.isoformat()],
    )["Partition"]
    assert partition["Parameters"]["classification"] == "csv"  # the day's own formats


def test_a_corrected_redelivery_is_judged_afresh_and_a_dry_run_changes_nothing(
    local_stack: Any,
    spark: Any,
    transactions_rules: DatasetRules,
    base_rows: list[Row],
    events: Callable[[str], list[dict[str, Any]]],
    tmp_path: Path,
) -> None:
    """A day broke the schema; another day made the clean schema the latest table version
    again; the broken day was checked against it; then its sender re-delivered it fixed.
    Its columns now equal the latest version (no new version), so only the day's crawled
    schema in the diff's key tells the stored, breaking diff from the corrected files."""
    where = PipelineLocations(env_name="local", account=local_stack.account, dataset="drift_fix")
    s3 = local_stack.client("s3")
    columns = list(base_rows[0])
    broken_columns = ["amt" if c == "amount" else c for c in columns]
    broken_rows = [{("amt" if k == "amount" else k): v for k, v in r.items()} for r in base_rows]

    def land(day: date, cols: list[str], rows: list[Row]) -> None:
        folder = tmp_path / f"{day.isoformat()}-{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        write_csv(folder, cols, rows)
        upload_tree(s3, folder, where.raw_bucket, where.landing_prefix(day))

    def crawl(day: date) -> Any:
        return crawl_locally(where, day, local_stack.settings, spark, rules=transactions_rules)

    def check(day: date, run: str, act: bool = True) -> Any:
        return check_drift(where, day, run, local_stack.settings, rules=transactions_rules, act=act)

    land(DAY1, columns, base_rows)
    crawl(DAY1)
    land(DAY2, broken_columns, broken_rows)
    crawl(DAY2)
    assert check(DAY2, "broken").breaking
    land(DAY3, columns, base_rows)
    assert crawl(DAY3).action == "updated"  # the clean schema is the latest version again
    stored_before = len(list_objects(s3, where.audit_bucket, where.schema_prefix))
    seen_before = len(events(where.dataset))
    dry = check(DAY2, "investigating", act=False)
    assert dry.breaking and not dry.acted
    assert len(list_objects(s3, where.audit_bucket, where.schema_prefix)) == stored_before
    assert len(events(where.dataset)) == seen_before
    assert check(DAY2, "against-v3").breaking  # still the broken files: right

    land(DAY2, columns, base_rows)  # the sender's fix replaces the file
    assert crawl(DAY2).action == "unchanged"  # equal to the latest version: no new one
    fixed = check(DAY2, "after-fix")
    assert not fixed.breaking and fixed.acted


def list_objects(s3: Any, bucket: str, prefix: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [o["Key"] for page in pages for o in page.get("Contents", [])]
