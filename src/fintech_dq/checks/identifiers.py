"""Identifier rules: IBAN, BIC, and the PCI DSS scan for unmasked card numbers."""

from __future__ import annotations

from pyspark.sql import functions as F

from fintech_dq.checks.base import PAN_FOUND, PANS, CheckContext, RowCheck, failed_when
from fintech_dq.contract import RuleSpec
from fintech_dq.expressions.bic_check import bic_valid
from fintech_dq.expressions.card_numbers import masked_pan_sql
from fintech_dq.expressions.iban_check import iban_valid
from fintech_dq.ingest.model import OUTSIDE_CONTRACT, sql_name, sql_text


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
    # all_text: every column as sent (engine.pan_guard scans amounts and timestamps too)
    names = [c.name for c in ctx.rules.columns]
    if isinstance(rule.params["columns"], list):
        names = [str(n) for n in rule.params["columns"]]
    # SQL text: the higher-order functions cost ~70 calls into the JVM each when built
    # with the Column API (engine.jvm_calls).
    pans = sql_name(PANS)
    held = {n: f"contains({sql_name(n)}, pan.text)" for n in names}
    if not isinstance(rule.params["columns"], list):  # engine.pan_guard scans this too
        # A JSON line is kept whole when it holds a card number (ingest.json_records): only
        # a number no contract column holds is outside the contract.
        inside = " OR ".join(f"coalesce({held[n]}, false)" for n in names)
        held[OUTSIDE_CONTRACT] = (
            f"contains({sql_name(OUTSIDE_CONTRACT)}, pan.text) AND NOT ({inside})"
        )
    shown = {n: sql_text(n) for n in names} | {
        OUTSIDE_CONTRACT: sql_text("a column outside the contract")
    }
    holders = ", ".join(
        f"CASE WHEN exists({pans}, pan -> {test}) THEN {shown[n]} END" for n, test in held.items()
    )
    first = f"get({pans}, 0).digits"
    message = F.expr(
        f"concat('unmasked card number ', {masked_pan_sql(first)}, ' in ', "
        f"concat_ws(', ', {holders}), ' (PCI DSS)')"
    )
    return RowCheck(rule, failed_when(F.col(PAN_FOUND)), message)


BUILDERS = {"iban": iban, "bic": bic, "unmasked_card_number": unmasked_card_number}
