"""The physical lines of CSV or JSON Lines files, numbered as in each file, in the JVM.

Spark's text reader numbers nothing, so the line number is derived from where a row sits:
each split of a file is made its own partition, and a row's line is the lines before its
split (counted on the driver during the sha256 read) plus its position in the partition
(monotonically_increasing_id minus the partition's base). Spark decides partitions when a
query runs, from the session settings of that moment, so the scan is planned once under the
settings it needs and frozen into an RDD-backed DataFrame; the settings are then restored.

The per-line checks are planned into the frozen part too. It is computed once per action
whatever is selected from it, and it is a barrier to the optimizer, which would otherwise
push the records/rejected filters below the checks and copy each check into the filter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from py4j.protocol import Py4JError
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from fintech_dq.ingest.model import RAW_BASE64, RAW_TEXT, REJECT_REASON, SOURCE_FILE, SOURCE_LINE
from fintech_dq.ingest.spark_files import (
    NO_SPLIT,
    file_key,
    file_keys,
    file_partitioning,
    lookup,
    spark_path,
)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # what Spark's (Hadoop's) line reader ends lines at
BOM = "\ufeff"

VALUE = "value"
SKIP = "_skip"  # blank line, or the CSV header: not a record
BAD_UTF8 = "_bad_utf8"
REASON = "_reason"  # why a line is rejected; null for a record


@dataclass(frozen=True)
class LineSource:
    read_path: str  # what Spark reads (the file, or a staged copy or link)
    source_file: str  # the path the caller gave, for _source_file
    newlines_before: dict[int, int] = field(default_factory=dict)  # split offset -> LF bytes


def read_lines(
    spark: SparkSession,
    sources: Sequence[LineSource],
    split_bytes: int | None,
    annotate: Callable[[DataFrame], DataFrame],
) -> DataFrame:
    """The files' lines as `value` (bytes as sent), `_source_line`, `_source_file`, annotated.

    split_bytes: the split size the line counts were taken for (None: each file is read
    whole). annotate: the per-line checks, planned with the scan (see the module docstring);
    its output must carry SKIP and REASON for `line_outcomes`.
    """
    with file_partitioning(spark, split_bytes or NO_SPLIT):
        raw = spark.read.text([spark_path(s.read_path) for s in sources])
        keys = file_keys(raw, [s.read_path for s in sources])
        key = file_key()
        # A split's first row is the line after the one its start offset falls in.
        bases = {
            f"{keys[s.read_path]}@{offset}": str(count + 1)
            for s in sources
            for offset, count in s.newlines_before.items()
        }
        lines_before: Column = F.lit(0).cast("long")
        if split_bytes and bases:
            block = F.concat(key, F.lit("@"), F.col("_metadata.file_block_start").cast("string"))
            lines_before = F.coalesce(lookup(bases, block).cast("long"), lines_before)
        position = F.monotonically_increasing_id() - F.shiftleft(
            F.spark_partition_id().cast("long"), 33
        )
        numbered = raw.select(
            F.col(VALUE),
            (lines_before + position + 1).alias(SOURCE_LINE),
            lookup({keys[s.read_path]: s.source_file for s in sources}, key).alias(SOURCE_FILE),
        )
        return _freeze(spark, annotate(numbered))


def checked_lines(lines: DataFrame, invalid_utf8: bool, header: bool) -> DataFrame:
    """value without a line-1 BOM, line and file, SKIP (blank or header) and BAD_UTF8.

    The UTF-8 check (decode, compare) costs a copy per line, so it is planned only for files
    in which the driver found invalid bytes at all.
    """
    line = F.col(SOURCE_LINE)
    value = F.col(VALUE)
    value = F.when((line == 1) & value.startswith(BOM), F.substring(value, 2, 1 << 30)).otherwise(
        value
    )
    stripped = lines.select(value.alias(VALUE), line, F.col(SOURCE_FILE))
    value = F.col(VALUE)
    skip = is_blank(value) | (line == 1) if header else is_blank(value)
    bad = value != F.decode(value.cast("binary"), "UTF-8") if invalid_utf8 else F.lit(False)
    return stripped.select(value, line, F.col(SOURCE_FILE), skip.alias(SKIP), bad.alias(BAD_UTF8))


def is_blank(value: Column) -> Column:
    """Empty or only spaces and tabs. (btrim with a trim set walks and copies every line.)"""
    padded = value.startswith(" ") | value.startswith("\t")
    return (F.octet_length(value) == 0) | (padded & value.rlike(r"^[ \t]+$"))


def at_line(text: str | Column) -> Column:
    """A reason that starts with its line: "line 17: ..." """
    message = F.lit(text) if isinstance(text, str) else text
    return F.concat(F.lit("line "), F.col(SOURCE_LINE).cast("string"), F.lit(": "), message)


def utf8_reason() -> Column:
    return F.when(F.col(BAD_UTF8), at_line("bytes that are not valid UTF-8"))


def line_outcomes(lines: DataFrame, record_columns: Sequence[Column]) -> DataFrame:
    """Every data line once: its record columns, and for a line with a reason, what the
    rejected output keeps of it (raw text, base64 of bytes that are not UTF-8, the reason).

    One frame for both outcomes, so one scan parses every line (see ingest.model.RawBatch).
    `record_columns` may read the line's other columns; on a rejected line they mean nothing.
    """
    value = F.col(VALUE)
    bad = F.col(BAD_UTF8)
    refused = F.col(REASON).isNotNull()
    return lines.where(~F.col(SKIP)).select(
        *record_columns,
        F.col(REASON).alias(REJECT_REASON),
        F.when(
            refused, F.when(bad, F.decode(value.cast("binary"), "UTF-8")).otherwise(value)
        ).alias(RAW_TEXT),
        F.when(refused & bad, _plain_base64(value.cast("binary"))).alias(RAW_BASE64),
    )


def _plain_base64(data: Column) -> Column:
    """Base64 on one line: Spark 3.5's base64() is MIME's, a CRLF every 76 characters,
    which strict decoders refuse."""
    return F.regexp_replace(F.base64(data), "\r\n", "")


def prefix_lines(prefix: bytes, is_all: bool) -> list[str]:
    """The whole lines in the start of a file, decoded leniently, without a leading BOM."""
    lines = _LINE_BREAK.split(prefix.decode("utf-8", errors="replace").removeprefix(BOM))
    return lines if is_all else lines[:-1]


def _freeze(spark: SparkSession, frame: DataFrame) -> DataFrame:
    """Plan `frame` now and keep that plan: a DataFrame over the planned RDD of its rows.

    Uses Spark's internal createDataFrame over an RDD[InternalRow] (what Dataset.checkpoint
    does, without caching the rows); if a runtime lacks it, a lazy local checkpoint.
    """
    jdf = frame._jdf
    try:
        rdd = jdf.queryExecution().toRdd()
        return DataFrame(
            spark._jsparkSession.internalCreateDataFrame(rdd, jdf.schema(), False), spark
        )
    except Py4JError:
        return frame.localCheckpoint(eager=False)
