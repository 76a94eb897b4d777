"""Exact money text: amounts are integers of minor units until they are written.

The settlement rule is computed here exactly as the engine states it (amount × rate,
rounded half-even to the settlement currency's minor units), with decimal.Decimal, so a
clean row is right to the last minor unit rather than within the rule's tolerance.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Context, Decimal

# FX rates are written with 8 decimals (decimal(20,10) allows 10).
RATE_DECIMALS = 8
_RATE_SCALE = Decimal(1).scaleb(-RATE_DECIMALS)
_EXACT = Context(prec=60)
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def minor_text(value: int, units: int) -> str:
    """Integer minor units as plain decimal text: (12345, 2) -> '123.45'."""
    if units == 0:
        return str(value)
    sign = "-" if value < 0 else ""
    whole, fraction = divmod(abs(value), 10**units)
    return f"{sign}{whole}.{fraction:0{units}d}"


def decimal_text(value: Decimal) -> str:
    """Plain text of a decimal, never in exponent form."""
    return f"{value:f}"


def rate_text(rate: Decimal) -> str:
    return decimal_text(rate.quantize(_RATE_SCALE, rounding=ROUND_HALF_EVEN))


def settle(amount: Decimal, rate: Decimal, units: int) -> Decimal:
    """amount × rate rounded half-even to `units` decimals (the settlement currency's)."""
    product = _EXACT.multiply(amount, rate)
    return product.quantize(Decimal(1).scaleb(-units), rounding=ROUND_HALF_EVEN, context=_EXACT)


def parse_plain(text: str | None) -> Decimal | None:
    """The value of a plain decimal text ('-12.50'), None for anything else ('1e3', '1,0')."""
    if text is None or not _PLAIN_DECIMAL.fullmatch(text):
        return None
    return Decimal(text)
