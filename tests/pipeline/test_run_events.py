"""The events one run's results call for: what on-call gets to act on (pure, no AWS)."""

from __future__ import annotations

from typing import Any

from fintech_dq.pipeline.locations import PipelineLocations
from fintech_dq.pipeline.publish import run_events

PROCESSED = "s3://b/processed/transactions/business_date=2026-11-28"
QUARANTINE = "s3://b/quarantine/transactions/business_date=2026-11-28"
REJECTED = "s3://b/rejected/transactions/business_date=2026-11-28"


def _results(status: str, processed: str | None) -> dict[str, Any]:
    return {
        "dataset": "transactions",
        "business_date": "2026-11-28",
        "run_id": "r1",
        "status": status,
        "status_reasons": [],
        "blocked_by": ["card_number.unmasked"] if status == "blocked" else [],
        "rules": {"version": "1.1.0"},
        "counts": {"rows_in": 10, "processed": 7, "quarantined": 2, "rejected": 1},
        "rule_results": [
            {"rule_id": "amount.positive", "severity": "error", "failures": 2, "status": "failed"}
        ],
        "outputs": {"processed": processed, "quarantine": QUARANTINE, "rejected": REJECTED},
    }


def test_a_failed_or_blocked_run_links_the_rows_it_held() -> None:
    where = PipelineLocations(env_name="local", account="123456789012")
    for status, processed in (("failed", PROCESSED), ("blocked", None)):
        events = run_events(where, _results(status, processed))
        expected = "validation.failed" if status == "failed" else "batch.blocked"
        assert [e.event_type for e in events] == ["validation.completed", expected]
        links = events[-1].links
        assert links["quarantine"] == QUARANTINE and links["rejected"] == REJECTED
        assert "processed" not in links and {"results", "report"} <= set(links)
