"""Lookups the row checks read: reference tables, duplicate ids, ids seen in history.

Each is prepared once per run as a small table and joined to the records, so the row checks
stay plain column expressions. The id lookups hold only the ids with a finding (repeated in
the batch, seen before): they are computed from the ids alone, kept (a local checkpoint) and
broadcast when small, so the wide records are never shuffled (a shuffle join would move
every row of the batch across partitions, and the batch's rows would be read twice).
"""

from __future__ import annotations

from datetime import date, timedelta

from pyspark.sql import DataFrame, SparkSession
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

# A lookup of up to this many ids is broadcast (about 100 bytes a row); a larger one (a
# whole file sent twice) is joined by a shuffle instead.
BROADCAST_ROWS = 500_000


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
    value_columns: set[str],
) -> DataFrame:
    """Adds `_ref_<name>_found` and `_ref_<name>_<col>`; a key listed twice counts once."""
    missing = [c for c in (reference_key, *value_columns) if c not in reference.columns]
    if missing:
        raise ValueError(f"reference table {name} lacks column(s): {', '.join(missing)}")
    lookup = reference.groupBy(F.col(reference_key).alias("_ref_key")).agg(
        *[
            F.first(F.col(c), ignorenulls=True).alias(reference_value_column(name, c))
            for c in sorted(value_columns)
        ],
        F.lit(True).alias(reference_found_column(name)),
    )
    joined = records.join(F.broadcast(lookup), records[record_key] == lookup["_ref_key"], "left")
    return joined.drop("_ref_key").withColumn(
        reference_found_column(name), F.coalesce(F.col(reference_found_column(name)), F.lit(False))
    )


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
