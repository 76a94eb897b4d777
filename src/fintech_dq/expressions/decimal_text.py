"""Strict reading of decimal text, and exact checks of decimals against minor units.

The engine receives every value as the sender wrote it. Spark's own cast is lenient: it
reads "1e3", rounds "12.34567" to the target scale and trims whitespace, so a value could
change on the way in. Here only plain decimal text is read, and only when it fits the type
exactly; everything else is null, with a reason from `decimal_text_problem`.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql.types import DecimalType

from fintech_dq.expressions.currency_lookup import case_by_minor_units
from fintech_dq.expressions.shown_value import with_shown_value

# Java regexes (`\z`: a trailing newline is not allowed either); spaces are trimmed first.
PLAIN_DECIMAL_PATTERN = r"^[+-]?[0-9]+(\.[0-9]+)?\z"
_THOUSANDS = r"^[+-]?[0-9]{1,3}([, '_][0-9]{3})+(\.[0-9]+)?\z"
_DECIMAL_COMMA = r"^[+-]?[0-9]+,[0-9]+\z"
_EXPONENT = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+\z"
_NOT_A_NUMBER = r"(?i)^[+-]?(nan|inf|infinity)\z"


def _decimal_pattern(integer_digits: int | None, fraction_digits: int | None) -> str:
    """Plain decimal text with at most that many significant digits (None: any number).

    Leading integer zeros and trailing fraction zeros are not significant.
    """
    integer = (
        "[0-9]+"
        if integer_digits is None
        else "0*" + (f"[0-9]{{1,{integer_digits}}}" if integer_digits else "0")
    )
    if fraction_digits is None:
        fraction = r"(\.[0-9]+)?"
    elif fraction_digits:
        fraction = f"(\\.(?=[0-9])[0-9]{{0,{fraction_digits}}}0*)?"
    else:
        fraction = r"(\.0+)?"
    return f"^[+-]?{integer}{fraction}\\z"


def fitting_decimal_pattern(precision: int, scale: int) -> str:
    """Java regex for plain decimal text that fits decimal(precision, scale) without rounding.

    One regex, so reading a valid value costs one match and one cast.
    """
    if not 0 <= scale <= precision:
        raise ValueError(f"decimal({precision},{scale}) is not a decimal type")
    return _decimal_pattern(precision - scale, scale)


def parse_decimal(text: Column, precision: int, scale: int) -> Column:
    """DecimalType(precision, scale) for plain decimal text fitting without rounding, else null."""
    trimmed = F.trim(text)
    fits = trimmed.rlike(fitting_decimal_pattern(precision, scale))
    return F.when(fits, trimmed.cast(DecimalType(precision, scale)))


def decimal_text_problem(
    text: Column, precision: int, scale: int, shown: Column | None = None
) -> Column:
    """Why `parse_decimal` refuses `text`, as a short sentence; null when it reads (or is null)."""
    trimmed = F.trim(text)
    plain = trimmed.rlike(PLAIN_DECIMAL_PATTERN)
    integer_fits = trimmed.rlike(_decimal_pattern(precision - scale, None))
    words = (
        F.when(trimmed.rlike(fitting_decimal_pattern(precision, scale)), F.lit(None))
        .when(trimmed == "", F.lit("is empty"))
        .when(plain & ~integer_fits, F.lit(f"does not fit decimal({precision},{scale})"))
        .when(plain, F.lit(f"has more than {scale} decimal places"))
        .when(trimmed.rlike(_THOUSANDS), F.lit("has a thousands separator"))
        .when(trimmed.rlike(_DECIMAL_COMMA), F.lit("uses a decimal comma"))
        .when(trimmed.rlike(_EXPONENT), F.lit("uses an exponent"))
        .when(trimmed.rlike(_NOT_A_NUMBER), F.lit("is not a number"))
        .otherwise(F.lit("is not a plain decimal number"))
    )
    return with_shown_value(text, words, shown)


def has_at_most_minor_units(amount: Column, minor_units_column: Column) -> Column:
    """True when `amount` has no more significant decimal places than `minor_units_column`.

    Exact: compares the decimal with itself rounded to that many places (12.30 USD passes,
    12.305 USD and 100.5 JPY fail). Spark's round needs a literal scale, so this is a CASE
    over the minor-unit values ISO 4217 uses; any other value, or a null, gives null.
    """
    return case_by_minor_units(minor_units_column, lambda units: amount == F.round(amount, units))
