"""Reference-table rules. The engine joins the reference table once (broadcast) and exposes
`_ref_<name>_found` and `_ref_<name>_<column>`; these rules only read those columns."""

from __future__ import annotations

from pyspark.sql import functions as F

from fintech_dq.checks.base import (
    CheckContext,
    RowCheck,
    failed_when,
    reference_found_column,
    reference_value_column,
)
from fintech_dq.contract import RuleSpec
from fintech_dq.expressions.membership import is_in


def reference(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    column, name = str(rule.column), str(rule.params["reference"])
    found = F.col(reference_found_column(name))
    condition = ctx.raw(column).isNotNull() & ~failed_when(found)
    message = F.concat(F.lit(f"{column} "), ctx.shown(column), F.lit(f" is not in {name}"))
    return RowCheck(rule, failed_when(condition), message)


def reference_status(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    column, name = str(rule.column), str(rule.params["reference"])
    status_column = str(rule.params["status_column"])
    status = F.col(reference_value_column(name, status_column))
    forbidden = [str(v) for v in rule.params["forbidden"]]
    condition = ctx.raw(column).isNotNull() & is_in(status, forbidden)
    message = F.concat(
        F.lit(f"{column} "),
        ctx.shown(column),
        F.lit(f" has {status_column} "),
        status,
        F.lit(f" in {name}"),
    )
    return RowCheck(rule, failed_when(condition), message)


def reference_needs(rules: list[RuleSpec]) -> dict[str, dict[str, frozenset[str]]]:
    """For each reference table the rules read: its value columns they read, each with the
    values they forbid (what a key listed twice is read as, see engine.lookups)."""
    needs: dict[str, dict[str, set[str]]] = {}
    for rule in rules:
        if rule.type not in BUILDERS:
            continue
        values = needs.setdefault(str(rule.params["reference"]), {})
        if rule.type == "reference_status":
            forbidden = values.setdefault(str(rule.params["status_column"]), set())
            forbidden.update(str(v) for v in rule.params["forbidden"])
    return {name: {c: frozenset(v) for c, v in values.items()} for name, values in needs.items()}


BUILDERS = {"reference": reference, "reference_status": reference_status}
