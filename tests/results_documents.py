"""A run's results document, as the engine writes it (engine.runner), for tests of what
reads one: metrics publishing, the runs audit stream."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def results_document(
    rows_in: int, quarantined: int, finished: datetime, run_id: str
) -> dict[str, Any]:
    """One day's results: `quarantined` rows failed amount.positive, none rejected."""
    return {
        "dataset": "transactions",
        "business_date": "2026-11-29",
        "run_id": run_id,
        "status": "failed",
        "status_reasons": ["quarantine rate above 5%"],
        "blocked_by": [],
        "rules": {"version": "1.2.0", "sha256": "ab" * 32},
        "engine": {"name": "fintech-dq", "version": "0"},
        "counts": {
            "rows_in": rows_in,
            "processed": rows_in - quarantined,
            "quarantined": quarantined,
            "rejected": 0,
            "balanced": True,
        },
        "rule_results": [
            {
                "rule_id": "amount.positive",
                "severity": "error",
                "failures": quarantined,
                "status": "failed",
            },
        ],
        "outputs": {},
        "duration_seconds": 3.0,
        "finished_at": finished.isoformat(timespec="milliseconds"),
        "metrics": {},
    }
