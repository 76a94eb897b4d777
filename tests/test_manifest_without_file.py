"""A manifest delivered without its data file declares records that never arrived: a manifest
mismatch (critical), named in the results, until a rerun finds the file beside it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from clean_row import MIDNIGHT, validate_day
from fintech_dq.ingest.discover import discover_delivery

DAY = date(2026, 11, 28)
RECORD = (
    "TX{n:08d},AC1,CU1,PURCHASE,DEBIT,SETTLED,10.00,USD,,USD,1.00000000,10.00,MER000001,5411,"
    "411111******1111,,,US,POS,2026-11-28T10:00:00Z,2026-11-28T11:00:00Z"
)


def _deliver(day: Path, name: str, header: str, ids: list[int]) -> None:
    """A data file and its manifest."""
    (day / name).write_text("\n".join([header] + [RECORD.format(n=n) for n in ids]) + "\n")
    _manifest(day, name, len(ids))


def _manifest(day: Path, name: str, count: int) -> None:
    manifest = {"file": name, "record_count": count, "totals": {"USD": f"{10 * count}.00"}}
    (day / (name + ".manifest.json")).write_text(json.dumps(manifest))


def _validate(spark: Any, rules: Any, day: Path, out: Path) -> dict[str, Any]:
    return validate_day(spark, rules, day, out, merchants=False, now=MIDNIGHT)


def test_a_manifest_without_its_file_blocks_until_the_file_arrives(
    spark: Any, transactions_rules: Any, tmp_path: Path
) -> None:
    day = tmp_path / "transactions" / f"ingest_date={DAY}"
    day.mkdir(parents=True)
    header = ",".join(c.name for c in transactions_rules.columns)
    _deliver(day, "s-001.csv", header, [1, 2, 3])
    _manifest(day, "s-009.csv", 2)  # s-009.csv itself is late

    first = _validate(spark, transactions_rules, day, tmp_path / "out")
    assert first["status"] == "blocked" and "batch.manifest_valid" in first["blocked_by"]
    manifest_path = str(day / "s-009.csv.manifest.json")
    (finding,) = [f for f in first["findings"] if f["kind"] == "manifest_invalid"]
    assert finding["file"] == manifest_path
    assert finding["message"] == (
        f"manifest {manifest_path}: its data file {day / 's-009.csv'} was not delivered"
        " beside it; the 2 records it declares are missing"
    )
    (valid,) = [r for r in first["rule_results"] if r["rule_id"] == "batch.manifest_valid"]
    assert valid["details"] == [finding["message"]]
    assert first["counts"]["processed"] == 0

    _deliver(day, "s-009.csv", header, [91, 92])  # the late file, then a rerun
    rerun = _validate(spark, transactions_rules, day, tmp_path / "out")
    outcome = {r["rule_id"]: r for r in rerun["rule_results"]}
    assert outcome["batch.manifest_valid"]["status"] == "passed"
    assert outcome["batch.manifest_record_count"]["status"] == "passed"
    assert rerun["status"] != "blocked" and rerun["counts"]["rows_in"] == 5
    assert not [f for f in rerun["findings"] if f["kind"] == "manifest_invalid"]


def test_lone_manifests_are_matched_by_file_identity(tmp_path: Path) -> None:
    """A data file named twice (folder and path, another spelling, a resend elsewhere)
    still claims its manifest; only a manifest with no data file beside it is lone."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.csv").write_bytes(b"x\n")
    (tmp_path / "a.csv.manifest.json").write_text("{}")
    (tmp_path / "sub" / "a.csv.manifest.json").write_text("{}")  # not beside a.csv
    (tmp_path / "b.csv.gz.manifest.json").write_text("{}")
    (tmp_path / "b.csv").write_bytes(b"x\n")  # not the file b.csv.gz's manifest is for
    other_spelling = str(tmp_path / "sub" / ".." / "a.csv")
    found = discover_delivery([other_spelling, str(tmp_path)])
    assert found.files == sorted([other_spelling, str(tmp_path / "b.csv")])
    assert found.lone_manifests == [
        str(tmp_path / "b.csv.gz.manifest.json"),
        str(tmp_path / "sub" / "a.csv.manifest.json"),
    ]
