"""Mandatory values: always, only for some types, or forbidden unless a status allows it."""

from __future__ import annotations

from functools import reduce

from pyspark.sql import Column
from pyspark.sql import functions as F

from fintech_dq.checks.base import CheckContext, RowCheck, failed_when
from fintech_dq.contract import RuleSpec
from fintech_dq.expressions.membership import is_in

# A value of only these is no value: "   " is as missing as "" (which ingest reads as null).
BLANK_CHARACTERS = " \t\n\r\f\u000b\u00a0"


def missing(value: Column) -> Column:
    """Null, or nothing but white space. The trim (which copies the text) runs only for
    values that start with a blank character."""
    starts_blank = reduce(lambda a, b: a | b, [value.startswith(c) for c in BLANK_CHARACTERS])
    blank = starts_blank & (F.btrim(value, F.lit(BLANK_CHARACTERS)) == "")
    return value.isNull() | blank


def _missing_message(value: Column, text: str) -> Column:
    """'<text> is missing', or '... is blank' when white space was sent."""
    return F.concat(
        F.lit(text), F.when(value.isNull(), F.lit(" is missing")).otherwise(F.lit(" is blank"))
    )


def required(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    column = str(rule.column)
    value = ctx.raw(column)
    return RowCheck(rule, failed_when(missing(value)), _missing_message(value, column))


def required_when(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    column, when = str(rule.column), str(rule.params["when_column"])
    values = list(rule.params["in"])
    value = ctx.raw(column)
    condition = is_in(ctx.value(when), values) & missing(value)
    message = F.concat(_missing_message(value, column), F.lit(f" for {when} "), ctx.shown(when))
    return RowCheck(rule, failed_when(condition), message)


def null_unless(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    column, when = str(rule.column), str(rule.params["when_column"])
    values = list(rule.params["in"])
    allowed = failed_when(is_in(ctx.value(when), values))
    condition = ctx.raw(column).isNotNull() & ~allowed
    message = F.concat(
        F.lit(f"{column} is set although {when} is "),
        ctx.shown(when),
        F.lit(f" (only {', '.join(values)} carry it)"),
    )
    return RowCheck(rule, failed_when(condition), message)


BUILDERS = {"required": required, "required_when": required_when, "null_unless": null_unless}
