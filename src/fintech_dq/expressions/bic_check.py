"""BIC validity (ISO 9362): format and country code, as a Spark expression."""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from fintech_dq.expressions.membership import is_in
from fintech_dq.reference.bic import BIC_PATTERN, bic_country_codes


def bic_valid(bic: Column) -> Column:
    """True for 8 or 11 upper-case characters of the BIC format with a known country; null for null.

    The length test also refuses a trailing newline that the pattern's `$` would let through.
    """
    shaped = bic.rlike(BIC_PATTERN) & F.length(bic).isin(8, 11)
    return shaped & is_in(bic.substr(5, 2), sorted(bic_country_codes()))
