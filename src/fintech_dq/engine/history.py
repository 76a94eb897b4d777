"""Metrics history: earlier runs' results documents, and bands a person can follow.

A band is median ± 3 × scaled MAD (1.4826 × median absolute deviation) of the trailing
window. Same-weekday history is used when there is enough of it (transaction volumes
have a weekly rhythm); otherwise every day of the window. A MAD of zero (a perfectly
steady history) is floored at 1% of the median so that a flat history does not turn
every small change into an anomaly.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fintech_dq import storage
from fintech_dq.monitoring.bands import Band, band_for

# The band method lives beside the report's use of it, in a module without Spark (the
# report and the metrics run where Spark is not installed); the engine's rules use it too.
__all__ = ["Band", "band_for", "load_history"]


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
