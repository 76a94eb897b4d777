"""Batch rules on what a delivery's files say about themselves: an unreadable manifest
blocks the batch (it cannot be reconciled), a resent file is named and its rows are
quarantined as duplicates, never published twice."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fintech_dq.engine import OutputLocations, ValidationRequest, validate_batch
from fintech_dq.sample import DefectMix, generate_day

DAY = date(2026, 11, 23)


def _validate(spark: Any, rules: Any, root: Path, out: Path) -> dict[str, Any]:
    request = ValidationRequest(
        dataset="transactions",
        business_date=DAY,
        inputs=[str(root / "transactions" / f"ingest_date={DAY}")],
        outputs=OutputLocations.under(out),
        references={"merchants": str(root / "reference" / "merchants" / "merchants.csv")},
        now=datetime.combine(DAY + timedelta(days=1), datetime.min.time(), UTC),
    )
    return validate_batch(spark, rules, request).document


def _outcome(document: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in document["rule_results"] if r["rule_id"] == rule_id)


@pytest.fixture
def clean_day(tmp_path: Path) -> Path:
    generate_day(
        tmp_path / "landing", DAY, 120, seed=3, defects=DefectMix.named("none"), formats=("csv",)
    )
    return tmp_path / "landing"


def test_an_unreadable_manifest_blocks_the_batch_and_names_the_file(
    spark: Any, transactions_rules: Any, clean_day: Path, tmp_path: Path
) -> None:
    day = clean_day / "transactions" / f"ingest_date={DAY}"
    manifest = next(day.glob("*.manifest.json"))
    manifest.write_text('{"file": "truncated", "record_count": ')
    document = _validate(spark, transactions_rules, clean_day, tmp_path / "out")

    assert document["status"] == "blocked"
    assert "batch.manifest_valid" in document["blocked_by"]
    details = " ".join(_outcome(document, "batch.manifest_valid")["details"])
    assert manifest.name.removesuffix(".manifest.json") in details
    assert document["counts"]["processed"] == 0
    assert document["counts"]["quarantined"] == document["counts"]["rows_in"] == 120


def test_a_resent_file_is_named_and_its_rows_are_not_published_twice(
    spark: Any, transactions_rules: Any, clean_day: Path, tmp_path: Path
) -> None:
    day = clean_day / "transactions" / f"ingest_date={DAY}"
    original = next(p for p in day.glob("*.csv"))
    shutil.copy(original, day / ("resent-" + original.name))
    document = _validate(spark, transactions_rules, clean_day, tmp_path / "out")

    resend = _outcome(document, "batch.resend")
    assert resend["status"] == "failed" and resend["severity"] == "warn"
    assert "resent-" + original.name in " ".join(resend["details"])
    counts = document["counts"]
    assert counts["rows_in"] == 240
    assert counts["processed"] <= 120  # no transaction published twice
    assert counts["processed"] + counts["quarantined"] + counts["rejected"] == 240


def test_a_day_without_records_and_without_history_is_not_a_silent_pass(
    spark: Any, transactions_rules: Any, tmp_path: Path
) -> None:
    """A header-only delivery: nothing to quarantine, but 0 rows with no band to compare
    with is said (batch.volume_band, a warning), not passed in silence."""
    from clean_row import ROW, validate_day

    day = tmp_path / "day"
    day.mkdir()
    (day / "cardnet-001.csv").write_text(",".join(ROW) + "\n")
    document = validate_day(spark, transactions_rules, day, tmp_path / "out")
    volume = _outcome(document, "batch.volume_band")
    assert (volume["status"], document["status"]) == ("failed", "passed_with_warnings")
    assert volume["details"][0].startswith("no records at all, and too little history")
    assert document["counts"]["rows_in"] == 0


def test_in_a_blocked_batch_every_quarantined_row_says_the_batch_is_blocked(
    spark: Any, transactions_rules: Any, tmp_path: Path
) -> None:
    """A file without `channel` blocks the batch; its rows' own failure (a null channel)
    does not say why they are all held, so the blocking reason is on them too."""
    import pyarrow.parquet as pq

    from clean_row import ROW, validate_day

    day = tmp_path / "day"
    day.mkdir()
    columns = [c for c in ROW if c != "channel"]
    (day / "cardnet-001.csv").write_text(
        ",".join(columns) + "\n" + ",".join(ROW[c] for c in columns) + "\n"
    )
    document = validate_day(spark, transactions_rules, day, tmp_path / "out")
    assert document["status"] == "blocked"
    rows = pq.read_table(document["outputs"]["quarantine"]).to_pylist()
    assert [row["dq_rule_ids"] for row in rows] == [["channel.allowed", "batch.blocked"]]
    held = rows[0]["dq_violations"][-1]["message"]
    assert held == "held: the batch is blocked by batch.schema_breaking"
