"""Rules on one text value: patterns, allowed values, code sets, and values implied by others."""

from __future__ import annotations

from pyspark.sql import functions as F

from fintech_dq.checks.base import CheckContext, RowCheck, failed_when
from fintech_dq.contract import RuleSpec
from fintech_dq.contract.java_regex import whole_value_regex
from fintech_dq.expressions.code_sets import is_in_code_set
from fintech_dq.expressions.membership import is_in

CODE_SET_NAMES = {
    "iso4217": "an active ISO 4217 currency code",
    "iso3166_alpha2": "an ISO 3166-1 alpha-2 country code",
    "iso18245": "a known ISO 18245 merchant category code",
}


def pattern(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    column = str(rule.column)
    regex = str(rule.params["pattern"])
    condition = ctx.raw(column).isNotNull() & ~ctx.raw(column).rlike(whole_value_regex(regex))
    shown = ctx.shown(column)
    message = F.when(
        # Shown masked (PCI), a card number would seem to match a masked format such as
        # card_pan's: say that what is stored is the unmasked number.
        ctx.holds_card_number(column),
        F.concat(
            F.lit(f"{column} holds an unmasked card number, shown masked here as "),
            shown,
            F.lit(f"; a stored value must match {column} format {regex}"),
        ),
    ).otherwise(F.concat(shown, F.lit(f" does not match {column} format {regex}")))
    return RowCheck(rule, failed_when(condition), message)


def allowed_values(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    column = str(rule.column)
    values = [str(v) for v in rule.params["values"]]
    value = ctx.raw(column)
    outside = value.isNotNull() & ~is_in(value, values)
    condition = outside if rule.params.get("allow_null") else (value.isNull() | outside)
    message = F.concat(
        F.lit(f"{column} "), ctx.shown(column), F.lit(f" is not one of {', '.join(values)}")
    )
    return RowCheck(rule, failed_when(condition), message)


def code_set(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    column = str(rule.column)
    name = str(rule.params["code_set"])
    value = ctx.raw(column)
    outside = value.isNotNull() & ~failed_when(is_in_code_set(value, name))
    condition = outside if rule.params.get("allow_null") else (value.isNull() | outside)
    message = F.concat(
        F.lit(f"{column} "), ctx.shown(column), F.lit(f" is not {CODE_SET_NAMES[name]}")
    )
    return RowCheck(rule, failed_when(condition), message)


def value_mapping(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    """`column` must equal mapping[key_column]; keys absent from the mapping are free.

    A value that is none of the mapped values (a typo) is left to `allowed_values`, so one
    bad value is reported once.
    """
    column, key = str(rule.column), str(rule.params["key_column"])
    mapping: dict[str, str] = {str(k): str(v) for k, v in rule.params["mapping"].items()}
    pairs = [item for k, v in mapping.items() for item in (F.lit(k), F.lit(v))]
    expected = F.element_at(F.create_map(*pairs), ctx.raw(key))
    known = is_in(ctx.raw(column), sorted(set(mapping.values())))
    condition = expected.isNotNull() & known & (ctx.raw(column) != expected)
    message = F.concat(
        F.lit(f"{column} "),
        ctx.shown(column),
        F.lit(f" does not fit {key} "),
        ctx.shown(key),
        F.lit(" (expected "),
        expected,
        F.lit(")"),
    )
    return RowCheck(rule, failed_when(condition), message)


BUILDERS = {
    "pattern": pattern,
    "allowed_values": allowed_values,
    "code_set": code_set,
    "value_mapping": value_mapping,
}
