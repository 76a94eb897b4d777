"""The benchmark's coverage table names every rule of the rules file (the benchmark refuses
to run otherwise: caught here, in CI, rather than at the start of a long benchmark)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_coverage_table_matches_the_rules_file(transactions_rules: Any) -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import bench_peers
    finally:
        sys.path.remove(str(BENCHMARKS))
    rule_ids = [r.id for r in transactions_rules.row_rules + transactions_rules.batch_rules]
    coverage = bench_peers.load_coverage(rule_ids)
    assert set(coverage["rules"]) == set(rule_ids)
    for peer, checked in bench_peers.suite_rule_ids().items():
        assert checked <= set(rule_ids), f"{peer} suite checks rules the rules file lacks"
