"""Lookups the row checks read: reference tables, duplicate ids, ids seen in history.

Each is prepared once per run as a small table and joined to the records, so the row checks
stay plain column expressions. The id lookups hold only the ids with a finding (repeated in
the batch, seen before): they are computed from the ids alone, kept (a local checkpoint) and
broadcast when small, so the wide records are never shuffled (a shuffle join would move
every row of the batch across partitions, and the batch's rows would be read twice).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
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
from fintech_dq.masking import mask_card_numbers_in_text

# A lookup of up to this many ids is broadcast (about 100 bytes a row); a larger one (a
# whole file sent twice) is joined by a shuffle instead.
BROADCAST_ROWS = 500_000
REPEATED_KEYS_SHOWN = 10  # a reference table's repeated keys named in its finding
UNKNOWN_KEYS_SHOWN = 10  # and its keys with a value the contract does not list
UNKNOWN_VALUES_NAMED = 1_000  # distinct unknown values shown as such in the row messages

# The values the contract lists for a reference table's column (contracts/transactions.md,
# Reference data: merchants' status is ACTIVE or SUSPENDED). The rules file names only what
# its rules forbid, so without this `Suspended` or `SUSPENDED ` would read as active.
CONTRACT_VALUES: dict[tuple[str, str], frozenset[str]] = {
    ("merchants", "status"): frozenset({"ACTIVE", "SUSPENDED"}),
}
MISSING = "(missing)"  # what a found key with no value in such a column is read as


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
    known: Mapping[str, Collection[str]] | None = None,
) -> tuple[DataFrame, RepeatedKeys, UnknownValues]:
    """Adds `_ref_<name>_found` and `_ref_<name>_<col>` for each value column in `forbidden`
    (column -> the values its rules forbid), and returns the keys the table lists twice and
    those with a value `known` (column -> every value the contract lists) does not list.

    A key listed more than once counts once. Which row "comes first" is not kept by Spark, so
    each column takes the cautious value instead: one its rules forbid if any of the key's
    rows has one (listed ACTIVE and SUSPENDED is SUSPENDED), else the smallest present one.

    Fail safe: a value `known` does not list (`Suspended`, `SUSPENDED `), or none at all, is
    read like a forbidden one, and the joined column holds it as shown in the rows' messages
    ("'Suspended' (not one of ACTIVE, SUSPENDED)", MISSING): UnknownValues.shown_as holds
    those texts, for the rules to forbid too (engine.runner).
    """
    missing = [c for c in (reference_key, *forbidden) if c not in reference.columns]
    if missing:
        raise ValueError(f"reference table {name} lacks column(s): {', '.join(missing)}")
    columns = sorted(forbidden)
    listed = {c: sorted(known[c]) for c in columns if known and c in known}
    chosen = [
        F.min(F.struct(_caution(c, forbidden[c], listed.get(c)), F.col(c).alias("v")))["v"].alias(
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
    unknown = _unknown_values(lookup, name, listed)
    joined_columns: list[Column | str] = [
        "_ref_key",
        *[_as_read(name, c, listed.get(c), unknown.shown_as.get(c, {})) for c in columns],
    ]
    small = lookup.select(*joined_columns, F.lit(True).alias(reference_found_column(name)))
    joined = records.join(F.broadcast(small), records[record_key] == small["_ref_key"], "left")
    found = F.coalesce(F.col(reference_found_column(name)), F.lit(False))
    return joined.drop("_ref_key").withColumn(reference_found_column(name), found), keys, unknown


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
        return _masked(
            f"reference table {name} lists {keys} more than once{more}: "
            f"{'; '.join(self.shown)}. A key counts once{rule}"
        )


@dataclass(frozen=True)
class UnknownValues:
    """Keys with a value the contract does not list (or none): how many, the first ones
    described, and per column the texts such a key's column is read as (to be forbidden)."""

    count: int = 0
    shown: tuple[str, ...] = ()  # "MER000053 (status 'Suspended')"
    columns: tuple[str, ...] = ()
    shown_as: dict[str, dict[str, str]] = field(default_factory=dict)  # column: value -> text

    def message(self, name: str, key: str, known: Mapping[str, Collection[str]]) -> str:
        keys = f"{self.count} key{'s' if self.count > 1 else ''} ({key})"
        more = f", the first {len(self.shown)} shown" if self.count > len(self.shown) else ""
        lists = "; ".join(f"{c}: {', '.join(sorted(known[c]))}" for c in self.columns)
        return _masked(
            f"reference table {name} has {keys} with a value the contract does not list "
            f"({lists}){more}: {'; '.join(self.shown)}. Such a key is read as not allowed: "
            "its transactions fail the rules that forbid a value of that column"
        )

    def texts(self, column: str, listed: Collection[str]) -> list[str]:
        """What the rules on `column` must forbid besides their own values."""
        if column not in self.columns:
            return []
        named = self.shown_as.get(column, {}).values()
        return sorted({MISSING, _unlisted(None, listed), *named})


def _unknown_values(lookup: DataFrame, name: str, listed: Mapping[str, list[str]]) -> UnknownValues:
    """The keys of the (kept) lookup with a value not in `listed`, or with no value."""
    if not listed:
        return UnknownValues()
    odd = F.lit(False)
    for column, values in sorted(listed.items()):
        every = F.col(f"_ref_all_{column}")
        odd = odd | (F.size(every) == 0) | F.exists(every, _not_in(values))
    unknown = lookup.where(odd)
    count = unknown.count()
    if not count:
        return UnknownValues()
    shown = unknown.orderBy("_ref_key").limit(UNKNOWN_KEYS_SHOWN).collect()
    texts: dict[str, dict[str, str]] = {}
    for column, values in sorted(listed.items()):
        read = F.col(reference_value_column(name, column))
        odd_values = (
            lookup.where(read.isNotNull() & ~read.isin(values))
            .select(read.alias("v"))
            .distinct()
            .orderBy("v")
            .limit(UNKNOWN_VALUES_NAMED)
            .collect()
        )
        texts[column] = {row["v"]: _unlisted(row["v"], values) for row in odd_values}
    return UnknownValues(
        count,
        tuple(_described_unknown(row, listed) for row in shown),
        tuple(sorted(listed)),
        texts,
    )


def _not_in(values: list[str]) -> Callable[[Column], Column]:
    return lambda value: ~value.isin(values)


def _as_read(name: str, column: str, listed: list[str] | None, texts: Mapping[str, str]) -> Column:
    """The value joined to the records: as given, or, for a column the contract lists values
    of, an unlisted one as its text in `texts` (another: a generic one) and none as MISSING."""
    value = F.col(reference_value_column(name, column))
    if listed is None:
        return value
    unlisted = F.lit(_unlisted(None, listed))  # beyond the UNKNOWN_VALUES_NAMED first
    if texts:
        named = F.create_map(*[F.lit(t) for pair in sorted(texts.items()) for t in pair])
        unlisted = F.coalesce(named[value], unlisted)
    read = F.when(value.isNull(), F.lit(MISSING)).when(value.isin(listed), value)
    return read.otherwise(unlisted).alias(reference_value_column(name, column))


def _unlisted(value: str | None, listed: Collection[str]) -> str:
    """How a value the contract does not list is shown: quoted (a trailing space shows),
    card numbers masked (it reaches the rows' messages in quarantine/)."""
    shown = "another value" if value is None else repr(_masked(value))
    return f"{shown} (not one of {', '.join(sorted(listed))})"


def _described_unknown(row: Row, listed: Mapping[str, list[str]]) -> str:
    """One key: "MER000053 (status 'Suspended')", "M9 (status missing)"."""
    parts = []
    for column, values in sorted(listed.items()):
        given = row[f"_ref_all_{column}"]
        if not given:
            parts.append(f"{column} missing")
        elif any(v not in values for v in given):
            parts.append(f"{column} {', '.join(v if v in values else repr(v) for v in given)}")
    return f"{row['_ref_key']} ({'; '.join(parts)})"


def _masked(text: str) -> str:
    """Reference values are sender's text too: a card number in one is never shown."""
    return mask_card_numbers_in_text(text) or text


def _caution(column: str, forbidden: Collection[str], listed: list[str] | None) -> Column:
    """0 for a forbidden value (or one `listed` does not hold), 1 for another value, 2 for
    none: the smallest is read."""
    value = F.col(column)
    present = F.when(value.isNull(), 2).otherwise(1)
    if listed is not None:
        present = F.when(value.isNotNull() & ~value.isin(listed), 0).otherwise(present)
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
