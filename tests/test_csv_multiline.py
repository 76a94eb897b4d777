"""CSV records whose quoted field holds a line break (RFC 4180): one record, numbered by the
line it starts on, while stray quotes are still rejected line by line and every later line
keeps its number. Through read_batch, and once through validate_batch with a manifest."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from clean_row import MIDNIGHT, validate_day
from fintech_dq.contract import ColumnSpec
from fintech_dq.ingest import batch as batch_module
from fintech_dq.ingest import read_batch
from fintech_dq.ingest.csv_records import MAX_RECORD_LINES
from fintech_dq.ingest.inspection import QUOTES_ONE_BY_ONE, Staging, inspect_file

COLUMNS = (
    ColumnSpec("transaction_id", "string"),
    ColumnSpec("customer_id", "string"),
    ColumnSpec("note", "string"),
)
HEADER = b"transaction_id,customer_id,note\n"
FILLER = MAX_RECORD_LINES  # plain lines after a stray open quote: more than a record may span


def _multiline_csv() -> tuple[bytes, dict[int, str | None], dict[int, str]]:
    """The file, the records expected (line -> note or customer), the rejects (line -> why)."""
    lines = [
        b'M1,"CU',  # 2: opens; closes on 3 (the line break is part of customer_id)
        b'2",plain',  # 3
        b'M2,C3,"two',  # 4: a field over three lines, with a blank one and escaped quotes
        b"",  # 5
        b'blank inside, ""quoted"" too"',  # 6
        b'M3,C4,"a ""b"" c"',  # 7: quoted on one line
        b'M4,C5,mis"placed',  # 8: a misplaced quote opens nothing
        b'M5,C6,"never closed',  # 9: does not close within MAX_RECORD_LINES
    ]
    lines += [b"F%d,C,f" % n for n in range(10, 10 + FILLER)]  # 10..109: plain records
    lines += [
        b'late",C7,x',  # 110: would close line 9, too late: alone, a misplaced quote
        b'M6,"CU\r\n7",crlf',  # 111-112: a CRLF inside the field
        b'M7,"open',  # 113: opens and 115 closes, but 114 breaks the quoting: lines alone
        b'bad"middle"',  # 114
        b'end",x',  # 115
        b'M8,C9,"left open at the end',  # 116
    ]
    data = HEADER + b"\n".join(lines) + b"\n"
    records: dict[int, str | None] = {2: "CU\n2", 4: 'two\n\nblank inside, "quoted" too'}
    records |= {7: 'a "b" c', 111: "CU\n7"}
    records |= {n: "f" for n in range(10, 10 + FILLER)}
    open_ = "quote left open (a quoted field does not end)"
    misplaced = "misplaced quote (RFC 4180 quotes whole fields only)"
    rejects = {8: misplaced, 9: open_, 110: misplaced, 113: open_, 114: misplaced}
    rejects |= {115: misplaced, 116: open_}
    return data, records, {n: f"line {n}: {why}" for n, why in rejects.items()}


def test_quoted_line_breaks_make_one_record(spark: Any, tmp_path: Path) -> None:
    data, expected, rejects = _multiline_csv()
    (tmp_path / "multi.csv").write_bytes(data)
    batch = read_batch(spark, [str(tmp_path)], COLUMNS)
    records = {r["_source_line"]: r for r in batch.records.collect()}
    rejected = {r["source_line"]: r for r in batch.rejected.collect()}
    batch.close()

    assert sorted(records) == sorted(expected)
    assert records[2]["customer_id"] == "CU\n2" and records[2]["note"] == "plain"
    assert records[4]["note"] == expected[4]
    assert records[7]["note"] == expected[7]
    assert records[111]["customer_id"] == "CU\n7"  # the CR of the CRLF is not kept
    assert all(records[n]["transaction_id"] == f"F{n}" for n in range(10, 10 + FILLER))
    assert {n: r["reason"] for n, r in rejected.items()} == rejects
    assert rejected[9]["raw_text"] == 'M5,C6,"never closed'
    assert rejected[114]["raw_text"] == 'bad"middle"'


def test_records_spanning_lines_across_spark_splits(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Line numbers stay right after every joined record, in every split of a large file
    and in a gzip file; a record may cross a split boundary."""
    import gzip

    split = 4096
    monkeypatch.setattr(batch_module, "SPLIT_BYTES", split)
    out = bytearray(HEADER)
    starts: list[int] = []
    plain = 0
    line = 2
    while line < 2000:
        if line % 37 == 0:  # a three-line record: its id is the line it starts on
            out += b'%d,"C\nmid\nend",x\n' % line
            starts.append(line)
            line += 3
        else:
            out += b"%d,C,pad-%s\n" % (line, b"p" * (line % 13))
            plain += 1
            line += 1
    data = bytes(out)
    (tmp_path / "big.csv").write_bytes(data)
    (tmp_path / "big.csv.gz").write_bytes(gzip.compress(data))
    batch = read_batch(spark, [str(tmp_path)], COLUMNS)
    rows = batch.records.select("transaction_id", "customer_id", "_source_file", "_source_line")
    got = rows.collect()
    assert batch.rejected.count() == 0
    assert batch.records.rdd.getNumPartitions() > 2  # the plain file was split
    batch.close()
    assert all(int(r["transaction_id"]) == r["_source_line"] for r in got)
    joined = [r for r in got if r["customer_id"] != "C"]
    assert {r["customer_id"] for r in joined} == {"C\nmid\nend"}
    assert sorted(r["_source_line"] for r in joined) == sorted(starts * 2)
    assert len(got) == 2 * (plain + len(starts))


def test_only_files_with_a_line_of_odd_quotes_are_joined(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The driver's read finds the odd line also where its chunk has many quotes (an
    all-quoted file); files without one plan no join and no extra job."""
    quoted = b'"Q%d","C","n ""%d"""\n'
    rows = b"".join(quoted % (n, n) for n in range(2, 3000))
    all_quoted = HEADER + rows
    assert all_quoted.count(b'"') > 4 * QUOTES_ONE_BY_ONE
    spanning = HEADER + rows + b'"Q3000","C","one\ntwo"\n'
    plain = HEADER + b"P2,C,n\n"
    staging = Staging()
    for name, data, odd in [("all.csv", all_quoted, False), ("spans.csv", spanning, True)]:
        (tmp_path / name).write_bytes(data)
        found = inspect_file(str(tmp_path / name), False, 1 << 20, None, staging, quote_lines=True)
        assert found.odd_quote_line is odd
    (tmp_path / "plain.csv").write_bytes(plain)
    staging.remove()

    scanned: list[list[str]] = []
    original = batch_module.odd_quote_lines

    def spy(lines: Any) -> Any:
        scanned.append(sorted({r[0] for r in lines.select("_source_file").collect()}))
        return original(lines)

    monkeypatch.setattr(batch_module, "odd_quote_lines", spy)
    batch = read_batch(spark, [str(tmp_path)], COLUMNS)
    records = {(r["_source_file"], r["_source_line"]): r for r in batch.records.collect()}
    assert batch.rejected.count() == 0
    batch.close()
    assert scanned == [[str(tmp_path / "spans.csv")]]
    assert len(records) == 2 * 2998 + 1 + 1
    assert records[(str(tmp_path / "spans.csv"), 3000)]["note"] == "one\ntwo"
    assert records[(str(tmp_path / "all.csv"), 5)]["note"] == 'n "5"'


DAY = date(2026, 11, 28)
QUOTED_RECORD = (
    b'TXQUOT0002,AC1,"CU{BREAK}2",PURCHASE,DEBIT,SETTLED,10.00,USD,,USD,1.00000000,10.00,'
    b"MER000001,5411,411111******1111,,,US,POS,2026-11-28T10:00:00Z,2026-11-28T11:00:00Z"
)


@pytest.mark.parametrize("line_break", [b"\n", b"\r\n"])
def test_the_manifest_counts_a_multiline_record_once(
    spark: Any, transactions_rules: Any, tmp_path: Path, line_break: bytes
) -> None:
    day = tmp_path / "transactions" / f"ingest_date={DAY}"
    day.mkdir(parents=True)
    header = ",".join(c.name for c in transactions_rules.columns).encode()
    plain = QUOTED_RECORD.replace(b'"CU{BREAK}2"', b"CU3").replace(b"QUOT0002", b"QUOT0003")
    record = QUOTED_RECORD.replace(b"{BREAK}", line_break)
    # A joined record that is refused (an extra field) keeps its raw text, card number masked.
    refused = record.replace(b"QUOT0002", b"QUOT0004") + b",4111111111111111"
    lines = [header, record, plain, refused]
    (day / "s-001.csv").write_bytes(line_break.join(lines) + line_break)
    manifest = {"file": "s-001.csv", "record_count": 3, "totals": {"USD": "20.00"}}
    (day / "s-001.csv.manifest.json").write_text(json.dumps(manifest))
    document = validate_day(
        spark, transactions_rules, day, tmp_path / "out", merchants=False, now=MIDNIGHT
    )

    outcome = {r["rule_id"]: r for r in document["rule_results"]}
    assert outcome["batch.manifest_record_count"]["status"] == "passed"
    assert outcome["batch.manifest_totals"]["status"] == "passed"
    assert document["counts"]["rejected"] == 1 and document["counts"]["rows_in"] == 3
    assert document["blocked_by"] == ["card_number.unmasked"]  # in the refused record only
    rejected = spark.read.parquet(str(tmp_path / "out" / "rejected")).collect()
    assert [(r["source_line"], r["reason"]) for r in rejected] == [
        (5, "line 5: 22 fields, the header has 21")
    ]
    assert "CU\n2" in rejected[0]["raw_text"] and "4111111111111111" not in rejected[0]["raw_text"]
