"""Membership of a value in a reference code set, as a Spark expression.

`isin` with the literal set: Spark rewrites an IN list longer than 10 items into InSet, a
hash-set probe, while a literal map lookup (map[value]) is a linear search of the keys on
every row. Measured on 1M rows (cached, local[2], best of 5 wall times, summing the test):
ISO 18245 (913 codes) isin 0.33 s vs map 2.96 s; ISO 4217 (~170 codes) isin 0.37 s vs
map 0.52 s; a bare length() over the same rows takes 0.07 s.
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import Column

from fintech_dq.expressions.membership import is_in
from fintech_dq.reference.countries import alpha2_codes
from fintech_dq.reference.currencies import minor_units
from fintech_dq.reference.mcc import mcc_codes

CODE_SETS: dict[str, Callable[[], frozenset[str]]] = {
    "iso4217": lambda: frozenset(minor_units()),
    "iso3166_alpha2": alpha2_codes,
    "iso18245": mcc_codes,
}


def is_in_code_set(column: Column, code_set: str) -> Column:
    """True when the text is in the set (exact, case-sensitive); null for null.

    iso4217: active currency codes with minor units; iso3166_alpha2: ISO 3166-1 alpha-2;
    iso18245: known merchant category codes (four-digit text).
    """
    try:
        codes = CODE_SETS[code_set]()
    except KeyError:
        raise ValueError(
            f"unknown code set {code_set!r}: expected one of {', '.join(sorted(CODE_SETS))}"
        ) from None
    return is_in(column, sorted(codes))
