"""Hand-written deliveries a sender may really make, through the real engine: JSON Lines
without null keys, a card number in a line that cannot be parsed, Parquet timestamps in
nanoseconds, and a rules file whose pattern only Java can judge."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from clean_row import DAY, ROW
from clean_row import validate_day as _validate
from fintech_dq.contract import ColumnSpec, RulesFileError, load_rules_text
from fintech_dq.ingest.file_findings import schema_findings
from fintech_dq.rules import rules_path

PAN = "4111111111111111"


def _row(**changes: str) -> dict[str, str]:
    return {**ROW, **changes}


def _outcome(document: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in document["rule_results"] if r["rule_id"] == rule_id)


def _rows(out: Path, kind: str) -> dict[str, dict[str, Any]]:
    table = pq.read_table(out / kind / f"business_date={DAY}")
    return {r["transaction_id"]: r for r in table.to_pylist()}


# --- JSON Lines: a key left out is a null, not a removed column ---------------------------


def _columns() -> list[ColumnSpec]:
    return [
        ColumnSpec("transaction_id", "string", required=True),
        ColumnSpec("fee_amount", "decimal(20,4)"),
        ColumnSpec("counterparty_iban", "string"),
    ]


def test_a_json_key_no_record_has_is_a_null_column_unless_mandatory() -> None:
    assert schema_findings("d/j-001.jsonl", ["transaction_id"], _columns(), True) == []
    (breaking,) = schema_findings("d/j-001.jsonl.gz", ["fee_amount"], _columns(), True)
    assert breaking.kind == "schema_breaking" and breaking.columns == ("transaction_id",)
    assert breaking.message == (
        "file d/j-001.jsonl.gz: no sampled record has the mandatory columns transaction_id"
    )


def test_a_json_key_renamed_is_named_beside_the_absent_column() -> None:
    (additive,) = schema_findings("d/j.json", ["transaction_id", "fee"], _columns(), True)
    assert additive.kind == "schema_additive" and additive.columns == ("fee",)
    assert additive.message == (
        "file d/j.json: columns not in the contract: fee (contract columns in no sampled "
        "record, read as null: fee_amount, counterparty_iban; renamed?)"
    )


def test_a_csv_header_without_a_column_still_breaks() -> None:
    (breaking,) = schema_findings("d/s-001.csv", ["transaction_id"], _columns())
    assert breaking.columns == ("fee_amount", "counterparty_iban")


def test_json_lines_written_without_null_keys_pass(
    spark: Any, transactions_rules: Any, tmp_path: Path
) -> None:
    day = tmp_path / "in" / f"ingest_date={DAY}"
    day.mkdir(parents=True)
    records = [_row(transaction_id=f"TXOMIT{i:04d}") for i in range(3)]
    # as Spark's JSON writer: no key for a null value
    lines = [json.dumps({k: v for k, v in r.items() if v != ""}) for r in records]
    (day / "j-001.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    document = _validate(spark, transactions_rules, day, tmp_path / "out")

    assert document["status"] == "passed", document["status_reasons"]
    assert document["counts"]["processed"] == 3
    assert _outcome(document, "batch.schema_breaking")["status"] == "passed"


# --- a card number in a line the engine rejects blocks the batch --------------------------


def _csv(rows: list[dict[str, str]]) -> str:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(list(ROW))
    for row in rows:
        writer.writerow(list(row.values()))
    return text.getvalue()


def test_a_card_number_in_a_rejected_line_blocks_the_batch(
    spark: Any, transactions_rules: Any, tmp_path: Path
) -> None:
    day = tmp_path / "in" / f"ingest_date={DAY}"
    day.mkdir(parents=True)
    text = _csv([_row(transaction_id="TXLEAK0301")])
    (day / "s-003.csv").write_text(
        text + f'TXLEAK0302,AC1,"CU {PAN},PURCHASE\nTXLEAK0303,AC1,"unclosed\n',
        encoding="utf-8",
    )
    document = _validate(spark, transactions_rules, day, tmp_path / "out")

    assert document["status"] == "blocked"
    assert document["blocked_by"] == ["card_number.unmasked"]
    outcome = _outcome(document, "card_number.unmasked")
    assert outcome["failures"] == 1
    assert outcome["details"] == [
        f"1 rejected line(s) of {day / 's-003.csv'} hold an unmasked card number (line 3); "
        "rejected/ shows them masked"
    ]
    assert [(s["source_file"], s["source_line"]) for s in outcome["samples"]] == [
        (str(day / "s-003.csv"), 3)
    ]
    assert document["counts"]["rejected"] == 2  # the line without a card number too
    assert document["counts"]["balanced"]
    results = Path(document["outputs"]["quarantine"]).parents[1] / "results"
    for written in [*results.rglob("*.json"), *(tmp_path / "out").rglob("*.parquet")]:
        assert PAN not in written.read_bytes().decode("utf-8", "replace")


def test_a_card_number_in_a_column_outside_the_contract_blocks_the_batch(
    spark: Any, transactions_rules: Any, tmp_path: Path
) -> None:
    """An extra CSV column, a JSON key the contract does not name (holding an object), an
    extra Parquet column: each is "any text column" of the contract's PCI rule."""
    day = tmp_path / "in" / f"ingest_date={DAY}"
    day.mkdir(parents=True)
    visa, mastercard, amex = PAN, "5555555555554444", "378282246310005"
    note = {"TXNOTE0001": f"card {visa} given by phone", "TXNOTE0002": "called back"}
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([*ROW, "note"])
    for transaction_id, said in note.items():
        writer.writerow([*_row(transaction_id=transaction_id).values(), said])
    (day / "s-001.csv").write_text(text.getvalue(), encoding="utf-8")
    memo = {"TXMEMO0001": {"text": f"pan {mastercard}"}, "TXMEMO0002": {"text": "none"}}
    lines = [
        json.dumps({**{k: v for k, v in _row(transaction_id=t).items() if v}, "memo": m})
        for t, m in memo.items()
    ]
    (day / "j-001.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # A key outside the contract first written after the first 1,000 records (no sample
    # of the file's keys sees it), and a card number in a contract column of JSON Lines
    # (its own column named, not "outside the contract" as well).
    plain = [_row(transaction_id=f"TXLATE{n:04d}") for n in range(1, 1101)]
    plain[1050]["x_late"] = f"cb {mastercard}"
    plain[1060]["customer_id"] = f"CU {visa}"
    late = [json.dumps({k: v for k, v in row.items() if v}) for row in plain]
    (day / "j-002.jsonl").write_text("\n".join(late) + "\n", encoding="utf-8")
    _parquet(day / "p-001.parquet", [_row(transaction_id="TXCOMM0001")], "UTC")
    typed = pq.read_table(day / "p-001.parquet")
    extra = pa.array([f"amex {amex}"], pa.string())
    pq.write_table(typed.append_column("comment", extra), day / "p-001.parquet")
    document = _validate(spark, transactions_rules, day, tmp_path / "out")

    assert document["blocked_by"] == ["card_number.unmasked"]
    outcome = _outcome(document, "card_number.unmasked")
    assert outcome["failures"] == 5
    messages = {s["transaction_id"]: s["message"] for s in outcome["samples"]}
    assert messages == {
        "TXLATE1051": "unmasked card number 555555******4444 in a column outside the "
        "contract (PCI DSS)",
        "TXLATE1061": "unmasked card number 411111******1111 in customer_id (PCI DSS)",
        "TXNOTE0001": "unmasked card number 411111******1111 in a column outside the "
        "contract (PCI DSS)",
        "TXMEMO0001": "unmasked card number 555555******4444 in a column outside the "
        "contract (PCI DSS)",
        "TXCOMM0001": "unmasked card number 378282*****0005 in a column outside the "
        "contract (PCI DSS)",
    }
    results = Path(document["outputs"]["quarantine"]).parents[1] / "results"
    for written in [*results.rglob("*.json"), *(tmp_path / "out").rglob("*.parquet")]:
        content = written.read_bytes().decode("utf-8", "replace")
        assert not any(pan in content for pan in (visa, mastercard, amex))


# --- Parquet timestamps in nanoseconds ---------------------------------------------------


DECIMALS = {"amount": 4, "fee_amount": 4, "fx_rate": 10, "settlement_amount": 4}


def _nanoseconds(text: str) -> int:
    """2026-11-28T10:00:00[.fffffffff]Z as nanoseconds since the epoch, exactly."""
    seconds = int(datetime.fromisoformat(text[:19] + "+00:00").timestamp())
    fraction = text[20:-1] if text[19] == "." else ""
    return seconds * 10**9 + int(fraction.ljust(9, "0") or 0)


def _parquet(path: Path, rows: list[dict[str, str]], tz: str | None) -> None:
    columns: dict[str, Any] = {}
    for name in ROW:
        values = [r[name] or None for r in rows]
        if name in ("created_at", "settled_at"):
            nanos = [None if v is None else _nanoseconds(v) for v in values]
            columns[name] = pa.array(nanos, pa.int64()).cast(pa.timestamp("ns", tz=tz))
        elif name in DECIMALS:
            numbers = [None if v is None else Decimal(v) for v in values]
            columns[name] = pa.array(numbers, pa.decimal128(20, DECIMALS[name]))
        else:
            columns[name] = pa.array(values, pa.string())
    pq.write_table(pa.table(columns), path)


def test_parquet_nanosecond_timestamps_are_read_and_a_remainder_is_not_dropped(
    spark: Any, transactions_rules: Any, tmp_path: Path
) -> None:
    day = tmp_path / "in" / f"ingest_date={DAY}"
    day.mkdir(parents=True)
    rows = [
        _row(transaction_id="TXNANOS001"),
        _row(transaction_id="TXNANOS002", created_at="2026-11-28T10:00:00.123456Z"),
        _row(transaction_id="TXNANOS003", created_at="2026-11-28T10:00:00.123456789Z"),
    ]
    _parquet(day / "p-001.parquet", rows, "UTC")
    document = _validate(spark, transactions_rules, day, tmp_path / "out")

    assert document["counts"]["rows_in"] == 3 and document["counts"]["balanced"]
    assert document["findings"] == []
    processed = _rows(tmp_path / "out", "processed")
    assert sorted(processed) == ["TXNANOS001", "TXNANOS002"]
    assert processed["TXNANOS002"]["created_at"] == datetime(2026, 11, 28, 10, 0, 0, 123456, UTC)
    quarantined = _rows(tmp_path / "out", "quarantine")["TXNANOS003"]
    assert [v["message"] for v in quarantined["dq_violations"]] == [
        "created_at '2026-11-28T10:00:00.123456789Z' has more than 6 fractional-second digits"
    ]


def test_parquet_nanoseconds_without_time_zone_break_naming_the_column(
    spark: Any, transactions_rules: Any, tmp_path: Path
) -> None:
    day = tmp_path / "in" / f"ingest_date={DAY}"
    day.mkdir(parents=True)
    _parquet(day / "p-001.parquet", [_row(transaction_id="TXNANOS001")], None)
    document = _validate(spark, transactions_rules, day, tmp_path / "out")

    messages = [f["message"] for f in document["findings"]]
    path = day / "p-001.parquet"
    assert messages == [
        f"file {path}: column {name} is a timestamp without time zone, "
        "the contract says timestamp (UTC)"
        for name in ("created_at", "settled_at")
    ]
    assert document["counts"]["rows_in"] == 1


# --- patterns are Java regexes ------------------------------------------------------------


def _rules_with_mcc_pattern(pattern: str) -> str:
    text = rules_path("transactions").read_text(encoding="utf-8")
    written = 'pattern: "^[0-9]{4}$"'
    assert text.count(written) == 1
    return text.replace(written, f"pattern: '{pattern}'")


def test_a_pattern_java_refuses_stops_the_run_before_any_spark_job(
    spark: Any, tmp_path: Path
) -> None:
    text = _rules_with_mcc_pattern("^[0-9]{4$")  # Python's re compiles it
    rules = load_rules_text(text, "mine.yaml")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "{4$" in t)
    jobs_before = spark.sparkContext.statusTracker().getJobIdsForGroup(None)
    with pytest.raises(RulesFileError) as caught:
        _validate(spark, rules, tmp_path / "no-input", tmp_path / "out")
    assert caught.value.problems == [
        f"mine.yaml:{line}:14: rule 'mcc.format': pattern does not compile as a Java regex: "
        "Unclosed counted closure near index 8"
    ]
    assert spark.sparkContext.statusTracker().getJobIdsForGroup(None) == jobs_before


def test_a_java_only_pattern_is_accepted_and_runs(spark: Any, tmp_path: Path) -> None:
    from fintech_dq.contract.java_regex import jvm_compiler

    text = _rules_with_mcc_pattern("^\\p{Digit}{4}$")  # Python's re refuses \p
    rules = load_rules_text(text, "mine.yaml", jvm_compiler(spark._jvm))
    day = tmp_path / "in" / f"ingest_date={DAY}"
    day.mkdir(parents=True)
    (day / "s-001.csv").write_text(
        _csv([_row(transaction_id="TXMCC00001"), _row(transaction_id="TXMCC00002", mcc="54x1")]),
        encoding="utf-8",
    )
    document = _validate(spark, rules, day, tmp_path / "out")
    assert _outcome(document, "mcc.format")["failures"] == 1
