"""kept_rows: frames kept as rows or in the columnar cache, read back whole, then freed."""

from __future__ import annotations

from typing import Any

import pytest
from pyspark.sql import functions as F

from fintech_dq import kept_rows


def _cached_rdds(spark: Any) -> int:
    return sum(1 for info in spark.sparkContext._jsc.sc().getRDDStorageInfo())


@pytest.mark.parametrize("as_rows", [True, False])
def test_kept_frame_reads_back_the_same_rows_and_is_freed(spark: Any, as_rows: bool) -> None:
    frame = spark.range(1000).select(
        F.col("id"), F.concat(F.lit("value-"), F.col("id").cast("string")).alias("text")
    )
    before = _cached_rdds(spark)
    kept = kept_rows.keep(frame, as_rows)
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
