"""Uniqueness within the batch and against recent history.

The engine prepares the lookups (one aggregation over the ids, one semi-join with the
processed history) and exposes `_dup_first_file/_dup_first_line` and
`_seen_business_date`; these rules compare the row with them.
"""

from __future__ import annotations

from pyspark.sql import functions as F

from fintech_dq.checks.base import (
    DUPLICATE_FIRST_FILE,
    DUPLICATE_FIRST_LINE,
    HISTORY_SEEN_DATE,
    SOURCE_FILE,
    SOURCE_LINE,
    CheckContext,
    RowCheck,
    failed_when,
)
from fintech_dq.contract import RuleSpec
from fintech_dq.expressions.card_numbers import mask_card_numbers


def unique(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    """The first copy (by file, then line) is kept; every later copy fails."""
    column = str(rule.column)
    first_file, first_line = F.col(DUPLICATE_FIRST_FILE), F.col(DUPLICATE_FIRST_LINE)
    is_first = (F.col(SOURCE_FILE) == first_file) & (F.col(SOURCE_LINE) == first_line)
    condition = first_file.isNotNull() & ~is_first
    message = F.concat(
        F.lit(f"{column} "),
        ctx.shown(column),
        F.lit(" already appears in "),
        mask_card_numbers(first_file),  # a file name can hold a PAN
        F.lit(" line "),
        first_line.cast("string"),
    )
    return RowCheck(rule, failed_when(condition), message)


def not_in_history(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    column = str(rule.column)
    seen = F.col(HISTORY_SEEN_DATE)
    days = int(rule.params["lookback_days"])
    message = F.concat(
        F.lit(f"{column} "),
        ctx.shown(column),
        F.lit(" was already processed on "),
        seen.cast("string"),
        F.lit(f" (within the last {days} days)"),
    )
    return RowCheck(rule, failed_when(seen.isNotNull()), message)


BUILDERS = {"unique": unique, "not_in_history": not_in_history}
