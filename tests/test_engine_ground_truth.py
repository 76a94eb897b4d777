"""The engine against the generator's ground truth, end to end through validate_batch.

Two generated business days (CSV, CSV.gz, JSONL, JSONL.gz, Parquet, with manifests) are
validated in date order into one output root: exactly the defective rows are quarantined
with exactly their rules, exactly the unparsable lines are rejected, no clean row is
touched, rows balance, and the status is the one the ground truth expects.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fintech_dq.engine import OutputLocations, RunResult, ValidationRequest, validate_batch
from fintech_dq.masking import luhn_valid, mask_pan
from fintech_dq.sample import DefectMix, GroundTruth, generate_day, generate_days

LAST_DAY = date(2026, 11, 27)
ROWS = 4000


def _request(root: Path, day: date, out: Path, **kw: Any) -> ValidationRequest:
    return ValidationRequest(
        dataset="transactions",
        business_date=day,
        inputs=[str(root / "transactions" / f"ingest_date={day.isoformat()}")],
        outputs=OutputLocations.under(out),
        references={"merchants": str(root / "reference" / "merchants" / "merchants.csv")},
        now=datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC)
        + timedelta(hours=6),
        **kw,
    )


@pytest.fixture(scope="module")
def two_days(spark: Any, transactions_rules: Any, tmp_path_factory: Any) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("landing")
    out = tmp_path_factory.mktemp("out")
    truths = generate_days(root, LAST_DAY, days=2, rows=ROWS, seed=11)
    results = [
        validate_batch(spark, transactions_rules, _request(root, truth.business_date, out))
        for truth in truths
    ]
    return {"root": root, "out": out, "truths": truths, "results": results}


def _by_row(rows: list[Any]) -> dict[tuple[str, int], set[str]]:
    return {
        (Path(r["source_file"]).name, int(r["source_line"])): set(r["dq_rule_ids"]) for r in rows
    }


def _expected(truth: GroundTruth, outcome: str) -> dict[tuple[str, int], set[str]]:
    return {
        (d.file, d.line): set(d.expected_rules)
        for d in truth.defects
        if d.expected_outcome == outcome
    }


@pytest.mark.parametrize("day_index", [0, 1])
def test_exactly_the_defective_rows_are_quarantined(
    spark: Any, two_days: dict[str, Any], day_index: int
) -> None:
    truth: GroundTruth = two_days["truths"][day_index]
    result: RunResult = two_days["results"][day_index]
    quarantine = spark.read.parquet(result.document["outputs"]["quarantine"]).collect()
    assert _by_row(quarantine) == _expected(truth, "quarantined")


@pytest.mark.parametrize("day_index", [0, 1])
def test_exactly_the_unparsable_lines_are_rejected(
    spark: Any, two_days: dict[str, Any], day_index: int
) -> None:
    truth: GroundTruth = two_days["truths"][day_index]
    result: RunResult = two_days["results"][day_index]
    rejected = spark.read.parquet(result.document["outputs"]["rejected"]).collect()
    found = {(Path(r["source_file"]).name, int(r["source_line"])) for r in rejected}
    assert found == set(_expected(truth, "rejected"))
    assert all(r["reason"] and r["raw_text"] for r in rejected)


@pytest.mark.parametrize("day_index", [0, 1])
def test_rows_balance_and_status_matches_ground_truth(
    two_days: dict[str, Any], day_index: int
) -> None:
    truth: GroundTruth = two_days["truths"][day_index]
    document = two_days["results"][day_index].document
    counts = document["counts"]
    rejected = len(_expected(truth, "rejected"))
    assert counts == {
        "rows_in": truth.rows_total,
        "processed": truth.rows_total - len(truth.defects),
        "quarantined": len(truth.defects) - rejected,
        "rejected": rejected,
        "balanced": True,
    }
    assert document["status"] == truth.expected_status
    manifest_rules = {
        r["rule_id"]: r for r in document["rule_results"] if "manifest" in r["rule_id"]
    }
    assert {r["status"] for r in manifest_rules.values()} == {"passed"}, manifest_rules


def test_second_day_catches_ids_seen_the_day_before(two_days: dict[str, Any]) -> None:
    truth: GroundTruth = two_days["truths"][1]
    seen = [d for d in truth.defects if d.defect == "seen_before"]
    assert seen, "the generator injects seen_before defects on the second day"
    results = {r["rule_id"]: r for r in two_days["results"][1].document["rule_results"]}
    assert results["transaction_id.not_seen_recently"]["failures"] == len(seen)
    assert two_days["results"][1].document["metrics"]["history_days_for_ids"] == 1
    # the first day had no processed history: the rule says so instead of passing
    first = {r["rule_id"]: r for r in two_days["results"][0].document["rule_results"]}
    assert first["transaction_id.not_seen_recently"]["status"] == "not_evaluated"
    assert "no processed data of the 90 days before" in str(
        first["transaction_id.not_seen_recently"]["details"]
    )


def test_results_document_is_written_and_complete(two_days: dict[str, Any]) -> None:
    result: RunResult = two_days["results"][1]
    on_disk = json.loads(Path(result.results_uri).read_text())
    assert on_disk["run_id"] == result.document["run_id"]
    assert {i["format"] for i in on_disk["inputs"]} == {"csv", "jsonl", "parquet"}
    assert all(len(i["sha256"]) == 64 and i["manifest"] for i in on_disk["inputs"])
    assert on_disk["rules"]["version"] == "1.3.0"
    failing = [r for r in on_disk["rule_results"] if r["failures"] and r["severity"] == "error"]
    assert failing and all(r["samples"] for r in failing)
    assert set(on_disk["metrics"]["amount_totals"]) >= {"EUR", "USD"}


def test_rerun_replaces_the_day_and_adds_no_duplicates(
    spark: Any, transactions_rules: Any, two_days: dict[str, Any]
) -> None:
    truth: GroundTruth = two_days["truths"][1]
    before = two_days["results"][1].document["counts"]
    again = validate_batch(
        spark, transactions_rules, _request(two_days["root"], truth.business_date, two_days["out"])
    )
    assert again.document["counts"] == before
    processed = spark.read.parquet(str(two_days["out"] / "processed"))
    day = processed.where(processed.business_date == truth.business_date.isoformat())
    assert day.count() == before["processed"]


def test_an_unmasked_card_number_blocks_the_batch(
    spark: Any, transactions_rules: Any, tmp_path: Path
) -> None:
    day = date(2026, 11, 20)
    truth = generate_day(
        tmp_path / "landing", day, rows=600, seed=5, defects=DefectMix.named("pci_breach")
    )
    assert truth.expected_status == "blocked"
    result = validate_batch(
        spark, transactions_rules, _request(tmp_path / "landing", day, tmp_path / "out")
    )
    document = result.document
    assert document["status"] == "blocked"
    assert document["blocked_by"] == ["card_number.unmasked"]
    assert document["outputs"]["processed"] is None
    assert not (tmp_path / "out" / "processed").exists()
    counts = document["counts"]
    assert counts["processed"] == 0 and counts["balanced"]
    assert counts["quarantined"] == truth.rows_total - counts["rejected"]
    pans = _card_numbers_in(tmp_path / "landing" / "transactions")
    assert pans, "the pci_breach day carries a card number"
    quarantine = spark.read.parquet(document["outputs"]["quarantine"])
    text = " ".join(str(v) for row in quarantine.collect() for v in row.asDict().values())
    for pan in pans:
        assert pan not in text.replace(" ", "")
        assert pan not in json.dumps(document)
        assert mask_pan(pan) in text


def _card_numbers_in(folder: Path) -> set[str]:
    """Every Luhn-valid 13-19 digit run in the delivered files (text and Parquet)."""
    import gzip
    import re

    import pyarrow.parquet as pq

    texts = []
    for path in folder.rglob("*"):
        if path.name.endswith(".parquet"):
            texts.append(str(pq.read_table(path).to_pylist()))
        elif path.name.endswith(".gz"):
            texts.append(gzip.decompress(path.read_bytes()).decode("utf-8", "replace"))
        elif path.is_file():
            texts.append(path.read_text("utf-8", "replace"))
    runs = re.findall(r"(?<![0-9])[0-9]{13,19}(?![0-9])", " ".join(texts))
    return {run for run in runs if luhn_valid(run)}
