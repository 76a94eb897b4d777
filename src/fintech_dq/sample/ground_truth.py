"""What a validation run of a generated day must find: written beside the data.

Expected status follows the rules file (severities, the quarantine-rate threshold), so a
change of severity there changes the expectation here instead of silently disagreeing.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from fintech_dq.contract import Severity, load_rules
from fintech_dq.rules import rules_path
from fintech_dq.sample.defects import QUARANTINED, REJECTED
from fintech_dq.sample.plan import first_line_of
from fintech_dq.sample.rows import transaction_id

GROUND_TRUTH_NAME = "ground_truth.json"


@dataclass(frozen=True)
class FileTruth:
    records: int
    rejected_expected: int


@dataclass(frozen=True)
class DefectTruth:
    file: str
    line: int  # physical line (CSV header = 1); Parquet: row ordinal; both 1-based
    transaction_id: str | None
    defect: str
    expected_rules: list[str]
    expected_outcome: str  # quarantined | rejected


@dataclass(frozen=True)
class GroundTruth:
    business_date: date
    seed: int
    rows_total: int
    files: dict[str, FileTruth]
    expected_status: str
    defects: list[DefectTruth] = field(default_factory=list)
    critical_expected: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["business_date"] = self.business_date.isoformat()
        return document

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> GroundTruth:
        return cls(
            business_date=date.fromisoformat(document["business_date"]),
            seed=int(document["seed"]),
            rows_total=int(document["rows_total"]),
            files={name: FileTruth(**f) for name, f in document["files"].items()},
            expected_status=document["expected_status"],
            defects=[DefectTruth(**d) for d in document["defects"]],
            critical_expected=list(document["critical_expected"]),
        )

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=1) + "\n")

    @classmethod
    def read(cls, path: Path) -> GroundTruth:
        return cls.from_json(json.loads(path.read_text()))

    def defect_rows(self) -> set[int]:
        """Day-wide row numbers of the defective rows (files in name order, then lines)."""
        start, starts = 0, {}
        for name in sorted(self.files):
            starts[name] = start
            start += self.files[name].records
        return {starts[d.file] + d.line - first_line_of(d.file) for d in self.defects}


def ground_truth_path(root: Path, business_date: date) -> Path:
    return root / "ground_truth" / f"ingest_date={business_date.isoformat()}" / GROUND_TRUTH_NAME


@cache
def _rules_facts() -> tuple[frozenset[str], Decimal]:
    """Critical rule ids and the quarantine rate above which a run fails."""
    rules = load_rules(rules_path("transactions"))
    critical = frozenset(r.id for r in rules.all_rules if r.severity is Severity.CRITICAL)
    return critical, rules.fail_when_quarantine_rate_above


def critical_rules(defects: Iterable[DefectTruth]) -> list[str]:
    critical, _ = _rules_facts()
    return sorted({rule for d in defects for rule in d.expected_rules if rule in critical})


def expected_status(rows: int, defects: Sequence[DefectTruth]) -> str:
    """blocked > failed (quarantined share above the threshold) > passed_with_warnings > passed."""
    _, threshold = _rules_facts()
    quarantined = sum(1 for d in defects if d.expected_outcome == QUARANTINED)
    rejected = sum(1 for d in defects if d.expected_outcome == REJECTED)
    if critical_rules(defects):
        return "blocked"
    if rows and Decimal(quarantined) / rows > threshold:
        return "failed"
    if quarantined or rejected:
        return "passed_with_warnings"
    return "passed"


def processed_ids(history: Sequence[GroundTruth], wanted: int, rng: random.Random) -> list[str]:
    """Distinct ids of clean rows of past days that were not blocked (so were published)."""
    days = [truth for truth in history if truth.expected_status != "blocked"]
    picked: set[str] = set()
    if not days:
        return []
    defective = {truth.business_date: truth.defect_rows() for truth in days}
    attempts = 0
    while len(picked) < wanted and attempts < wanted * 20:
        attempts += 1
        truth = rng.choice(days)
        index = rng.randrange(truth.rows_total)
        if index not in defective[truth.business_date]:
            picked.add(transaction_id(truth.business_date, index))
    return sorted(picked)
