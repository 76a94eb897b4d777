"""Compile the row rules into one projection: per-rule failure flags, then `dq_violations`.

Every rule becomes a boolean column `_f<i>` computed once; the violations array, the
row's outcome and every per-rule metric read those flags, so one scan does it all.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from fintech_dq.checks.base import CheckContext, RowCheck
from fintech_dq.checks.registry import ROW_CHECK_BUILDERS
from fintech_dq.contract import RuleSpec, Severity

VIOLATIONS = "dq_violations"
QUARANTINE_FLAG = "_dq_quarantine"
CRITICAL_FLAG = "_dq_critical"
VIOLATIONS_TYPE = "array<struct<rule_id:string,severity:string,message:string>>"


@dataclass(frozen=True)
class CompiledRules:
    checks: list[RowCheck]
    not_evaluated: dict[str, str]  # rule id -> why it could not be evaluated

    def flag(self, index: int) -> str:
        return f"_f{index}"


def compile_rules(
    rules: list[RuleSpec], ctx: CheckContext, unavailable: dict[str, str]
) -> CompiledRules:
    """Build each rule's check; a rule whose input is unavailable is reported, not run.

    `unavailable` maps rule ids to the reason (e.g. a reference table that was not given).
    """
    checks = []
    not_evaluated = dict(unavailable)
    for rule in rules:
        if rule.id in not_evaluated:
            continue
        checks.append(ROW_CHECK_BUILDERS[rule.type](rule, ctx))
    return CompiledRules(checks, not_evaluated)


def with_violations(records: DataFrame, compiled: CompiledRules) -> DataFrame:
    flagged = records.select(
        "*", *[check.failed.alias(compiled.flag(i)) for i, check in enumerate(compiled.checks)]
    )
    entries = [
        F.when(
            F.col(compiled.flag(i)),
            F.struct(
                F.lit(check.rule.id).alias("rule_id"),
                F.lit(check.rule.severity.value).alias("severity"),
                check.message.alias("message"),
            ),
        )
        for i, check in enumerate(compiled.checks)
    ]
    # array_compact is a higher-order function, evaluated interpreted row by row: only rows
    # that broke a rule (a few in a hundred) build the array.
    violations = F.array().cast(VIOLATIONS_TYPE)
    if entries:
        broke_any = _any(compiled, set(Severity))
        violations = F.when(broke_any, F.array_compact(F.array(*entries))).otherwise(violations)
    return flagged.select(
        "*",
        violations.alias(VIOLATIONS),
        _any(compiled, {Severity.ERROR, Severity.CRITICAL}).alias(QUARANTINE_FLAG),
        _any(compiled, {Severity.CRITICAL}).alias(CRITICAL_FLAG),
    )


def _any(compiled: CompiledRules, severities: set[Severity]) -> Column:
    flags = [
        F.col(compiled.flag(i))
        for i, check in enumerate(compiled.checks)
        if check.rule.severity in severities
    ]
    if not flags:
        return F.lit(False)
    result = flags[0]
    for flag in flags[1:]:
        result = result | flag
    return result
