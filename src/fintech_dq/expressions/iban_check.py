"""IBAN validity (ISO 13616): the country's length and the mod-97 check, as a Spark expression."""

from __future__ import annotations

import string

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


# Letters become two digits (A=10 ... Z=35); the longest IBAN (34 characters) then has at
# most 68 digits: 8 chunks of 9.
_CHUNKS = 8
_CHUNK = 9


def _mod97(text: Column) -> Column:
    """`text` (digits and A-Z, letters worth 10-35) as a number, modulo 97.

    Plain arithmetic on 9-digit chunks of the expanded number, unrolled: the remainder
    stays below 97 * 10^9 + 10^9, inside a long. (A fold over the characters with
    `aggregate` was interpreted per character: ~6 s per million IBANs against ~1 s.)
    The chunks are cut from the right of the number's bytes, with negative positions: a
    chunk before the first digit is empty (0). On bytes, not text, because a text
    substring counts the characters of the whole text on every call, and cutting from the
    right needs no left-padding copy (measured, 200,000 JSON rows' IBANs: 0.68 s -> 0.40 s).
    """
    digits = text
    for value, letter in enumerate(string.ascii_uppercase, start=10):
        digits = F.replace(digits, F.lit(letter), F.lit(str(value)))
    number = digits.cast("binary")
    zero = F.lit(0).cast("long")
    remainder: Column = zero
    for k in reversed(range(_CHUNKS)):  # the most significant chunk first
        chunk = F.substring(number, -_CHUNK * (k + 1), _CHUNK).cast("string").cast("long")
        remainder = (remainder * F.lit(10**_CHUNK) + F.coalesce(chunk, zero)) % 97
    return remainder


def iban_valid(iban: Column) -> Column:
    """True for a valid IBAN, printed with spaces or not; lower case is invalid; null for null.

    Written without a conditional around the check: Spark shares a repeated subexpression
    (the expanded number, read 8 times by `_mod97`) only where it is always evaluated, so
    under a CASE branch the letter expansion ran 8 times per row (~7 s per million rows).
    Text that is not well formed is checked as "" (remainder 0: invalid).
    """
    compact = F.replace(iban, F.lit(" "), F.lit(""))
    well_formed = F.coalesce(
        compact.rlike(_ELECTRONIC) & _has_country_length(compact), F.lit(False)
    )
    rearranged = F.concat(compact.substr(F.lit(5), F.length(compact)), compact.substr(1, 4))
    checked = F.when(well_formed, rearranged).otherwise(F.lit(""))
    valid = well_formed & (_mod97(checked) == 1)
    # null for null by arithmetic (a CASE would put the check back under a branch)
    return (F.length(iban) * 0 + valid.cast("int")) == 1
