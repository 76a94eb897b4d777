"""Money and number rules: types, ranges, comparisons, minor units and FX consistency.

All arithmetic is exact decimal arithmetic in Spark; no value goes through a double.
"""

from __future__ import annotations

from decimal import Decimal

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql.types import DecimalType

from fintech_dq.checks.base import CheckContext, RowCheck, failed_when
from fintech_dq.contract import RuleSpec
from fintech_dq.expressions.currency_lookup import (
    minor_units_of,
    round_half_even_to_minor_units,
)
from fintech_dq.expressions.decimal_text import decimal_text_problem, has_at_most_minor_units
from fintech_dq.expressions.timestamp_text import timestamp_text_problem

# FX rates are cast to decimal(16,10) before multiplying: decimal(20,4) × decimal(16,10)
# is decimal(37,14), exact, where decimal(20,10) would exceed Spark's 38 digits and lose
# scale before our half-even rounding. No real rate reaches 10^6 (the cast would make it
# null, and the row "cannot be verified").
FX_RATE_FOR_PRODUCT = DecimalType(16, 10)
_MINOR_UNIT_STEP = DecimalType(10, 4)

_OPERATORS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b,
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
}


def type_check(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    column = str(rule.column)
    spec = ctx.rules.column(column)
    if spec.kind == "decimal":
        precision, scale = spec.precision_scale
        problem = decimal_text_problem(ctx.raw(column), precision, scale, ctx.shown(column))
    else:
        problem = timestamp_text_problem(ctx.raw(column), ctx.shown(column))
    condition = ctx.raw(column).isNotNull() & ctx.value(column).isNull()
    message = F.concat(
        F.lit(f"{column} "),
        F.coalesce(problem, F.concat(ctx.shown(column), F.lit(" is unreadable"))),
    )
    return RowCheck(rule, failed_when(condition), message)


def range_check(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    column = str(rule.column)
    value = ctx.value(column)
    bounds = {
        "greater_than": (">", lambda v, b: v > b),
        "at_least": (">=", lambda v, b: v >= b),
        "less_than": ("<", lambda v, b: v < b),
        "at_most": ("<=", lambda v, b: v <= b),
    }
    inside = F.lit(True)
    said = []
    for key, (symbol, test) in bounds.items():
        if key in rule.params:
            bound = Decimal(str(rule.params[key]))
            inside = inside & test(value, F.lit(bound))
            said.append(f"{symbol} {bound}")
    if rule.params.get("allow_null", True):
        condition = value.isNotNull() & ~inside
    else:
        condition = value.isNull() | ~inside
    message = F.concat(
        F.lit(f"{column} "), ctx.shown(column), F.lit(f" is not {' and '.join(said)}")
    )
    return RowCheck(rule, failed_when(condition), message)


def compare(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    column, other = str(rule.column), str(rule.params["other_column"])
    operator = str(rule.params["operator"])
    holds = _OPERATORS[operator](ctx.value(column), ctx.value(other))
    message = F.concat(
        F.lit(f"{column} "),
        ctx.shown(column),
        F.lit(f" is not {operator} {other} "),
        ctx.shown(other),
    )
    return RowCheck(rule, failed_when(~holds), message)


def currency_scale(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    """Unknown currencies are left to the currency rule: their minor units are unknown."""
    column, currency = str(rule.column), str(rule.params["currency_column"])
    minor = minor_units_of(ctx.raw(currency))
    condition = ~has_at_most_minor_units(ctx.value(column), minor)
    message = F.concat(
        F.lit(f"{column} "),
        ctx.shown(column),
        F.lit(" has more decimal places than "),
        ctx.shown(currency),
        F.lit(" allows ("),
        minor.cast("string"),
        F.lit(")"),
    )
    return RowCheck(rule, failed_when(condition), message)


def same_currency_rate(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    rate = ctx.value(str(rule.column))
    currency = ctx.raw(str(rule.params["currency_column"]))
    settlement = ctx.raw(str(rule.params["settlement_currency_column"]))
    condition = (currency == settlement) & (rate != F.lit(Decimal(1)))
    message = F.concat(
        F.lit("fx_rate "),
        ctx.shown(str(rule.column)),
        F.lit(" is not 1 although currency and settlement currency are both "),
        ctx.shown(str(rule.params["currency_column"])),
    )
    return RowCheck(rule, failed_when(condition), message)


def fx_settlement(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    """settlement = bround_half_even(amount × rate, minor units of settlement currency) ± tolerance.

    A missing or unreadable amount, rate or settlement amount fails: the settlement cannot
    be verified. An unknown settlement currency is left to its own code rule.
    """
    settlement_column = str(rule.column)
    settlement = ctx.value(settlement_column)
    amount = ctx.value(str(rule.params["amount_column"]))
    rate = ctx.value(str(rule.params["rate_column"])).cast(FX_RATE_FOR_PRODUCT)
    minor = minor_units_of(ctx.raw(str(rule.params["settlement_currency_column"])))
    expected = round_half_even_to_minor_units(amount * rate, minor)
    tolerance = int(rule.params.get("tolerance_minor_units", 1))
    step = _minor_unit_step(minor) * F.lit(tolerance)
    unverifiable = amount.isNull() | rate.isNull() | settlement.isNull()
    off = minor.isNotNull() & (F.abs(settlement - expected) > step)
    message = F.when(
        unverifiable,
        F.lit(
            f"{settlement_column} cannot be verified: amount, fx_rate or "
            f"{settlement_column} is missing or unreadable"
        ),
    ).otherwise(
        F.concat(
            F.lit(f"{settlement_column} "),
            ctx.shown(settlement_column),
            F.lit(" differs from amount × fx_rate = "),
            expected.cast("string"),
            F.lit(f" by more than {tolerance} minor unit(s)"),
        )
    )
    return RowCheck(rule, failed_when(unverifiable | off), message)


def _minor_unit_step(minor: Column) -> Column:
    """10^-minor as an exact decimal (a CASE over the few minor-unit values there are)."""
    expression = F.when(minor == 0, F.lit(Decimal(1)).cast(_MINOR_UNIT_STEP))
    for units in range(1, 5):
        expression = expression.when(
            minor == units, F.lit(Decimal(1).scaleb(-units)).cast(_MINOR_UNIT_STEP)
        )
    return expression


BUILDERS = {
    "type": type_check,
    "range": range_check,
    "compare": compare,
    "currency_scale": currency_scale,
    "same_currency_rate": same_currency_rate,
    "fx_settlement": fx_settlement,
}
