"""Mandatory values: always, only for some types, or forbidden unless a status allows it."""

from __future__ import annotations

from pyspark.sql import functions as F

from fintech_dq.checks.base import CheckContext, RowCheck, failed_when
from fintech_dq.contract import RuleSpec
from fintech_dq.expressions.membership import is_in


def required(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    column = str(rule.column)
    return RowCheck(
        rule,
        failed_when(ctx.raw(column).isNull()),
        F.lit(f"{column} is missing"),
    )


def required_when(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    column, when = str(rule.column), str(rule.params["when_column"])
    values = list(rule.params["in"])
    condition = is_in(ctx.value(when), values) & ctx.raw(column).isNull()
    message = F.concat(F.lit(f"{column} is missing for {when} "), ctx.shown(when))
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
