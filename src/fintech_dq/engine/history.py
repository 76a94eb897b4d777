"""Metrics history: earlier runs' results documents, and bands a person can follow.

A band is median ± 3 × scaled MAD (1.4826 × median absolute deviation) of the trailing
window. Same-weekday history is used when there is enough of it (transaction volumes
have a weekly rhythm); otherwise every day of the window. A MAD of zero (a perfectly
steady history) is floored at 1% of the median so that a flat history does not turn
every small change into an anomaly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from statistics import median
from typing import Any

from fintech_dq import storage

MAD_SCALE = Decimal("1.4826")
BAND_WIDTH = Decimal(3)
MAD_FLOOR_SHARE = Decimal("0.01")


@dataclass(frozen=True)
class Band:
    median: Decimal
    low: Decimal
    high: Decimal
    days: int
    basis: str  # "same weekday" or "all days"

    def contains(self, value: Decimal) -> bool:
        return self.low <= value <= self.high

    def as_dict(self) -> dict[str, Any]:
        return {
            "median": str(self.median),
            "low": str(self.low),
            "high": str(self.high),
            "days": self.days,
            "basis": self.basis,
        }


def load_history(results_root: str, business_date: date, max_days: int) -> list[dict[str, Any]]:
    """The latest results document of each earlier business date, newest first."""
    latest: dict[str, dict[str, Any]] = {}
    for uri in storage.list_files(results_root, "results.json"):
        if "business_date=" not in uri:
            continue
        try:
            document = json.loads(storage.read_text(uri))
        except (OSError, ValueError):
            continue  # an unreadable old document is skipped, not fatal
        day = str(document.get("business_date", ""))
        if not day or day >= business_date.isoformat():
            continue
        kept = latest.get(day)
        if kept is None or str(document.get("finished_at", "")) > str(kept.get("finished_at", "")):
            latest[day] = document
    ordered = sorted(latest.values(), key=lambda d: str(d["business_date"]), reverse=True)
    return ordered[:max_days]


def band_for(
    history: list[dict[str, Any]],
    business_date: date,
    value_of: Any,
    min_days: int,
) -> Band | None:
    """The band of `value_of(document)` over the history, or None with too little history."""
    same_weekday = [
        d
        for d in history
        if date.fromisoformat(d["business_date"]).weekday() == business_date.weekday()
    ]
    for basis, documents in (("same weekday", same_weekday), ("all days", history)):
        values = [v for v in (value_of(d) for d in documents) if v is not None]
        if len(values) >= min_days:
            return _band([Decimal(v) for v in values], basis)
    return None


def _band(values: list[Decimal], basis: str) -> Band:
    middle = Decimal(median(values))
    mad = Decimal(median([abs(v - middle) for v in values]))
    spread = max(mad * MAD_SCALE, abs(middle) * MAD_FLOOR_SHARE)
    return Band(
        median=middle,
        low=middle - BAND_WIDTH * spread,
        high=middle + BAND_WIDTH * spread,
        days=len(values),
        basis=basis,
    )
