"""A card number in a name (a file's, a CSV header's, a JSON Lines key, a Parquet column, a
manifest's fields) is a PCI breach like one in a value: it fails the unmasked_card_number
rule, which blocks the batch; the details say where, never the number."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from clean_row import MIDNIGHT, validate_day
from fintech_dq.ingest.model import FileFinding, InputFile, Manifest

DAY = date(2026, 11, 28)
RECORD = (
    "TX{n:08d},AC1,CU1,PURCHASE,DEBIT,SETTLED,10.00,USD,,USD,1.00000000,10.00,MER000001,5411,"
    "411111******1111,,,US,POS,2026-11-28T10:00:00Z,2026-11-28T11:00:00Z"
)
FILE_PAN = "4900000071000031"  # Luhn-valid Visa numbers, one per place
HEADER_PAN = "4111111111111111"
KEY_PAN = "4012888888881881"
PARQUET_PAN = "4222222222222"
TOTAL_PAN = "4900000072000014"
ALL_PANS = (FILE_PAN, HEADER_PAN, KEY_PAN, PARQUET_PAN, TOTAL_PAN)


def _file(path: str, fmt: str = "csv", columns: tuple[str, ...] = ("a",), **manifest: Any) -> Any:
    return InputFile(
        path=path,
        format=fmt,
        compression=None,
        size_bytes=1,
        sha256="0" * 64,
        manifest=Manifest(path + ".manifest.json", path, 1, {}, None, **manifest)
        if manifest
        else None,
        columns_found=columns,
    )


def test_what_counts_in_a_name() -> None:
    from fintech_dq.ingest.model import holds_card_number

    assert holds_card_number(f"{FILE_PAN}.csv")
    assert holds_card_number(f"card_{HEADER_PAN}")  # underscores too, unlike in values
    assert holds_card_number("pan 4111 1111 1111 1111")
    assert not holds_card_number("411111******1111")  # masked already
    assert not holds_card_number("cardnet-20261128123456.csv")  # Luhn-valid, no scheme
    assert not holds_card_number("7000000000000005")  # Luhn-valid, no scheme prefix
    assert not holds_card_number("cardnet-001.csv")


def test_every_kind_of_name_is_counted_and_said_masked() -> None:
    from fintech_dq.engine.pan_guard import card_numbers_in_names

    files = [
        _file(f"d/{FILE_PAN}.csv", columns=("transaction_id", HEADER_PAN, f"x {HEADER_PAN}")),
        _file("d/k.jsonl", "jsonl", ("transaction_id", KEY_PAN)),
        _file("d/p.parquet", "parquet", (PARQUET_PAN,)),
        _file("d/m.csv", holds_card_number=True),
        _file("d/clean.csv", columns=("transaction_id",), holds_card_number=False),
    ]
    findings = [
        FileFinding("d/bad.csv", "manifest_invalid", "...", holds_card_number=True),
        FileFinding(f"d/{TOTAL_PAN}.csv.manifest.json", "manifest_invalid", "..."),
    ]
    names = card_numbers_in_names(files, findings)
    assert names.count == 8
    assert names.details == (
        "an unmasked card number in the name of file d/490000******0031.csv",
        "an unmasked card number in the CSV header of d/490000******0031.csv (2 name(s))",
        "an unmasked card number in the JSON Lines keys of d/k.jsonl (1 name(s))",
        "an unmasked card number in the Parquet schema of d/p.parquet (1 name(s))",
        "an unmasked card number in the manifest of d/m.csv (d/m.csv.manifest.json)",
        "an unmasked card number in the manifest of d/bad.csv",
        "an unmasked card number in the name of file d/490000******0014.csv.manifest.json",
    )
    assert card_numbers_in_names([_file("d/clean.csv")], []).count == 0


def test_a_card_number_only_in_names_blocks_the_batch(
    spark: Any, transactions_rules: Any, tmp_path: Path
) -> None:
    """Nothing else is wrong with the day (reviewer B's d7: it passed with warnings)."""
    day = tmp_path / "transactions" / f"ingest_date={DAY}"
    day.mkdir(parents=True)
    header = ",".join(c.name for c in transactions_rules.columns)
    # A card number as a file name, and as the name of an empty extra column
    (day / f"{FILE_PAN}.csv").write_text(
        "\n".join([f"{header},{HEADER_PAN}", RECORD.format(n=1) + ",", RECORD.format(n=2) + ","])
        + "\n"
    )
    # A manifest with a card number as a currency (its total 0, so the totals agree)
    (day / "s-001.csv").write_text("\n".join([header, RECORD.format(n=3)]) + "\n")
    manifest = {"file": "s-001.csv", "record_count": 1, "totals": {"USD": "10.00", TOTAL_PAN: "0"}}
    (day / "s-001.csv.manifest.json").write_text(json.dumps(manifest))
    document = validate_day(
        spark, transactions_rules, day, tmp_path / "out", merchants=False, now=MIDNIGHT
    )
    rule = next(r for r in document["rule_results"] if r["type"] == "unmasked_card_number")
    assert (document["status"], document["blocked_by"]) == ("blocked", [rule["rule_id"]])
    assert (rule["status"], rule["failures"]) == ("failed", 3)
    assert rule["details"] == [
        f"an unmasked card number in the name of file {day}/490000******0031.csv",
        f"an unmasked card number in the CSV header of {day}/490000******0031.csv (1 name(s))",
        f"an unmasked card number in the manifest of {day}/s-001.csv"
        f" ({day}/s-001.csv.manifest.json)",
    ]
    assert document["counts"]["processed"] == 0
    assert not any(pan in " ".join(rule["details"]) for pan in ALL_PANS)
