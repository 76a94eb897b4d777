"""The Luhn (mod 10) check digit test, as a Spark expression."""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

# Java regex: `\z` is the very end; `$` would also match before a trailing newline.
ALL_DIGITS = r"^[0-9]+\z"


def luhn_valid(digits: Column) -> Column:
    """True when `digits` is all ASCII digits and passes Luhn; false for other text; null for null.

    Splits the reversed string once and folds it with `aggregate`, doubling every second
    digit; the lambdas see only their own element, so nothing is recomputed per digit.
    """

    def term(char: Column, index: Column) -> Column:
        value = F.ascii(char) - F.lit(48)
        doubled = F.when(value > 4, value * 2 - 9).otherwise(value * 2)
        return F.when(index % 2 == 1, doubled).otherwise(value)

    terms = F.transform(F.split(F.reverse(digits), ""), term)
    total = F.aggregate(terms, F.lit(0), lambda running, value: running + value)
    return F.when(digits.rlike(ALL_DIGITS), total % 10 == 0).when(digits.isNotNull(), F.lit(False))
