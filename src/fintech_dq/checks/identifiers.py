"""Identifier rules: IBAN, BIC, and the PCI DSS scan for unmasked card numbers."""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import Column
from pyspark.sql import functions as F

from fintech_dq.checks.base import PAN_FOUND, PANS, CheckContext, RowCheck, failed_when
from fintech_dq.contract import RuleSpec
from fintech_dq.expressions.bic_check import bic_valid
from fintech_dq.expressions.card_numbers import masked_pan
from fintech_dq.expressions.iban_check import iban_valid


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


def unmasked_card_number(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    """Reads the row's one PCI scan (engine.pan_guard); names the columns holding a PAN."""
    pans = F.col(PANS)
    # all_text: every column as sent (engine.pan_guard scans amounts and timestamps too)
    names = [c.name for c in ctx.rules.columns]
    if isinstance(rule.params["columns"], list):
        names = [str(n) for n in rule.params["columns"]]
    holders = F.concat_ws(
        ", ",
        *[F.when(F.exists(pans, _found_in(ctx.raw(n))), F.lit(n)) for n in names],
    )
    message = F.concat(
        F.lit("unmasked card number "),
        masked_pan(F.get(pans, 0)["digits"]),
        F.lit(" in "),
        holders,
        F.lit(" (PCI DSS)"),
    )
    return RowCheck(rule, failed_when(F.col(PAN_FOUND)), message)


def _found_in(text: Column) -> Callable[[Column], Column]:
    return lambda pan: text.contains(pan["text"])


BUILDERS = {"iban": iban, "bic": bic, "unmasked_card_number": unmasked_card_number}
