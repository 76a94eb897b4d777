"""engine.jvm_calls: PySpark's function lookup remembered per gateway, expressions unchanged."""

from __future__ import annotations

from typing import Any

from pyspark.sql import functions as F

from fintech_dq.engine import jvm_calls


def test_function_lookups_are_remembered_and_still_work(spark: Any) -> None:
    jvm_calls.install()
    wrapped = F._get_jvm_function
    jvm_calls.install()  # idempotent: not wrapped twice
    assert F._get_jvm_function is wrapped
    context = spark.sparkContext
    assert F._get_jvm_function("col", context) is F._get_jvm_function("col", context)
    row = spark.range(3).select(F.sum(F.when(F.col("id") > 0, F.lit(2))).alias("s")).first()
    assert row["s"] == 4
