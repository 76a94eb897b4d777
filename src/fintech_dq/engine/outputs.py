"""Writing a run's rows: processed (typed), quarantine (as sent, with reasons), rejected.

Each output goes to `<root>/business_date=YYYY-MM-DD/`, overwritten as a whole, so a rerun
of a day replaces that day's rows and nothing else. Card numbers are masked in every
column of quarantine rows (engine.pan_guard) and in rejected raw text: no output ever shows
a full PAN.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from fintech_dq import storage
from fintech_dq.checks.base import (
    SAFE_PREFIX,
    SOURCE_FILE,
    SOURCE_LINE,
    has_typed_copy,
    safe_value,
    typed_name,
)
from fintech_dq.contract import DatasetRules
from fintech_dq.engine import bitmasks
from fintech_dq.engine.evaluate import CRITICAL_FLAG, QUARANTINE_FLAG, VIOLATIONS, CompiledRules
from fintech_dq.engine.metrics import AMOUNT_COLUMN, CURRENCY_COLUMN, NULL_MASK
from fintech_dq.engine.pan_guard import rejected_line_has_card_number
from fintech_dq.expressions.card_numbers import mask_card_numbers
from fintech_dq.ingest.spark_files import lookup
from fintech_dq.masking import mask_card_numbers_in_text

# What a run of 13+ digits in a path the batch does not list is written as.
UNKNOWN_PATH_DIGITS = "[digits masked]"


def partition_uri(root: str, business_date: date) -> str:
    return storage.join(root, f"business_date={business_date.isoformat()}")


def rows_for_outputs(
    checked: DataFrame,
    rules: DatasetRules,
    compiled: CompiledRules,
    every_row: bool = False,
    amount_column: str = AMOUNT_COLUMN,
    currency_column: str = CURRENCY_COLUMN,
) -> DataFrame:
    """Only what the figures and the outputs read, before the checked rows are kept.

    This module reads the layout it makes. Each column's safe value (as sent, card numbers
    masked): for a string column in every row, since a clean row's string is its typed
    value too (processed_rows reads it); for a decimal or timestamp column in quarantined
    rows, next to its typed value in clean rows. The rule failure masks pass through and
    the null columns become a mask too (engine.bitmasks); the amount and currency stay as
    sent for the manifest totals.
    every_row: safe values in the clean rows too (a blocked batch quarantines them).
    """
    quarantined = F.col(QUARANTINE_FLAG)
    shown = F.lit(True) if every_row else quarantined
    return checked.select(
        *[
            (F.when(shown, safe_value(c.name)) if has_typed_copy(c) else safe_value(c.name)).alias(
                SAFE_PREFIX + c.name
            )
            for c in rules.columns
        ],
        *[
            F.when(~quarantined, F.col(typed_name(c))).alias(typed_name(c))
            for c in rules.columns
            if has_typed_copy(c)
        ],
        amount_column,
        currency_column,
        SOURCE_FILE,
        SOURCE_LINE,
        F.when(quarantined, F.col(VIOLATIONS)).alias(VIOLATIONS),
        QUARANTINE_FLAG,
        CRITICAL_FLAG,
        *compiled.mask_names,
        *bitmasks.pack(NULL_MASK, [F.col(c.name).isNull() for c in rules.columns]),
    )


def processed_rows(kept: DataFrame, rules: DatasetRules, run_id: str) -> DataFrame:
    """The clean rows, typed. A string column is its own typed value, and the rows kept for
    the outputs (rows_for_outputs) hold it once, as its safe value."""
    return kept.where(~F.col(QUARANTINE_FLAG)).select(
        *[
            F.col(typed_name(c) if has_typed_copy(c) else SAFE_PREFIX + c.name).alias(c.name)
            for c in rules.columns
        ],
        F.col(SOURCE_FILE).alias("source_file"),
        F.col(SOURCE_LINE).alias("source_line"),
        F.lit(run_id).alias("dq_run_id"),
    )


def quarantine_rows(
    checked: DataFrame, rules: DatasetRules, run_id: str, held_by: list[str]
) -> DataFrame:
    """Rows that broke an error or critical rule; with `held_by`, every row of the batch.

    A blocked batch publishes nothing, so its clean rows are held here too, with the
    blocking rules as their reason: every row still ends in exactly one place. Rows that
    broke rules of their own get that reason too (a file without a column blocks the
    batch, and its rows' own failures, a null in that column, do not say why they are all
    here).
    """
    violations: Column = F.col(VIOLATIONS)
    if held_by:
        held = F.struct(
            F.lit("batch.blocked").alias("rule_id"),
            F.lit("critical").alias("severity"),
            F.lit("held: the batch is blocked by " + ", ".join(held_by)).alias("message"),
        )
        rows = checked
        violations = F.when(F.col(QUARANTINE_FLAG), F.concat(violations, F.array(held))).otherwise(
            F.array(held)
        )
    else:
        rows = checked.where(F.col(QUARANTINE_FLAG))
    return rows.select(
        *[F.col(SAFE_PREFIX + c.name).alias(c.name) for c in rules.columns],
        violations.alias(VIOLATIONS),
        F.transform(violations, lambda v: v["rule_id"]).alias("dq_rule_ids"),
        F.col(SOURCE_FILE).alias("source_file"),
        F.col(SOURCE_LINE).alias("source_line"),
        F.lit(run_id).alias("dq_run_id"),
    )


def rejected_rows(rejected: DataFrame, run_id: str) -> DataFrame:
    """Masked raw text; the raw bytes are withheld when they hold a card number."""
    has_pan = rejected_line_has_card_number()
    return rejected.select(
        F.col("source_file"),
        F.col("source_line"),
        mask_card_numbers(F.col("raw_text")).alias("raw_text"),
        F.when(has_pan, F.lit(None).cast("string"))
        .otherwise(F.col("raw_base64"))
        .alias("raw_base64"),
        F.col("reason"),
        F.lit(run_id).alias("dq_run_id"),
    )


def with_aliases(rows: DataFrame, aliases: dict[str, str]) -> DataFrame:
    """`source_file` under a staged prefix renamed to the URI that prefix stands for."""
    if not aliases:
        return rows
    name = F.col("source_file")
    renamed = name
    for staged, stands_for in aliases.items():
        local, uri = staged.rstrip("/"), stands_for.rstrip("/")
        renamed = F.when(
            name.startswith(local + "/"), F.concat(F.lit(uri), name.substr(len(local) + 1, 1 << 20))
        ).otherwise(renamed)
    return rows.withColumn("source_file", renamed)


def aliased_path(path: str, aliases: dict[str, str]) -> str:
    """with_aliases for one path (its last matching alias wins, as there)."""
    for staged, stands_for in reversed(list(aliases.items())):
        local = staged.rstrip("/")
        if path.startswith(local + "/"):
            return stands_for.rstrip("/") + path[len(local) :]
    return path


def write_partition(
    rows: DataFrame, root: str, business_date: date, source_files: Collection[str] = ()
) -> str:
    """Every output passes here: `source_file` is masked on the way out (a file name can
    hold a PAN); up to here it is the real path, which the lookups and aliases need.

    source_files: the values `source_file` holds (the batch's files, aliased), masked once
    on the driver by the Python masker, as in the results document. The Spark card scan per
    row cost 2.2-2.4 s per 1M written rows: its higher-order functions take the whole
    projection out of whole-stage code generation, even in a branch never taken; the lookup
    costs about 0.4 s (benchmarks/step_timings.py, write steps)."""
    uri = partition_uri(root, business_date)
    if "source_file" in rows.columns:
        rows = rows.withColumn("source_file", _masked_source_file(source_files))
    rows.write.mode("overwrite").parquet(uri)
    return uri


def _masked_source_file(known: Collection[str]) -> Column:
    """A known path as the Python masker shows it; in another one (none is expected: a
    safeguard) each run of 13 or more digits, single spaces or dashes between them allowed,
    replaced whole: broader than a card number, and still generated code."""
    name = F.col("source_file")
    masks = {path: mask_card_numbers_in_text(path) or path for path in known}
    same = sorted(path for path, masked in masks.items() if masked == path)
    changed = {path: masked for path, masked in masks.items() if masked != path}
    shown = F.regexp_replace(name, r"[0-9](?:[ -]?[0-9]){12,}", UNKNOWN_PATH_DIGITS)
    if changed:
        shown = F.when(name.isin(sorted(changed)), lookup(changed, name)).otherwise(shown)
    if same:
        shown = F.when(name.isin(same), name).otherwise(shown)
    return shown


def count_written(spark: SparkSession, uri: str, schema: StructType) -> int:
    """Rows actually in a written partition (read back: the balance check trusts no figure)."""
    return spark.read.schema(schema).parquet(uri).count()
