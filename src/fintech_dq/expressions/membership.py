"""`value IN (literals)` built in two calls into the JVM instead of one per literal.

PySpark's Column.isin turns each Python value into a literal Column over the Py4J bridge;
the code sets have hundreds of entries (ISO 18245: 913), and building the rules spent
seconds there on every run. The values go over as one list and the JVM's own
Column.isin makes the literals. Spark still rewrites a list longer than 10 into InSet.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyspark.sql import Column, SparkSession


def is_in(column: Column, values: Iterable[str | int]) -> Column:
    """True when `column` equals one of `values`; null for null (as Column.isin)."""
    spark = SparkSession.getActiveSession()
    if spark is None:
        raise RuntimeError("is_in needs an active SparkSession")
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    return Column(column._jc.isin(jvm.PythonUtils.toSeq(list(values))))
