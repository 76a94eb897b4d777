"""IBAN validity (ISO 13616): the country's length and the mod-97 check, as a Spark expression."""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from fintech_dq.expressions.membership import is_in
from fintech_dq.reference.iban import iban_lengths

# Electronic format: upper-case letters and digits only (spaces of the print format removed
# first); the country code, then two check digits.
_ELECTRONIC = r"^[A-Z]{2}[0-9]{2}[A-Z0-9]+\z"


def _has_country_length(compact: Column) -> Column:
    """Country known and length right, as one hash-set probe on "DE22"-style keys.

    The lengths come from schwifty's registry (fintech_dq.reference.iban); `isin` of a long
    literal list is a hash lookup in Spark, where a literal map is searched linearly.
    """
    keys = sorted(f"{code}{length}" for code, length in iban_lengths().items())
    return is_in(F.concat(compact.substr(1, 2), F.length(compact).cast("string")), keys)


def _mod97(text: Column) -> Column:
    """`text` (digits and A-Z, letters worth 10-35) as a number, modulo 97.

    The characters are split once and folded with `aggregate`; the running remainder never
    exceeds 96 * 100 + 35, so no big integer is ever built.
    """

    def step(remainder: Column, char: Column) -> Column:
        code = F.ascii(char)
        return F.when(code <= 57, (remainder * 10 + code - 48) % 97).otherwise(
            (remainder * 100 + code - 55) % 97
        )

    return F.aggregate(F.split(text, ""), F.lit(0), step)


def iban_valid(iban: Column) -> Column:
    """True for a valid IBAN, printed with spaces or not; lower case is invalid; null for null."""
    compact = F.replace(iban, F.lit(" "), F.lit(""))
    well_formed = compact.rlike(_ELECTRONIC) & _has_country_length(compact)
    rearranged = F.concat(compact.substr(F.lit(5), F.length(compact)), compact.substr(1, 4))
    return F.when(F.coalesce(well_formed, F.lit(False)), _mod97(rearranged) == 1).when(
        iban.isNotNull(), F.lit(False)
    )
