"""Lookups the row checks read: reference tables, duplicate ids, ids seen in history.

Each is prepared once per run as a small table and joined to the records, so the row checks
stay plain column expressions. The id lookups hold only the ids with a finding (repeated in
the batch, seen before): they are computed from the ids alone, kept (a local checkpoint) and
broadcast when small, so the wide records are never shuffled (a shuffle join would move
every row of the batch across partitions, and the batch's rows would be read twice).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from pyspark.sql import Column, DataFrame, Row, SparkSession
from pyspark.sql import functions as F

from fintech_dq import storage
from fintech_dq.checks.base import (
    DUPLICATE_FIRST_FILE,
    DUPLICATE_FIRST_LINE,
    HISTORY_SEEN_DATE,
    SOURCE_FILE,
    SOURCE_LINE,
    reference_found_column,
    reference_value_column,
)
from fintech_dq.expressions.membership import is_in

# A lookup of up to this many ids is broadcast (about 100 bytes a row); a larger one (a
# whole file sent twice) is joined by a shuffle instead.
BROADCAST_ROWS = 500_000
REPEATED_KEYS_SHOWN = 10  # a reference table's repeated keys named in its finding


def read_reference(spark: SparkSession, path: str) -> DataFrame:
    """A reference table as text columns (CSV with a header, or Parquet)."""
    is_csv = path.endswith((".csv", ".csv.gz")) or any(
        name.endswith((".csv", ".csv.gz")) for name in storage.list_files(path)
    )
    if is_csv:
        return spark.read.option("header", True).option("inferSchema", False).csv(path)
    return spark.read.parquet(path)


def join_reference(
    records: DataFrame,
    reference: DataFrame,
    name: str,
    record_key: str,
    reference_key: str,
    forbidden: Mapping[str, Collection[str]],
) -> tuple[DataFrame, RepeatedKeys]:
    """Adds `_ref_<name>_found` and `_ref_<name>_<col>` for each value column in `forbidden`
    (column -> the values its rules forbid), and returns the keys the table lists twice.

    A key listed more than once counts once. Which row "comes first" is not kept by Spark, so
    each column takes the cautious value instead: one its rules forbid if any of the key's
    rows has one (listed ACTIVE and SUSPENDED is SUSPENDED), else the smallest present one.
    """
    missing = [c for c in (reference_key, *forbidden) if c not in reference.columns]
    if missing:
        raise ValueError(f"reference table {name} lacks column(s): {', '.join(missing)}")
    columns = sorted(forbidden)
    chosen = [
        F.min(F.struct(_caution(c, forbidden[c]), F.col(c).alias("v")))["v"].alias(
            reference_value_column(name, c)
        )
        for c in columns
    ]
    # Kept: the join and the report of repeated keys read it (a small table, one row a key).
    lookup = (
        reference.where(F.col(reference_key).isNotNull())
        .groupBy(F.col(reference_key).alias("_ref_key"))
        .agg(
            *chosen,
            F.count(F.lit(1)).alias("_ref_rows"),
            *[F.sort_array(F.collect_set(c)).alias(f"_ref_all_{c}") for c in columns],
        )
        .localCheckpoint(eager=True)
    )
    repeated = lookup.where(F.col("_ref_rows") > 1)
    count = repeated.count()
    shown = repeated.orderBy("_ref_key").limit(REPEATED_KEYS_SHOWN).collect() if count else []
    keys = RepeatedKeys(count, tuple(_described(row, name, columns) for row in shown))
    joined_columns = ["_ref_key", *[reference_value_column(name, c) for c in columns]]
    small = lookup.select(*joined_columns, F.lit(True).alias(reference_found_column(name)))
    joined = records.join(F.broadcast(small), records[record_key] == small["_ref_key"], "left")
    found = F.coalesce(F.col(reference_found_column(name)), F.lit(False))
    return joined.drop("_ref_key").withColumn(reference_found_column(name), found), keys


@dataclass(frozen=True)
class RepeatedKeys:
    """Keys a reference table lists more than once: how many, and the first ones described."""

    count: int
    shown: tuple[str, ...]  # "M7 (2 rows; status ACTIVE, SUSPENDED: read as SUSPENDED)"

    def message(self, name: str, key: str, forbidden: Mapping[str, Collection[str]]) -> str:
        keys = f"{self.count} key{'s' if self.count > 1 else ''} ({key})"
        more = f", the first {len(self.shown)} shown" if self.count > len(self.shown) else ""
        wins = "; ".join(f"{c} {', '.join(sorted(v))}" for c, v in sorted(forbidden.items()) if v)
        rule = f"; where its rows disagree, a value the rules forbid wins ({wins})" if wins else ""
        return (
            f"reference table {name} lists {keys} more than once{more}: "
            f"{'; '.join(self.shown)}. A key counts once{rule}"
        )


def _caution(column: str, forbidden: Collection[str]) -> Column:
    """0 for a forbidden value, 1 for another value, 2 for none: the smallest is read."""
    value = F.col(column)
    present = F.when(value.isNull(), 2).otherwise(1)
    return F.when(is_in(value, forbidden), 0).otherwise(present) if forbidden else present


def _described(row: Row, name: str, columns: list[str]) -> str:
    """One repeated key: "M7 (2 rows; status ACTIVE, SUSPENDED: read as SUSPENDED)"."""
    parts = [f"{row['_ref_rows']} rows"]
    for column in columns:
        values = ", ".join(row[f"_ref_all_{column}"]) or "none"
        read = row[reference_value_column(name, column)]
        disagree = len(row[f"_ref_all_{column}"]) > 1
        parts.append(f"{column} {values}" + (f": read as {read}" if disagree else ""))
    return f"{row['_ref_key']} ({'; '.join(parts)})"


def join_duplicates(records: DataFrame, key: str) -> DataFrame:
    """Adds the first (file, line) of every id that appears more than once in the batch."""
    first = F.min(F.struct(F.col(SOURCE_FILE), F.col(SOURCE_LINE)))
    repeated = (
        records.where(F.col(key).isNotNull())
        .groupBy(F.col(key).alias("_dup_key"))
        .agg(F.count(F.lit(1)).alias("_dup_count"), first.alias("_first"))
        .where(F.col("_dup_count") > 1)
        .select(
            "_dup_key",
            F.col(f"_first.{SOURCE_FILE}").alias(DUPLICATE_FIRST_FILE),
            F.col(f"_first.{SOURCE_LINE}").alias(DUPLICATE_FIRST_LINE),
        )
    )
    return _join_small(records, repeated, key, "_dup_key")


def join_history(
    spark: SparkSession,
    records: DataFrame,
    key: str,
    processed_root: str,
    business_date: date,
    lookback_days: int,
) -> tuple[DataFrame, int]:
    """Adds the latest earlier business date on which each id was processed.

    Returns the joined records and how many earlier business days were found. The batch's
    own date is excluded, so a rerun of a day does not collide with its previous output.
    """
    start = business_date - timedelta(days=lookback_days)
    # No Parquet under the root (a first run, or an empty staged folder): nothing seen yet.
    published = _partition_dates(processed_root) if storage.exists(processed_root) else set()
    if not published:
        return records.withColumn(HISTORY_SEEN_DATE, F.lit(None).cast("date")), 0
    history = spark.read.parquet(processed_root)
    if "business_date" not in history.columns or key not in history.columns:
        return records.withColumn(HISTORY_SEEN_DATE, F.lit(None).cast("date")), 0
    window = history.where(
        (F.col("business_date") >= F.lit(start)) & (F.col("business_date") < F.lit(business_date))
    )
    days = len(published & {start + timedelta(n) for n in range(lookback_days)})
    seen = window.groupBy(F.col(key).alias("_hist_key")).agg(
        F.max("business_date").alias(HISTORY_SEEN_DATE)
    )
    ids = records.select(F.col(key).alias("_batch_key")).where(F.col("_batch_key").isNotNull())
    seen_again = seen.join(ids, seen["_hist_key"] == ids["_batch_key"], "left_semi")
    return _join_small(records, seen_again, key, "_hist_key"), days


def _join_small(records: DataFrame, lookup: DataFrame, key: str, lookup_key: str) -> DataFrame:
    """records left-joined to `lookup`, computed once; broadcast when it has few rows."""
    kept = lookup.localCheckpoint(eager=True)
    if kept.count() <= BROADCAST_ROWS:
        kept = F.broadcast(kept)
    return records.join(kept, records[key] == kept[lookup_key], "left").drop(lookup_key)


def _partition_dates(root: str) -> set[date]:
    """Business dates with data under root, from the partition folder names (no data read)."""
    found = set()
    for path in storage.list_files(root, ".parquet"):
        for part in path.split("/"):
            if part.startswith("business_date="):
                found.add(date.fromisoformat(part.split("=", 1)[1]))
    return found
