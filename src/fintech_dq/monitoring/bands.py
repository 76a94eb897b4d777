"""The band a figure is judged against: median ± 3 × scaled MAD of its history.

The one implementation of the method: the engine's trailing-window rules
(engine/history.py) and the report and metrics use it. It lives here, free of Spark, since
the report and the metrics run in Airflow tasks and Lambdas, where Spark is not installed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from statistics import median
from typing import Any

MAD_SCALE = Decimal("1.4826")
BAND_WIDTH = Decimal(3)
MAD_FLOOR_SHARE = Decimal("0.01")
"""A perfectly steady history would give a zero-width band: floor at 1% of the median."""


@dataclass(frozen=True)
class Band:
    median: Decimal
    low: Decimal
    high: Decimal
    days: int
    basis: str
    """same weekday, all days, or month end"""

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


def band_for(
    history: list[dict[str, Any]],
    business_date: date,
    value_of: Callable[[dict[str, Any]], Any],
    min_days: int,
) -> Band | None:
    """Same weekday when there are min_days of them, else every day; None: too few."""
    same_weekday = [
        d
        for d in history
        if date.fromisoformat(d["business_date"]).weekday() == business_date.weekday()
    ]
    for basis, documents in (("same weekday", same_weekday), ("all days", history)):
        values = [v for v in (value_of(d) for d in documents) if v is not None]
        if len(values) >= min_days:
            return band_of_values([Decimal(str(v)) for v in values], basis)
    return None


def band_of_values(values: list[Decimal], basis: str) -> Band:
    middle = Decimal(median(values))
    mad = Decimal(median([abs(v - middle) for v in values]))
    spread = max(mad * MAD_SCALE, abs(middle) * MAD_FLOOR_SHARE)
    return Band(
        middle, middle - BAND_WIDTH * spread, middle + BAND_WIDTH * spread, len(values), basis
    )


def plain_figure(value: Decimal) -> str:
    """A figure or band edge as text for people: exact for whole numbers and money (no
    exponent, no float rounding); six decimals for rates below 1,000."""
    if abs(value) < 1000 and value != value.to_integral_value():
        value = round(value, 6)
    return plain_digits(value)


def plain_digits(value: Decimal) -> str:
    """A decimal exactly as plain text: no exponent, no needless trailing zeros."""
    shown = format(value, "f")
    return shown.rstrip("0").rstrip(".") if "." in shown else shown
