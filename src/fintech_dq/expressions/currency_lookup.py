"""Currency minor units as Spark expressions, and rounding to them.

The ISO 4217 table (fintech_dq.reference.currencies) is embedded as literals: one `isin`
per distinct minor-unit value (0, 2, 3, 4). Spark turns each into a hash-set lookup
(InSet), where a literal map of ~170 entries would be searched linearly on every row:
on 1M rows, local[2], best of 5: CASE of `isin` 0.24 s vs map lookup 0.36 s.
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import Column
from pyspark.sql import functions as F

from fintech_dq.expressions.membership import is_in
from fintech_dq.reference.currencies import minor_units


def minor_unit_values() -> list[int]:
    """The distinct minor-unit values ISO 4217 uses, ascending."""
    return sorted(set(minor_units().values()))


def minor_units_of(currency: Column) -> Column:
    """IntegerType minor units of an active ISO 4217 code (exact, case-sensitive); else null."""
    table = minor_units()
    branches = [
        (is_in(currency, sorted(code for code, value in table.items() if value == units)), units)
        for units in minor_unit_values()
    ]
    (first_test, first_units), *rest = branches
    expression = F.when(first_test, F.lit(first_units))
    for test, units in rest:
        expression = expression.when(test, F.lit(units))
    return expression


def case_by_minor_units(minor_units_column: Column, build: Callable[[int], Column]) -> Column:
    """CASE minor_units WHEN u THEN build(u) ... over ISO's values; null for others.

    Spark's round and bround take a literal scale; this is how a per-row scale is applied.
    """
    first, *rest = minor_unit_values()
    expression = F.when(minor_units_column == first, build(first))
    for units in rest:
        expression = expression.when(minor_units_column == units, build(units))
    return expression


def round_half_even_to_minor_units(value: Column, minor_units_column: Column) -> Column:
    """`value` rounded half-even (banker's rounding) to `minor_units_column` places, exactly.

    Decimal in, decimal out (Spark widens the branches to one decimal type); null when the
    minor units are null or not an ISO 4217 value.
    """
    return case_by_minor_units(minor_units_column, lambda units: F.bround(value, units))
