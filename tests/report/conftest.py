"""An environment of its own for the report tests: a bucket C like the deployed one
(Object Lock COMPLIANCE, versioned) holding one real run and 29 earlier days."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

HISTORY_DAYS = 29


def earlier_day(document: dict[str, Any], back: int) -> dict[str, Any]:
    """An earlier day's results document shaped like the real one: volume around 500 rows
    (so the real run's ~300 is outside its band), totals scaled with it."""
    day = date.fromisoformat(document["business_date"]) - timedelta(days=back)
    rows_in = 500 + (back * 7) % 23 - 11
    quarantined = 5 + back % 4
    earlier = copy.deepcopy(document)
    earlier.update(
        business_date=day.isoformat(),
        run_id=f"{day.isoformat()}-hist{back:02d}",
        status="passed_with_warnings",
        finished_at=f"{(day + timedelta(days=1)).isoformat()}T06:05:00+00:00",
        counts={
            "rows_in": rows_in,
            "processed": rows_in - quarantined,
            "quarantined": quarantined,
            "rejected": 0,
            "balanced": True,
        },
    )
    scale = Decimal(rows_in) / Decimal(document["counts"]["rows_in"])
    totals = earlier["metrics"].get("amount_totals") or {}
    earlier["metrics"]["amount_totals"] = {c: str(Decimal(v) * scale) for c, v in totals.items()}
    earlier["metrics"]["quarantine_rate"] = quarantined / rows_in
    return earlier


@pytest.fixture(scope="module")
def report_environment(local_stack: Any, validated_run: dict[str, Any]) -> dict[str, Any]:
    locations = local_stack.locked_environment("report")
    s3 = local_stack.client("s3")
    today = date.fromisoformat(validated_run["business_date"])
    documents = [earlier_day(validated_run, back) for back in range(HISTORY_DAYS, 0, -1)]
    for document in [*documents, validated_run]:
        key = locations.results_key(
            date.fromisoformat(document["business_date"]), document["run_id"]
        )
        s3.put_object(Bucket=locations.audit_bucket, Key=key, Body=json.dumps(document).encode())
    diff = {
        "dataset": "transactions",
        "business_date": today.isoformat(),
        "checked_at": "2026-11-28T05:59:00Z",
        "decision": "additive",
        "catalog": {"version_id": "3"},
        "changes": [
            {
                "against": "contract",
                "kind": "column_added",
                "column": "loyalty_tier",
                "old": None,
                "new": "string",
                "classification": "additive",
                "message": "a column the contract does not know",
            }
        ],
    }
    diff_key = (
        f"{locations.schema_prefix}business_date={today}/table_version=3/rules_sha256=x/diff.json"
    )
    s3.put_object(Bucket=locations.audit_bucket, Key=diff_key, Body=json.dumps(diff).encode())
    return {"locations": locations, "history": documents, "today": validated_run, "day": today}
