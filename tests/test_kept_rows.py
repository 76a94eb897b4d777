"""kept_rows: frames kept as rows or in the columnar cache, read back whole, then freed."""

from __future__ import annotations

from typing import Any

import pytest
from pyspark.sql import functions as F

from fintech_dq import kept_rows


def _cached_rdds(spark: Any) -> int:
    return sum(1 for info in spark.sparkContext._jsc.sc().getRDDStorageInfo())


def _as_objects(frame: Any) -> Any:
    return kept_rows.keep(frame, as_rows=True)


def _serialised(frame: Any) -> Any:
    # the session of local_spark serialises with Kryo without reference tracking
    assert kept_rows.serialises_rows_safely(frame.sparkSession)
    return kept_rows.keep(frame, as_rows=False)


@pytest.mark.parametrize("keep", [_as_objects, _serialised, kept_rows._keep_columnar])
def test_kept_frame_reads_back_the_same_rows_and_is_freed(spark: Any, keep: Any) -> None:
    # distinct rows: a serializer writing the plan's reused row object as a back-reference
    # would read back copies of a few rows
    frame = spark.range(1000).select(
        F.col("id"), F.concat(F.lit("value-"), F.col("id").cast("string")).alias("text")
    )
    before = _cached_rdds(spark)
    kept = keep(frame)
    assert _cached_rdds(spark) == before  # lazy: nothing computed before the first action
    assert kept.count() == 1000
    assert _cached_rdds(spark) == before + 1
    assert sorted(kept.collect()) == sorted(frame.collect())
    assert kept.where(F.col("text") == "value-999").count() == 1  # read again
    kept_rows.release(kept)
    assert _cached_rdds(spark) == before


def test_rows_only_when_both_frames_fit_in_half_the_storage_memory(spark: Any) -> None:
    memory = kept_rows._storage_memory(spark)
    assert memory > 0
    per_text_byte = kept_rows.ROW_BYTES_PER_TEXT_BYTE * kept_rows.FRAMES_PER_RUN
    fitting = int(memory * 0.5) // per_text_byte
    assert kept_rows.fits_as_rows(spark, fitting)
    assert not kept_rows.fits_as_rows(spark, fitting + 1)
