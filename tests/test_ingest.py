"""Ingest on small hand-written files: every data line ends in records or rejected, once.

One "day" of files (good and every bad class) is read once for most tests; line numbering
across Spark splits and the usage errors have their own tests.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fintech_dq.contract import ColumnSpec
from fintech_dq.ingest import FileFinding, RawBatch, discover_inputs, read_batch
from fintech_dq.ingest import batch as batch_module

COLUMNS = (
    ColumnSpec("transaction_id", "string"),
    ColumnSpec("amount", "decimal(20,4)"),
    ColumnSpec("fx_rate", "decimal(20,10)"),
    ColumnSpec("created_at", "timestamp"),
    ColumnSpec("note", "string"),
)
HEADER = "transaction_id,amount,fx_rate,created_at,note"

GOOD_CSV = (
    "\ufeff" + HEADER + "\n"
    "T1,12.30,1,2026-11-28T10:15:00Z,plain\n"
    'T2,"1,234.50",0.5,2026-11-28T10:15:00Z,"say ""hi"", ok"\n'
    "\n"
    "T3,,,,\n"
    'T4,"",x,, spaced \r\n'
).encode()
BAD_LINES_CSV = (
    HEADER.encode() + b"\n"
    b"B1,1,1,2026-11-28T10:15:00Z,ok\n"  # 2
    b"B2,1,1,2026-11-28T10:15:00Z,ok,extra,more\n"  # 3: 7 fields
    b"B3,1\n"  # 4: 2 fields
    b'B4,1,1,2026-11-28T10:15:00Z,"open, never closed\n'  # 5
    b'B5,1,1,2026-11-28T10:15:00Z,mis"placed\n'  # 6
    b"B6,1,1,2026-11-28T10:15:00Z,caf\xe9\n"  # 7: Latin-1, not UTF-8
    b'B7,1,1,2026-11-28T10:15:00Z,"a ""b"" c"\n'  # 8: fine
    b"   \n"  # 9: blank
    b"B8\n"  # 10: 1 field
)
JSONL = (
    b'{"transaction_id": "J1", "amount": 12345678901234.5678, "fx_rate": 0.1, "note": ""}\n'
    b'{"transaction_id": "J2", "amount": 1e3, "fx_rate": 0.0000001234}\n'
    b'{"transaction_id": "J3", "amount": 12.30, "created_at": "2026-11-28T10:15:00Z"}\n'
    b'{"transaction_id": "J4", "amount": "12.30", "extra": {"amount": 99.5}}\n'
    b'{"meta": {"amount": 5.5}, "transaction_id": "J5", "amount": 7.25}\n'
    b"\n"
    b'{"transaction_id": "J6", "amount": 1}\n'
    b"[1, 2]\n"  # 8
    b'{"transaction_id": "J7", "amount": \n'  # 9
    b'{"transaction_id": "J8"} trailing\n'  # 10
    b'{"transaction_id": "J9", "note": "caf\xe9"}\n'  # 11
)
SHAPES_JSONL = (
    b'{"transaction_id": "S1", "note": {"id": "CU00000114"}}\n'
    b'{"transaction_id": ["AC1", "AC2"], "amount": 1}\n'
    b'{"transaction_id": "S3", "note": "{\\"id\\": 1}"}\n'  # a string that holds JSON
    b'{"transaction_id": "S4", "note": "[x"}\n'
    b'{"meta": {"note": {"a": 1}}, "transaction_id": "S5", "note": "{y"}\n'
    b'{"transaction_id": "S6", "note": {}}\n'
    b'{"transaction_id": "S7", "amount": {"value": "1.00"}}\n'
    b'{"transaction_id": "S8", "note": 12345678901234567890123}\n'
    b'{"transaction_id": "S9", "note": 0.12345678901234567890}\n'
    b'{"transaction_id": "S10", "note": 12345678.9}\n'
    b'{"transaction_id": "S11", "note": true}\n'
    b'{"transaction_id": "S12", "note": "1.50"}\n'
    b'{"transaction_id": "S13", "amount": 10.00, "amount": 99.00}\n'  # which is meant?
    b'{"transaction_id": "S14", "x": 1, "note": "n", "x": 2}\n'
    b'{"transaction_id": "S15", "meta": {"amount": 1}, "amount": 2}\n'  # nested: fine
)
MANIFEST_OK = {
    "file": "good.csv",
    "record_count": 4,
    "totals": {"USD": "12345678901234.5678", "JPY": "100"},
    "sha256": None,
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _csv_lines(n: int) -> bytes:
    return (HEADER + "\n" + "".join(f"L{i},{i}.00,1,,n{i}\n" for i in range(2, n + 2))).encode()


def _truncated(data: bytes) -> bytes:
    packed = gzip.compress(data)
    return packed[: len(packed) // 2]


def _corrupt(data: bytes) -> bytes:
    packed = bytearray(gzip.compress(data))
    middle = len(packed) // 2
    packed[middle : middle + 16] = b"\xff" * 16
    return bytes(packed)


def _parquet(path: Path, columns: dict[str, pa.Array]) -> Path:
    pq.write_table(pa.table(columns), path, row_group_size=2)
    return path


def _write_day(root: Path) -> None:
    sub = root / "sub"
    sub.mkdir()
    _write(root / "good.csv", GOOD_CSV)
    (root / "good.csv.manifest.json").write_text(json.dumps(MANIFEST_OK))
    _write(root / "good.csv.gz", gzip.compress(GOOD_CSV))
    _write(sub / "resent.csv", GOOD_CSV)
    _write(root / "bad_lines.csv", BAD_LINES_CSV)
    _write(root / "empty.csv", b"")
    _write(root / "header_only.csv", HEADER.encode() + b"\n")
    _write(root / "semicolon.csv", HEADER.replace(",", ";").encode() + b"\nS1;1;1;;\n\nS2;2;2;;\n")
    _write(root / "blank_first.csv", b"\n" + HEADER.encode() + b"\nX1,1,1,,\n")
    _write(root / "drift.csv", b"transaction_id,amount,extra_col,created_at\nD1,5,e,\nD2,6,f,\n")
    (root / "drift.csv.manifest.json").write_text("{not json")
    _write(root / "truncated.csv.gz", _truncated(_csv_lines(3000)))
    _write(root / "corrupt.csv.gz", _corrupt(_csv_lines(3000)))
    _write(root / "tx.jsonl", JSONL)
    _write(root / "shapes.jsonl", SHAPES_JSONL)
    (root / "tx.jsonl.manifest.json").write_text(
        '{"file": "tx.jsonl", "record_count": 10, "totals": {"USD": 12.5}}'
    )
    _write(
        root / "tx.json.gz",
        gzip.compress(b'\xef\xbb\xbf{"transaction_id": "G1", "amount": 0.10}\n'),
    )
    _write(root / "_SUCCESS", b"")
    _parquet(
        root / "tx.parquet",
        {
            "transaction_id": pa.array(["P1", "P2", "P3", ""]),
            "amount": pa.array(
                [Decimal("12.3"), Decimal("12345678901234.5678"), None, Decimal("0")],
                pa.decimal128(20, 4),
            ),
            "fx_rate": pa.array(
                [Decimal("0.0000001234"), Decimal("1"), Decimal("-0.000000001"), Decimal("0")],
                pa.decimal128(20, 10),
            ),
            "created_at": pa.array(
                [
                    datetime(2026, 11, 28, 10, 15, 0, 123456, tzinfo=UTC),
                    datetime(2026, 11, 28, 10, 15, tzinfo=UTC),
                    None,
                    datetime(2026, 11, 28, 10, 15, 0, 100000, tzinfo=UTC),
                ],
                pa.timestamp("us", tz="UTC"),
            ),
            "note": pa.array(["a", None, "c", "d"]),
        },
    )
    _parquet(
        root / "retyped.parquet",
        {
            "transaction_id": pa.array(["R1"]),
            "amount": pa.array([12345678.9], pa.float64()),
            "fx_rate": pa.array([Decimal("1.5")], pa.decimal128(38, 18)),
            "created_at": pa.array(["2026-11-28 10:15:00"]),
            "extra": pa.array([1], pa.int64()),
        },
    )
    _write(root / "broken.parquet", b"PAR1 this is not parquet")
    parquet_bytes = (root / "tx.parquet").read_bytes()
    _write(root / "zipped.parquet.gz", gzip.compress(parquet_bytes))
    _write(root / "cut.parquet.gz", _truncated(parquet_bytes))
    digest = hashlib.sha256(parquet_bytes).hexdigest().upper()
    manifest = {"file": "tx.parquet", "record_count": 4, "totals": {}, "sha256": digest}
    (root / "tx.parquet.manifest.json").write_text(json.dumps(manifest))
    lone = {"file": "lone.csv", "record_count": 2, "totals": {}}
    (sub / "lone.csv.manifest.json").write_text(json.dumps(lone))  # lone.csv never came


@dataclass
class Day:
    root: Path
    batch: RawBatch
    records: list[dict[str, Any]]
    rejected: list[dict[str, Any]]

    def path(self, name: str) -> str:
        return str(self.root / name)

    def rows(self, name: str) -> dict[int, dict[str, Any]]:
        return {r["_source_line"]: r for r in self.records if r["_source_file"] == self.path(name)}

    def rejects(self, name: str) -> dict[int, dict[str, Any]]:
        return {r["source_line"]: r for r in self.rejected if r["source_file"] == self.path(name)}

    def findings(self, name: str, kind: str | None = None) -> list[FileFinding]:
        return [
            f
            for f in self.batch.findings
            if f.file == self.path(name) and (kind is None or f.kind == kind)
        ]

    def assert_accounted(self, name: str, data_lines: set[int]) -> None:
        """Every data line is in exactly one of records and rejected; nothing else is."""
        kept = [r["_source_line"] for r in self.records if r["_source_file"] == self.path(name)]
        refused = [r["source_line"] for r in self.rejected if r["source_file"] == self.path(name)]
        assert len(kept) == len(set(kept)) and len(refused) == len(set(refused))
        assert not set(kept) & set(refused)
        assert set(kept) | set(refused) == data_lines


@pytest.fixture(scope="module")
def day(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("day")
    _write_day(root)
    batch = read_batch(spark, [str(root)], COLUMNS)
    yield Day(
        root=root,
        batch=batch,
        records=[r.asDict() for r in batch.records.collect()],
        rejected=[r.asDict() for r in batch.rejected.collect()],
    )
    batch.close()


def test_the_day_reads_every_data_file_once_in_order(day: Day) -> None:
    names = [os.path.relpath(f.path, day.root) for f in day.batch.files]
    assert names == sorted(names)
    assert "_SUCCESS" not in names and not [n for n in names if n.endswith(".manifest.json")]
    assert len(names) == 19
    good = next(f for f in day.batch.files if f.path == day.path("good.csv"))
    assert good.format == "csv" and good.compression is None
    assert good.size_bytes == len(GOOD_CSV)
    assert good.columns_found == tuple(HEADER.split(","))
    gz = next(f for f in day.batch.files if f.path == day.path("good.csv.gz"))
    assert (gz.format, gz.compression) == ("csv", "gzip")
    schema = day.batch.records.schema
    assert [f.name for f in schema] == [c.name for c in COLUMNS] + [
        "_source_file",
        "_source_line",
        "_outside_contract",
    ]
    assert {f.dataType.simpleString() for f in schema} == {"string", "bigint"}


@pytest.mark.parametrize("name", ["good.csv", "good.csv.gz", "sub/resent.csv"])
def test_csv_bom_quotes_and_empty_fields(day: Day, name: str) -> None:
    rows = day.rows(name)
    day.assert_accounted(name, {2, 3, 5, 6})
    assert rows[2]["transaction_id"] == "T1"  # the BOM is not part of the first column
    assert rows[2]["amount"] == "12.30"
    assert rows[3]["amount"] == "1,234.50"
    assert rows[3]["note"] == 'say "hi", ok'
    assert [rows[5][c.name] for c in COLUMNS] == ["T3", None, None, None, None]
    assert rows[6]["amount"] is None and rows[6]["fx_rate"] == "x"
    assert rows[6]["note"] == " spaced "  # CRLF stripped, spaces kept as sent


def test_csv_bad_lines_are_rejected_with_reasons(day: Day) -> None:
    day.assert_accounted("bad_lines.csv", {2, 3, 4, 5, 6, 7, 8, 10})
    assert sorted(day.rows("bad_lines.csv")) == [2, 8]
    assert day.rows("bad_lines.csv")[8]["note"] == 'a "b" c'
    reasons = {n: r["reason"] for n, r in day.rejects("bad_lines.csv").items()}
    assert reasons == {
        3: "line 3: 7 fields, the header has 5",
        4: "line 4: 2 fields, the header has 5",
        5: "line 5: quote left open (a quoted field does not end)",
        6: "line 6: misplaced quote (RFC 4180 quotes whole fields only)",
        7: "line 7: bytes that are not valid UTF-8",
        10: "line 10: 1 field, the header has 5",
    }
    latin1 = day.rejects("bad_lines.csv")[7]
    assert base64.b64decode(latin1["raw_base64"]) == b"B6,1,1,2026-11-28T10:15:00Z,caf\xe9"
    assert latin1["raw_text"] == "B6,1,1,2026-11-28T10:15:00Z,caf\ufffd"
    assert day.rejects("bad_lines.csv")[3]["raw_text"].endswith("ok,extra,more")
    assert day.rejects("bad_lines.csv")[3]["raw_base64"] is None


def test_empty_and_header_only_csv(day: Day) -> None:
    day.assert_accounted("empty.csv", set())
    assert [f.message for f in day.findings("empty.csv")] == [
        f"file {day.path('empty.csv')} is empty (no header row)"
    ]
    assert day.findings("empty.csv")[0].kind == "file_integrity"
    day.assert_accounted("header_only.csv", set())
    assert day.findings("header_only.csv") == []


def test_wrong_delimiter_rejects_every_data_line(day: Day) -> None:
    message = f"file {day.path('semicolon.csv')}: header uses ';' as delimiter, expected ','"
    assert [(f.kind, f.message) for f in day.findings("semicolon.csv")] == [
        ("schema_breaking", message)
    ]
    day.assert_accounted("semicolon.csv", {2, 4})
    assert {r["reason"] for r in day.rejects("semicolon.csv").values()} == {message}


def test_blank_first_line_is_no_header(day: Day) -> None:
    assert [f.kind for f in day.findings("blank_first.csv")] == ["file_integrity"]
    day.assert_accounted("blank_first.csv", {2, 3})
    assert not day.rows("blank_first.csv")


def test_schema_drift_findings_and_missing_columns_null(day: Day) -> None:
    breaking = day.findings("drift.csv", "schema_breaking")
    additive = day.findings("drift.csv", "schema_additive")
    assert [f.message for f in breaking] == [
        f"file {day.path('drift.csv')}: missing columns fx_rate, note"
    ]
    assert breaking[0].columns == ("fx_rate", "note")
    assert [f.columns for f in additive] == [("extra_col",)]
    day.assert_accounted("drift.csv", {2, 3})
    row = day.rows("drift.csv")[2]
    assert (row["transaction_id"], row["amount"], row["fx_rate"], row["note"]) == (
        "D1",
        "5",
        None,
        None,
    )
    assert not day.findings("good.csv", "schema_breaking")


def test_truncated_gzip_keeps_the_lines_before(day: Day) -> None:
    (finding,) = day.findings("truncated.csv.gz")
    assert finding.kind == "file_integrity" and "truncated" in finding.message
    rejects = day.rejects("truncated.csv.gz")
    assert len(rejects) == 1
    ((line, row),) = rejects.items()
    good = line - 1
    assert row["reason"] == f"file truncated: gzip stream ends unexpectedly after line {good}"
    assert 100 < good < 3001
    day.assert_accounted("truncated.csv.gz", set(range(2, good + 2)))
    rows = day.rows("truncated.csv.gz")
    assert all(rows[n]["transaction_id"] == f"L{n}" for n in rows)


def test_plain_text_named_gzip_is_one_corrupt_file(spark: Any, tmp_path: Path) -> None:
    path = _write(tmp_path / "not_gzip.csv.gz", HEADER.encode() + b"\nN1,1,1,,\n")
    batch = read_batch(spark, [str(path)], COLUMNS)
    rejected = [r.asDict() for r in batch.rejected.collect()]
    assert batch.records.count() == 0
    batch.close()
    (finding,) = batch.findings  # not also "empty (no header row)"
    assert finding.kind == "file_integrity"
    assert finding.message.startswith(f"file {path} is corrupt")
    assert "; no line of it could be read (zlib:" in finding.message
    assert finding.message.endswith("incorrect header check)")
    (row,) = rejected  # one rejected row stands for the file
    assert row["source_line"] == 1 and "incorrect header check" in row["reason"]


def test_corrupt_gzip_does_not_stop_the_run(day: Day) -> None:
    (finding,) = day.findings("corrupt.csv.gz")
    assert finding.kind == "file_integrity"
    ((line, row),) = day.rejects("corrupt.csv.gz").items()
    assert row["reason"].startswith("file corrupt: gzip data cannot be decompressed after line")
    day.assert_accounted("corrupt.csv.gz", set(range(2, line + 1)))


def test_jsonl_values_and_exact_decimals(day: Day) -> None:
    rows = day.rows("tx.jsonl")
    day.assert_accounted("tx.jsonl", {1, 2, 3, 4, 5, 7, 8, 9, 10, 11})
    assert rows[1]["amount"] == "12345678901234.5678"
    assert rows[1]["fx_rate"] == "0.1"
    assert rows[1]["note"] is None  # "" is absent
    assert rows[2]["amount"] == "1e3"  # as written, for the engine to refuse
    assert rows[2]["fx_rate"] == "0.0000001234"
    assert rows[3]["amount"] == "12.30"
    assert rows[3]["created_at"] == "2026-11-28T10:15:00Z"
    assert rows[4]["amount"] == "12.30"  # a string stays a string; the nested key is ignored
    assert rows[5]["amount"] == "7.25"  # not the nested 5.5 before it
    assert rows[7]["amount"] == "1"
    assert {n: r["reason"] for n, r in day.rejects("tx.jsonl").items()} == {
        8: "line 8: not a JSON object",
        9: "line 9: not valid JSON",
        10: "line 10: text after the JSON object",
        11: "line 11: bytes that are not valid UTF-8",
    }
    assert day.rows("tx.json.gz")[1]["amount"] == "0.10"  # after a BOM
    file = next(f for f in day.batch.files if f.path == day.path("tx.jsonl"))
    keys = ("transaction_id", "amount", "fx_rate", "note", "created_at", "extra", "meta")
    assert file.columns_found == keys
    assert [f.columns for f in day.findings("tx.jsonl", "schema_additive")] == [("extra", "meta")]


def test_jsonl_object_or_array_for_a_value_is_rejected(day: Day) -> None:
    """from_json gives an object or array as its text: the line is refused, naming the field,
    while a string that starts with "{" or "[" (even one holding JSON) is a value."""
    day.assert_accounted("shapes.jsonl", set(range(1, 16)))
    says = "the contract says"
    unknown = "(which value is meant is unknown)"
    assert {n: r["reason"] for n, r in day.rejects("shapes.jsonl").items()} == {
        1: f"line 1: note is a JSON object, {says} string",
        2: f"line 2: transaction_id is a JSON array, {says} string",
        6: f"line 6: note is a JSON object, {says} string",
        7: f"line 7: amount is a JSON object, {says} decimal(20,4)",
        13: f"line 13: key amount is written twice {unknown}",
        14: f"line 14: a key outside the contract is written twice {unknown}",
    }
    assert day.rows("shapes.jsonl")[15]["amount"] == "2"
    rejected = day.rejects("shapes.jsonl")[1]
    assert rejected["raw_text"] == SHAPES_JSONL.decode().splitlines()[0]
    rows = day.rows("shapes.jsonl")
    assert [rows[n]["note"] for n in (3, 4, 5)] == ['{"id": 1}', "[x", "{y"]


def test_jsonl_numbers_and_booleans_in_string_columns(day: Day) -> None:
    """Integers and booleans arrive exactly; a fraction arrives through a double, the
    documented limit of json_records (decimal columns take the literal as written)."""
    rows = day.rows("shapes.jsonl")
    assert rows[8]["note"] == "12345678901234567890123"
    assert rows[9]["note"] == "0.12345678901234568"
    assert rows[10]["note"] == "1.23456789E7"
    assert rows[11]["note"] == "true"
    assert rows[12]["note"] == "1.50"  # a string stays a string


def test_parquet_values_as_plain_text(day: Day) -> None:
    rows = day.rows("tx.parquet")
    day.assert_accounted("tx.parquet", {1, 2, 3, 4})
    assert rows[1]["amount"] == "12.3000"
    assert rows[1]["fx_rate"] == "0.0000001234"  # Spark's own cast says 1.234E-7
    assert rows[1]["created_at"] == "2026-11-28T10:15:00.123456Z"
    assert rows[2]["amount"] == "12345678901234.5678"
    assert rows[2]["fx_rate"] == "1.0000000000"
    assert rows[2]["created_at"] == "2026-11-28T10:15:00Z"
    assert rows[2]["note"] is None
    assert rows[3]["fx_rate"] == "-0.0000000010"
    assert rows[3]["amount"] is None and rows[3]["created_at"] is None
    assert rows[4]["transaction_id"] is None  # empty string is absent
    assert rows[4]["fx_rate"] == "0.0000000000"
    assert rows[4]["created_at"] == "2026-11-28T10:15:00.1Z"
    assert day.findings("tx.parquet") == []


def test_parquet_retyped_columns_break_but_rows_arrive(day: Day) -> None:
    breaking = {f.columns: f.message for f in day.findings("retyped.parquet", "schema_breaking")}
    path = day.path("retyped.parquet")
    assert breaking[("amount",)] == (
        f"file {path}: column amount is double, the contract says decimal(20,4)"
    )
    assert breaking[("fx_rate",)].endswith("is decimal(38,18), the contract says decimal(20,10)")
    assert breaking[("created_at",)].endswith("is string, the contract says timestamp")
    assert breaking[("note",)] == f"file {path}: missing columns note"
    assert [f.columns for f in day.findings("retyped.parquet", "schema_additive")] == [("extra",)]
    (row,) = day.rows("retyped.parquet").values()
    assert (row["amount"], row["fx_rate"], row["created_at"]) == (
        "1.23456789E7",
        "1.500000000000000000",
        "2026-11-28 10:15:00",
    )


def test_unreadable_parquet_is_a_file_integrity_finding(day: Day) -> None:
    (finding,) = day.findings("broken.parquet")
    assert finding.kind == "file_integrity"
    assert finding.message.startswith(f"file {day.path('broken.parquet')} is not a readable")
    day.assert_accounted("broken.parquet", set())


def test_parquet_inside_gzip(day: Day) -> None:
    rows = day.rows("zipped.parquet.gz")
    assert sorted(rows) == [1, 2, 3, 4] and rows[2]["amount"] == "12345678901234.5678"
    assert day.findings("zipped.parquet.gz") == []
    (finding,) = day.findings("cut.parquet.gz")
    assert finding.kind == "file_integrity"
    assert finding.message.endswith(
        "truncated: its gzip stream ends unexpectedly; the Parquet file in it was not read"
    )
    day.assert_accounted("cut.parquet.gz", set())


def test_manifests(day: Day) -> None:
    files = {f.path: f for f in day.batch.files}
    manifest = files[day.path("good.csv")].manifest
    assert manifest is not None
    assert manifest.record_count == 4 and manifest.sha256 is None
    assert manifest.totals == {"USD": Decimal("12345678901234.5678"), "JPY": Decimal("100")}
    assert manifest.path == day.path("good.csv") + ".manifest.json"
    assert files[day.path("good.csv.gz")].manifest is None
    parquet = files[day.path("tx.parquet")]
    assert parquet.manifest is not None and parquet.manifest.sha256 == parquet.sha256
    invalid = [
        ("tx.jsonl", "totals.USD is '12.5', not a decimal string"),
        ("drift.csv", "is invalid"),
    ]
    for name, says in invalid:
        (finding,) = day.findings(name, "manifest_invalid")
        assert says in finding.message and files[day.path(name)].manifest is None
    (lone,) = day.findings("sub/lone.csv.manifest.json")  # no data file: records missing
    assert lone.kind == "manifest_invalid"
    assert lone.message == (
        f"manifest {day.path('sub/lone.csv.manifest.json')}: its data file"
        f" {day.path('sub/lone.csv')} was not delivered beside it; the 2 records it declares"
        " are missing"
    )
    assert [f.file for f in day.batch.findings if "not delivered" in f.message] == [lone.file]


def test_resend_is_flagged_on_the_later_file(day: Day) -> None:
    (finding,) = [f for f in day.batch.findings if f.kind == "resend"]
    assert finding.file == day.path("sub/resent.csv")
    assert day.path("good.csv") in finding.message
    files = {f.path: f for f in day.batch.files}
    assert files[day.path("good.csv")].sha256 == files[day.path("sub/resent.csv")].sha256


def _numbered_csv(terminator: bytes, n: int, split: int) -> bytes:
    """Lines "<line>,<pad>"; a CR ending sits just before each split boundary when it can."""
    out = bytearray(HEADER.encode() + terminator)
    for line in range(2, n + 2):
        row = f"{line},x,1,,".encode()
        to_boundary = split - len(out) % split
        if terminator == b"\r\n" and len(row) + 1 < to_boundary <= len(row) + 40:
            row += b"p" * (to_boundary - len(row) - 1)  # "\r" is the last byte before the split
        out += row + terminator
    return bytes(out)


def test_line_numbers_across_files_and_splits(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    split = 4096
    monkeypatch.setattr(batch_module, "SPLIT_BYTES", split)
    crlf = _numbered_csv(b"\r\n", 1500, split)
    assert any(crlf[b - 1 : b + 1] == b"\r\n" for b in range(split, len(crlf), split))
    files = {
        "a_big.csv": _numbered_csv(b"\n", 3000, split),
        "b_crlf.csv": crlf,
        "c_small.csv": _numbered_csv(b"\n", 3, split),
        "d_big.csv.gz": gzip.compress(_numbered_csv(b"\n", 2000, split)),
        "e_lone_cr.csv": _numbered_csv(b"\r", 1200, split),
        "f_blank.jsonl": b"".join(
            b'{"transaction_id": "%d"}\n' % n if n % 7 else b"\n" for n in range(1, 900)
        ),
    }
    for name, data in files.items():
        _write(tmp_path / name, data)
    files["_g_hidden_from_spark.csv"] = _write(
        tmp_path / "_g_hidden_from_spark.csv", _numbered_csv(b"\n", 5, split)
    ).read_bytes()  # a directory skips it; given by name, Spark would skip it silently
    conf = "spark.sql.files.maxPartitionBytes"
    before = spark.conf.get(conf, None)
    batch = read_batch(spark, [str(tmp_path), str(tmp_path / "_g_hidden_from_spark.csv")], COLUMNS)
    assert spark.conf.get(conf, None) == before  # restored; the plan keeps the splits it needs
    rows = batch.records.select("transaction_id", "_source_file", "_source_line").collect()
    assert batch.rejected.count() == 0
    assert all(int(r["transaction_id"]) == r["_source_line"] for r in rows)
    lines: dict[str, set[int]] = {name: set() for name in files}
    for r in rows:
        lines[os.path.basename(r["_source_file"])].add(r["_source_line"])
    assert {name: len(found) for name, found in lines.items()} == {
        "a_big.csv": 3000,
        "b_crlf.csv": 1500,
        "c_small.csv": 3,
        "d_big.csv.gz": 2000,
        "e_lone_cr.csv": 1200,
        "f_blank.jsonl": 899 - 899 // 7,
        "_g_hidden_from_spark.csv": 5,
    }
    assert len(rows) == sum(len(found) for found in lines.values())
    assert batch.records.rdd.getNumPartitions() > len(files)  # the big plain files were split
    batch.close()


def test_spark_quirks_that_ingest_works_around(spark: Any) -> None:
    """Why the checks exist: if Spark stops doing these, they may be simplified."""
    from pyspark.sql import functions as F

    lines = spark.createDataFrame([("a,b",), ('a,"open',), ('{"x": 12345678.9}',)], "v string")
    csv = F.from_csv("v", "c0 string, c1 string, c2 string", {"escape": '"'})
    json_number = F.from_json("v", "x string").getField("x")
    got = lines.select(csv.alias("csv"), json_number.alias("json")).collect()
    assert tuple(got[0]["csv"]) == ("a", "b", None)  # a short line is padded, not refused
    assert tuple(got[1]["csv"]) == ("a", "open", None)  # a quote left open is read on
    assert got[2]["json"] == "1.23456789E7"  # a JSON number goes through a double


def test_no_inputs_give_empty_frames(spark: Any) -> None:
    batch = read_batch(spark, [], COLUMNS)
    assert batch.files == [] and batch.findings == []
    assert batch.records.count() == 0 and batch.rejected.count() == 0
    assert "_source_line" in batch.records.columns


def test_discover_inputs(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in ["b/x.CSV.GZ", "a.jsonl", "a.jsonl.manifest.json", ".hidden/z.csv", "_SUCCESS"]:
        _write(tmp_path / name, b"")
    found = discover_inputs([str(tmp_path), str(tmp_path / "a.jsonl")])
    assert found == [str(tmp_path / "a.jsonl"), str(tmp_path / "b" / "x.CSV.GZ")]
    with pytest.raises(ValueError, match="does not exist"):
        discover_inputs([str(tmp_path / "missing.csv")])
    _write(tmp_path / "notes.txt", b"")
    with pytest.raises(ValueError, match=r"notes\.txt: unknown data file extension"):
        discover_inputs([str(tmp_path)])
    _write(tmp_path / "b" / "y.csv.bz2", b"")  # every such file named at once
    with pytest.raises(ValueError, match=r"notes\.txt: unknown .*; .*y\.csv\.bz2: unknown"):
        discover_inputs([str(tmp_path)])
    (tmp_path / "b" / "y.csv.bz2").unlink()
    with pytest.raises(ValueError, match="is a manifest"):
        discover_inputs([str(tmp_path / "a.jsonl.manifest.json")])
    # a folder with no data file (empty, or manifests only) is not a clean day of 0 rows
    (tmp_path / "empty").mkdir()
    (tmp_path / "manifests").mkdir()
    _write(tmp_path / "manifests" / "a.csv.manifest.json", b"{}")
    for folder in ("empty", "manifests"):
        with pytest.raises(ValueError, match=f"input {tmp_path / folder} holds no data files"):
            discover_inputs([str(tmp_path / "a.jsonl"), str(tmp_path / folder)])


def test_raw_bytes_are_base64_on_one_line(spark: Any) -> None:
    """Spark 3.5's base64() breaks lines every 76 characters (MIME); rejected/ must not."""
    from pyspark.sql import functions as F

    from fintech_dq.ingest.text_lines import _plain_base64

    data = bytes(range(256)) * 2
    frame = spark.createDataFrame([(bytearray(data),)], "b binary")
    encoded = frame.select(_plain_base64(F.col("b"))).first()[0]
    assert "\n" not in encoded and "\r" not in encoded
    assert base64.b64decode(encoded, validate=True) == data
