"""Frames the engine reads several times, kept between Spark passes: as rows when they fit
in memory, else in Spark's columnar cache.

The engine reads its parsed lines and its checked rows several times each. `persist()`
encodes every row into column batches when it is kept and decodes them on every read; for
these wide rows of short strings that costs more than parsing CSV (measured, 200,000 CSV
lines: parse 0.56 s, parse and persist 1.16 s, parse and keep as rows 0.68 s; reading the
records back 0.38 s from the cache, 0.14 s from kept rows). Rows (a local checkpoint:
copies of the rows in Spark's block manager) take about five times the memory, though
(1M rows: lines 567 MB as rows, 101 MB as column batches), and rows that do not fit are
serialised to disk, which is slower than the cache (10M rows on 8 GB: 348 s against 272 s).
So rows only where both frames of a run fit in half the storage memory.

Where they do not fit, the rows are kept serialised (Spark's block manager holds each row's
bytes, lz4-compressed as PySpark sets spark.rdd.compress, spilling to disk) when the
session serialises with Kryo (`spark_session.KEPT_ROWS_CONF`, read only when the session
starts); otherwise in the columnar cache. Measured at 10M rows on 8 GB: 220.5 s against
258.7 s with the columnar cache (step timings, fresh JVM), 233.9 s against 244.5 s in the
benchmark (docs/benchmarks.md). The trap this avoids: the plan hands out one reused
row object, and Java serialisation (Spark's default) writes an object it has seen as a
back-reference until its stream resets every 100 objects, so 100,000 rows kept that way
read back as 1,000 distinct ones; Spark's Kryo stream writes every record in full.

Kept rows have no lineage: a partition lost with its executor fails the job instead of
being recomputed (on Glue the job's retry runs it again), and a kept frame must not be
released while anything still reads it: `release` only at the end of a run.
"""

from __future__ import annotations

from typing import Any

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession

from fintech_dq.spark_session import KEPT_ROWS_CONF

# Memory of rows per byte of delivered text (CSV or JSON Lines, decompressed), measured on
# the benchmark's day: 317 MB of text (Parquet counted as text) became 567 MB of lines.
ROW_BYTES_PER_TEXT_BYTE = 2
PARQUET_TEXT_BYTES_PER_BYTE = 4  # the same day: 10.8 MB of Parquet held 36 MB of CSV text
FRAMES_PER_RUN = 2  # the lines, then the checked rows, of about the same size
_MEMORY_SHARE = 0.5


def fits_as_rows(spark: SparkSession, text_bytes: int) -> bool:
    """Whether a run over this much delivered text can keep its frames as rows."""
    needed = text_bytes * ROW_BYTES_PER_TEXT_BYTE * FRAMES_PER_RUN
    return needed <= _storage_memory(spark) * _MEMORY_SHARE


def keep(frame: DataFrame, as_rows: bool) -> DataFrame:
    """`frame`'s rows, computed by the first action that reads them and kept until release.
    as_rows: they fit in memory as row objects (`fits_as_rows`)."""
    if as_rows:
        return frame.localCheckpoint(eager=False)
    if serialises_rows_safely(frame.sparkSession):
        return _keep_serialised(frame)
    return _keep_columnar(frame)


def serialises_rows_safely(spark: SparkSession) -> bool:
    """Whether this session writes every row in full when rows are kept serialised (Kryo)."""
    serializer = "spark.serializer"
    return spark.sparkContext.getConf().get(serializer) == KEPT_ROWS_CONF[serializer]


def _keep_serialised(frame: DataFrame) -> DataFrame:
    """The plan's rows as bytes in the block manager (no copy of each row is made first)."""
    spark = frame.sparkSession
    jvm: Any = spark.sparkContext._jvm
    rows = frame._jdf.queryExecution().toRdd()
    rows.persist(jvm.org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK_SER())
    kept = spark._jsparkSession.internalCreateDataFrame(rows, frame._jdf.schema(), False)
    return DataFrame(kept, spark)


def _keep_columnar(frame: DataFrame) -> DataFrame:
    return frame.persist(StorageLevel.MEMORY_AND_DISK)


def release(kept: DataFrame) -> None:
    """Frees what `keep` holds: the blocks of kept rows, or the cached frame."""
    plan = kept._jdf.queryExecution().logical()
    if plan.getClass().getSimpleName() == "LogicalRDD":
        plan.rdd().unpersist(True)  # blocking: done before the run (or the process) ends
    else:
        kept.unpersist()


def _storage_memory(spark: SparkSession) -> int:
    """The most memory Spark's block managers may use for storage, all added up."""
    status = spark.sparkContext._jsc.sc().getExecutorMemoryStatus()
    values = status.values().iterator()
    total = 0
    while values.hasNext():
        total += int(values.next()._1())
    return total
