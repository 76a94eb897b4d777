"""Typed views of the raw text columns: `_t_<column>` next to each decimal or timestamp
column as sent. A string column is its own typed value: no copy is added (every projection
after this one would carry the copy along: wide rows cost time to copy)."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import DecimalType

from fintech_dq.checks.base import has_typed_copy, typed_name
from fintech_dq.contract import ColumnSpec, DatasetRules
from fintech_dq.expressions.decimal_text import parse_decimal
from fintech_dq.expressions.timestamp_text import parse_timestamp


def typed_value(column: ColumnSpec) -> Column:
    raw = F.col(column.name)
    if column.kind == "decimal":
        precision, scale = column.precision_scale
        value = parse_decimal(raw, precision, scale)
        if column.null_means is not None:
            default = F.lit(column.null_means).cast(DecimalType(precision, scale))
            value = F.when(raw.isNull(), default).otherwise(value)
        return value
    if column.kind == "timestamp":
        return parse_timestamp(raw)
    return raw


def with_typed_columns(records: DataFrame, rules: DatasetRules) -> DataFrame:
    return records.select(
        "*",
        *[typed_value(c).alias(typed_name(c)) for c in rules.columns if has_typed_copy(c)],
    )
