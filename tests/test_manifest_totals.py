"""A manifest without `totals` declares no totals (not totals of 0): batch.manifest_totals
does not compare that file, as batch.manifest_sha256 does not without a sha256; a file
whose manifest is invalid is said to be so, not to have come without one."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from clean_row import MIDNIGHT, validate_day
from fintech_dq.ingest.manifest import read_manifest

DAY = date(2026, 11, 28)
RECORD = (
    "TX{n:08d},AC1,CU1,PURCHASE,DEBIT,SETTLED,10.00,USD,,USD,1.00000000,10.00,MER000001,5411,"
    "411111******1111,,,US,POS,2026-11-28T10:00:00Z,2026-11-28T11:00:00Z"
)


def _deliver(day: Path, name: str, rules: Any, ids: list[int], manifest: dict[str, Any]) -> None:
    header = ",".join(c.name for c in rules.columns)
    (day / name).write_text("\n".join([header] + [RECORD.format(n=n) for n in ids]) + "\n")
    (day / (name + ".manifest.json")).write_text(json.dumps(manifest))


def _outcomes(spark: Any, rules: Any, day: Path, out: Path) -> dict[str, Any]:
    document = validate_day(spark, rules, day, out, merchants=False, now=MIDNIGHT)
    return {"status": document["status"], **{r["rule_id"]: r for r in document["rule_results"]}}


def test_a_manifest_without_totals_is_read_as_giving_none(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x\n")
    (tmp_path / "a.csv.manifest.json").write_text('{"file": "a.csv", "record_count": 1}')
    manifest, invalid = read_manifest(str(tmp_path / "a.csv"))
    assert invalid is None and manifest is not None
    assert (manifest.totals_given, manifest.totals, manifest.sha256) == (False, {}, None)
    (tmp_path / "a.csv.manifest.json").write_text(
        '{"file": "a.csv", "record_count": 1, "totals": {}}'
    )
    manifest, _ = read_manifest(str(tmp_path / "a.csv"))
    assert manifest is not None and manifest.totals_given  # {}: no amounts, compared


def test_totals_are_not_compared_without_them_nor_with_an_invalid_manifest(
    spark: Any, transactions_rules: Any, tmp_path: Path
) -> None:
    day = tmp_path / "day"
    day.mkdir()
    _deliver(day, "a-001.csv", transactions_rules, [1, 2], {"file": "a-001.csv", "record_count": 2})
    first = _outcomes(spark, transactions_rules, day, tmp_path / "out1")
    path = day / "a-001.csv"
    assert first["batch.manifest_totals"]["status"] == "not_evaluated"
    assert first["batch.manifest_totals"]["details"] == [
        f"{path}: its manifest carries no totals, so not compared"
    ]
    assert first["batch.manifest_record_count"]["status"] == "passed"
    assert first["batch.manifest_valid"]["status"] == "passed"
    assert first["status"] != "blocked"

    # With a second file whose manifest has totals, that one is compared (and a mismatch
    # found), the first still said not to be; a third's manifest names another file.
    _deliver(
        day,
        "b-001.csv",
        transactions_rules,
        [3],
        {"file": "b-001.csv", "record_count": 1, "totals": {"USD": "11.00"}},
    )
    _deliver(day, "c-001.csv", transactions_rules, [4], {"file": "x.csv", "record_count": 1})
    second = _outcomes(spark, transactions_rules, day, tmp_path / "out2")
    totals = second["batch.manifest_totals"]
    invalid = f"{day / 'c-001.csv'}: its manifest is invalid, so not compared"
    assert (totals["status"], totals["failures"]) == ("failed", 1)
    assert totals["details"] == [
        f"{day / 'b-001.csv'}: USD total 10, manifest says 11",
        f"{path}: its manifest carries no totals, so not compared",
        invalid,
    ]
    count = second["batch.manifest_record_count"]
    assert (count["status"], count["details"]) == ("passed", [invalid])


def test_a_file_whose_manifest_is_invalid_is_not_said_to_have_none(
    spark: Any, transactions_rules: Any, tmp_path: Path
) -> None:
    day = tmp_path / "day"
    day.mkdir()
    _deliver(day, "c-001.csv", transactions_rules, [4], {"file": "x.csv", "record_count": 1})
    outcomes = _outcomes(spark, transactions_rules, day, tmp_path / "out")
    invalid = [f"{day / 'c-001.csv'}: its manifest is invalid, so not compared"]
    for rule_id in ("batch.manifest_record_count", "batch.manifest_totals"):
        assert (outcomes[rule_id]["status"], outcomes[rule_id]["details"]) == (
            "not_evaluated",
            invalid,
        )
    assert outcomes["batch.manifest_valid"]["status"] == "failed"


def test_totals_hold_every_plain_decimal_however_many_places_or_digits(
    spark: Any, transactions_rules: Any, tmp_path: Path
) -> None:
    """The contract: totals over every record whose amount parses. Amounts the type refuses
    (13 places, 30 integer digits: beyond decimal(38,12)) are quarantined, and still
    counted in the file's totals, exactly; '1e3' does not parse and is not counted."""
    day = tmp_path / "day"
    day.mkdir()
    header = ",".join(c.name for c in transactions_rules.columns)
    amounts = ["10.00", "0.0000000000001", " 123456789012345678901234567890 ", "1e3"]
    lines = [
        RECORD.format(n=n).replace(",10.00,USD,", f",{a},USD,", 1) for n, a in enumerate(amounts)
    ]
    (day / "a-001.csv").write_text("\n".join([header, *lines]) + "\n")
    total = "123456789012345678901234567900.0000000000001"
    manifest = {"file": "a-001.csv", "record_count": 4, "totals": {"USD": total}}
    (day / "a-001.csv.manifest.json").write_text(json.dumps(manifest))
    outcomes = _outcomes(spark, transactions_rules, day, tmp_path / "out")
    assert outcomes["batch.manifest_totals"]["status"] == "passed"
    assert outcomes["status"] != "blocked"
