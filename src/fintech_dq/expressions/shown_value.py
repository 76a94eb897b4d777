"""How a value as sent appears inside a reason text: quoted, card numbers masked, cut short."""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from fintech_dq.expressions.card_numbers import mask_card_numbers

MAX_SHOWN_CHARS = 40


def shown_value(text: Column) -> Column:
    """'text' masked then cut to 40 characters (masking first: a cut PAN could escape the scan)."""
    masked = mask_card_numbers(text)
    cut = F.when(
        F.length(masked) > MAX_SHOWN_CHARS,
        F.concat(masked.substr(1, MAX_SHOWN_CHARS - 3), F.lit("...")),
    ).otherwise(masked)
    return F.concat(F.lit("'"), cut, F.lit("'"))


def with_shown_value(text: Column, words: Column, shown: Column | None = None) -> Column:
    """ "'<text>' <words>", or null when `words` is null (the masking scan runs only then).

    shown: the value as it may be shown, when the caller has it already masked (the engine's
    safe columns); the card-number scan is then not built again into this expression.
    """
    return F.when(
        words.isNotNull(),
        F.concat(shown if shown is not None else shown_value(text), F.lit(" "), words),
    )
