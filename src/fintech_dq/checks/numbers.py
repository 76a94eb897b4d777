"""Money and number rules: types, ranges, comparisons, minor units and FX consistency.

All arithmetic is exact decimal arithmetic in Spark; no value goes through a double.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql.types import DecimalType

from fintech_dq.checks.base import CheckContext, RowCheck, failed_when
from fintech_dq.contract import RuleSpec
from fintech_dq.expressions.card_numbers import MIN_PAN_DIGITS
from fintech_dq.expressions.currency_lookup import (
    minor_units_of,
    round_half_even_to_minor_units,
)
from fintech_dq.expressions.decimal_text import decimal_text_problem, has_at_most_minor_units
from fintech_dq.expressions.timestamp_text import timestamp_text_problem

# Spark types a product of decimal(p1,s1) and decimal(p2,s2) as decimal(p1+p2+1, s1+s2);
# above its 38 digits it drops scale instead, rounding the product before our half-even
# rounding to minor units (a double rounding), or with precision loss off, gives null.
_MAX_DIGITS = 38
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
    be verified. An unknown settlement currency is left to its own code rule. The product is
    exact for every amount and rate the contract's types hold (exact_product); one too large
    to compute exactly is also too large for any settlement amount, and fails saying so.
    """
    settlement_column = str(rule.column)
    amount_column, rate_column = str(rule.params["amount_column"]), str(rule.params["rate_column"])
    settlement = ctx.value(settlement_column)
    amount = ctx.value(amount_column)
    rate = ctx.value(rate_column)
    product = exact_product(
        amount,
        ctx.rules.column(amount_column).precision_scale,
        rate,
        ctx.rules.column(rate_column).precision_scale,
    )
    minor = minor_units_of(ctx.raw(str(rule.params["settlement_currency_column"])))
    expected = round_half_even_to_minor_units(product.value, minor)
    tolerance = int(rule.params.get("tolerance_minor_units", 1))
    step = _minor_unit_step(minor) * F.lit(tolerance)
    unverifiable = amount.isNull() | rate.isNull() | settlement.isNull()
    settlement_digits = _integer_digits(ctx.rules.column(settlement_column).precision_scale)
    if product.at_least is not None and product.at_least >= Decimal(10) ** settlement_digits:
        too_large = F.concat(
            F.lit(f"{settlement_column} "),
            ctx.shown(settlement_column),
            F.lit(f" cannot be {amount_column} × {rate_column}: "),
            ctx.shown(amount_column),
            F.lit(" × "),
            ctx.shown(rate_column),
            F.lit(
                f" is at least {product.at_least:.0E}, more than {settlement_column} "
                f"({ctx.rules.column(settlement_column).type}) can hold"
            ),
        )
    else:  # no type of these columns gets here; said rather than assumed
        unverifiable = unverifiable | product.value.isNull()
        too_large = F.lit(None)
    off = minor.isNotNull() & (product.value.isNull() | (F.abs(settlement - expected) > step))
    # A product with 13-19 digits before the point could be a card number: one keyed into
    # amount comes back whole with fx_rate 1 (and most of it with 0.1 or 10). Fewer or
    # more digits in a row cannot be one (expressions.card_numbers); the decimals, at most
    # the minor units, are too few.
    size = F.abs(expected)
    could_be_pan = (size >= F.lit(Decimal(10) ** (MIN_PAN_DIGITS - 1))) & (
        size < F.lit(Decimal(10) ** 19)
    )
    product_shown = F.when(
        could_be_pan,
        F.lit(f" (not shown: {MIN_PAN_DIGITS}-19 digits, as a card number has)"),
    ).otherwise(F.concat(F.lit(" = "), expected.cast("string")))
    message = (
        F.when(
            unverifiable,
            F.lit(
                f"{settlement_column} cannot be verified: amount, fx_rate or "
                f"{settlement_column} is missing or unreadable"
            ),
        )
        .when(product.value.isNull(), too_large)
        .otherwise(
            F.concat(
                F.lit(f"{settlement_column} "),
                ctx.shown(settlement_column),
                F.lit(" differs from amount × fx_rate"),
                product_shown,
                F.lit(f" by more than {tolerance} minor unit(s)"),
            )
        )
    )
    return RowCheck(rule, failed_when(unverifiable | off), message)


@dataclass(frozen=True)
class ExactProduct:
    """`value`: the exact product, or null when it has more digits than Spark's 38 can hold
    with its whole scale; it is then at least `at_least` in size (None: it may be null for
    any size: no type of the rules file gets there)."""

    value: Column
    at_least: Decimal | None


def exact_product(
    amount: Column, amount_type: tuple[int, int], rate: Column, rate_type: tuple[int, int]
) -> ExactProduct:
    """amount × rate with every digit of its scale (no rounding before the caller's).

    decimal(20,4) × decimal(20,10) would need 41 digits. So one factor is narrowed to what
    leaves room for the other: an amount below 10^13 as decimal(17,4) times any rate
    (decimal(38,14)), else the amount times a rate below 10^7 as decimal(17,10)
    (decimal(38,14)). Both are exact; when neither fits, the product is at least
    10^13 × 10^7 = 10^20, beyond any decimal(20,4) settlement amount. The test of the first
    branch is one comparison per row; the second runs only for amounts of 10^13 or more.
    """
    (amount_precision, amount_scale), (rate_precision, rate_scale) = amount_type, rate_type
    if amount_precision + rate_precision + 1 <= _MAX_DIGITS:
        return ExactProduct(amount * rate, None)
    branches = []
    bounds = []
    narrow_amount = _MAX_DIGITS - 1 - rate_precision  # the amount's precision beside a full rate
    narrow_rate = _MAX_DIGITS - 1 - amount_precision
    if narrow_amount > amount_scale:
        below = Decimal(10) ** (narrow_amount - amount_scale)
        fits = F.abs(amount) < F.lit(below)
        branches.append(F.when(fits, amount.cast(DecimalType(narrow_amount, amount_scale)) * rate))
        bounds.append(below)
    if narrow_rate > rate_scale:
        below = Decimal(10) ** (narrow_rate - rate_scale)
        fits = F.abs(rate) < F.lit(below)
        branches.append(F.when(fits, amount * rate.cast(DecimalType(narrow_rate, rate_scale))))
        bounds.append(below)
    if not branches:
        return ExactProduct(F.lit(None).cast(DecimalType(_MAX_DIGITS, 0)), None)
    value = branches[0] if len(branches) == 1 else F.coalesce(*branches)
    at_least = bounds[0] * bounds[1] if len(bounds) == 2 else None
    return ExactProduct(value, at_least)


def _integer_digits(precision_scale: tuple[int, int]) -> int:
    precision, scale = precision_scale
    return precision - scale


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
