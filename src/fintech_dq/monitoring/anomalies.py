"""Band and value of each anomaly metric of a run, for the report and `fdq metrics`.

The method is the engine's (monitoring/bands.py mirrors engine/history.py: median ± 3 ×
scaled MAD over the trailing window, same weekday first), plus month-end: the last
business day of a month is compared with earlier month-ends when there are enough of them,
because month-end volumes and totals (salaries, settlements) do not look like an ordinary Tuesday's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fintech_dq.monitoring.bands import Band, band_for

WINDOW_DAYS = 30
"""Business days (results documents), as the engine's window_business_days."""
MIN_DAYS = 5
MIN_MONTH_ENDS = 3


@dataclass(frozen=True)
class AnomalyBand:
    metric: str
    """e.g. volume, quarantine_rate, null_rate:fee_amount, amount_total:EUR"""
    value: Decimal
    band: Band | None
    """None: too little history to judge."""

    @property
    def verdict(self) -> str:
        if self.band is None:
            return "no band yet"
        return "within band" if self.band.contains(self.value) else "outside band"

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "value": str(self.value),
            "band": self.band.as_dict() if self.band else None,
            "verdict": self.verdict,
        }


def is_month_end(day: date) -> bool:
    """The last weekday of its month (business days: Monday to Friday)."""
    following = day + timedelta(days=1)
    while following.weekday() >= 5:
        following += timedelta(days=1)
    return day.weekday() < 5 and following.month != day.month


def band_of(
    history: list[dict[str, Any]],
    business_date: date,
    value_of: Callable[[dict[str, Any]], Any],
) -> Band | None:
    """Month-ends against month-ends (any age in the history given); otherwise the
    engine's band over the trailing WINDOW_DAYS business days."""
    earlier = [d for d in history if str(d["business_date"]) < business_date.isoformat()]
    earlier.sort(key=lambda d: str(d["business_date"]), reverse=True)
    if is_month_end(business_date):
        month_ends = [d for d in earlier if is_month_end(date.fromisoformat(d["business_date"]))]
        values = [value_of(d) for d in month_ends]
        if len([v for v in values if v is not None]) >= MIN_MONTH_ENDS:
            band = band_for(month_ends, business_date, value_of, MIN_MONTH_ENDS)
            if band is not None:
                return Band(band.median, band.low, band.high, band.days, "month end")
    recent = earlier[:WINDOW_DAYS]
    return band_for(recent, business_date, value_of, MIN_DAYS)


def quarantine_rate(document: dict[str, Any]) -> Decimal | None:
    counts = document.get("counts") or {}
    if not counts.get("rows_in"):
        return None
    return Decimal(counts["quarantined"]) / Decimal(counts["rows_in"])


def anomaly_bands(document: dict[str, Any], history: list[dict[str, Any]]) -> list[AnomalyBand]:
    """Volume, quarantine rate, null rate per column and amount total per currency."""
    business_date = date.fromisoformat(str(document["business_date"]))
    figures = document.get("metrics") or {}
    found: list[AnomalyBand] = []

    def add(metric: str, value: Any, value_of: Callable[[dict[str, Any]], Any]) -> None:
        if value is None:
            return
        found.append(
            AnomalyBand(metric, Decimal(str(value)), band_of(history, business_date, value_of))
        )

    add("volume", document["counts"]["rows_in"], lambda d: (d.get("counts") or {}).get("rows_in"))
    add("quarantine_rate", quarantine_rate(document), quarantine_rate)
    for column, rate in sorted((figures.get("null_rates") or {}).items()):
        add(f"null_rate:{column}", rate, _figure("null_rates", column))
    for currency, total in sorted((figures.get("amount_totals") or {}).items()):
        add(f"amount_total:{currency}", total, _figure("amount_totals", currency))
    return found


def _figure(group: str, name: str) -> Callable[[dict[str, Any]], Any]:
    def value_of(document: dict[str, Any]) -> Any:
        return ((document.get("metrics") or {}).get(group) or {}).get(name)

    return value_of
