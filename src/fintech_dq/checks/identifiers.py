"""Identifier rules: IBAN, BIC, and the PCI DSS scan for unmasked card numbers."""

from __future__ import annotations

from functools import reduce

from pyspark.sql import Column
from pyspark.sql import functions as F

from fintech_dq.checks.base import CheckContext, RowCheck, failed_when
from fintech_dq.contract import RuleSpec
from fintech_dq.expressions.bic_check import bic_valid
from fintech_dq.expressions.card_numbers import (
    contains_unmasked_card_number,
    first_unmasked_card_number,
    mask_card_numbers,
)
from fintech_dq.expressions.iban_check import iban_valid

# Joins the scanned columns: not a digit, letter, space or hyphen, so a number can never
# run across two columns.
_COLUMN_BREAK = "\u001f"


def iban(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    column = str(rule.column)
    condition = ctx.raw(column).isNotNull() & ~failed_when(iban_valid(ctx.raw(column)))
    message = F.concat(
        F.lit(f"{column} "),
        ctx.shown(column),
        F.lit(" is not a valid IBAN (country length or mod-97 check)"),
    )
    return RowCheck(rule, failed_when(condition), message)


def bic(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    column = str(rule.column)
    condition = ctx.raw(column).isNotNull() & ~failed_when(bic_valid(ctx.raw(column)))
    message = F.concat(
        F.lit(f"{column} "),
        ctx.shown(column),
        F.lit(" is not a valid BIC (8 or 11 characters, valid country code)"),
    )
    return RowCheck(rule, failed_when(condition), message)


def scanned_columns(rule: RuleSpec, ctx: CheckContext) -> list[str]:
    wanted = rule.params["columns"]
    if wanted == "all_text":
        return [c.name for c in ctx.rules.columns if c.kind == "string"]
    return [str(name) for name in wanted]


def unmasked_card_number(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    """One regex scan over all text columns joined; the column is named only for hits."""
    names = scanned_columns(rule, ctx)
    joined = F.concat_ws(_COLUMN_BREAK, *[F.coalesce(ctx.raw(n), F.lit("")) for n in names])
    found = contains_unmasked_card_number(joined)
    where: Column = reduce(
        lambda chain, name: chain.when(contains_unmasked_card_number(ctx.raw(name)), F.lit(name)),
        names[1:],
        F.when(contains_unmasked_card_number(ctx.raw(names[0])), F.lit(names[0])),
    )
    masked = mask_card_numbers(first_unmasked_card_number(joined))
    message = F.concat(
        F.lit("unmasked card number "),
        F.coalesce(masked, F.lit("")),
        F.lit(" in column "),
        F.coalesce(where, F.lit("?")),
        F.lit(" (PCI DSS)"),
    )
    return RowCheck(rule, failed_when(found), message)


BUILDERS = {"iban": iban, "bic": bic, "unmasked_card_number": unmasked_card_number}
