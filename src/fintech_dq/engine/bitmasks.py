"""Many booleans per row as bits of a few long columns, and the count of each bit.

The checked rows are kept (persisted) between the figures and the outputs; one boolean
column per rule and per null column would make that frame wider than Spark's whole-stage
code generation handles (100 fields) and slow to cache. 63 booleans fit in one long.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from fintech_dq.ingest.model import sql_name

_BITS = 63  # the sign bit is left alone


def _mask_count(flags: int) -> int:
    return -(-flags // _BITS)  # rounded up


def mask_names(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{n}" for n in range(_mask_count(count))]


def pack(prefix: str, flags: list[Column]) -> list[Column]:
    """Long columns named `mask_names(prefix, len(flags))`: bit i of the flags' order set
    where flag i is true (a null flag counts as false)."""
    masks = []
    for number, name in enumerate(mask_names(prefix, len(flags))):
        part = flags[number * _BITS : (number + 1) * _BITS]
        terms = [F.when(flag, F.lit(1 << bit)).otherwise(F.lit(0)) for bit, flag in enumerate(part)]
        total = terms[0]
        for term in terms[1:]:
            total = total.bitwiseOR(term)
        masks.append(total.cast("long").alias(name))
    return masks


def bits_by_mask(indexes: list[int], count: int) -> list[int]:
    """For the flags at `indexes` of `count` flags, each mask's value with exactly their bits
    set (one value per name of `mask_names(prefix, count)`)."""
    masks = [0] * _mask_count(count)
    for index in indexes:
        masks[index // _BITS] |= 1 << (index % _BITS)
    return masks


def bit(prefix: str, index: int) -> Column:
    """Flag `index` (0 or 1, a long) from the masks `pack` made. (SQL text: one call into
    the JVM where the Column API took eight, for each of ~110 bits a run reads.)"""
    mask = sql_name(f"{prefix}{index // _BITS}")
    return F.expr(f"shiftright({mask}, {index % _BITS}) & 1")
