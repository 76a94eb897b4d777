"""Chart axis and tooltip labels: plain digits, one format per axis."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fintech_dq.report.charts import Series, _short, axis_labels, line_chart


@pytest.mark.parametrize(
    ("ticks", "labels"),
    [
        (["0", "0.96", "1.92"], ["0", "0.96", "1.92"]),  # was 0, 0.9600, 1.920
        (["0", "2500", "5000"], ["0", "2.5k", "5.0k"]),
        (["4800", "4950", "5100"], ["4.80k", "4.95k", "5.10k"]),
        (["0", "1823021.5", "3646043"], ["0", "1.82M", "3.65M"]),
        (["-1", "0", "1"], ["-1", "0", "1"]),
        (["0.0001", "0.00015", "0.0002"], ["0.00010", "0.00015", "0.00020"]),
    ],
)
def test_an_axis_has_one_scale_and_one_number_of_places(
    ticks: list[str], labels: list[str]
) -> None:
    assert axis_labels([Decimal(t) for t in ticks]) == labels


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("0.9600", "0.96"),
        ("1.920", "1.92"),
        ("1234.5", "1.234k"),  # 4 significant digits, half-even
        ("1823021.5", "1.823M"),
        ("999999", "1M"),  # rounded before the scale is chosen
        ("-3.5", "-3.5"),
        ("1e-12", "0"),
        ("0.000012345", "0.00001234"),
    ],
)
def test_tooltips_are_plain_digits_without_trailing_zeros(value: str, shown: str) -> None:
    assert _short(Decimal(value)) == shown


def test_the_chart_shows_the_axis_labels() -> None:
    svg = line_chart(
        "rate",
        "Quarantine rate",
        ["2026-11-27", "2026-11-28"],
        [Series("rate", [Decimal("0.96"), Decimal("1.92")])],
        unit="%",
    )
    assert ">0%</text>" in svg and ">0.96%</text>" in svg and ">1.92%</text>" in svg
    assert "0.9600" not in svg and "1.920" not in svg
