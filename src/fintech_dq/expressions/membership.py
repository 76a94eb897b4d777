"""`value IN (literals)` built in a few calls into the JVM instead of one per literal.

PySpark's Column.isin turns each Python value into a literal Column over the Py4J bridge;
the code sets have hundreds of entries (ISO 18245: 913), and building the rules spent
seconds there on every run. A Python list handed to a Java method is still copied into a
java.util.ArrayList one element per call, so text values go over as one string, split in
the JVM, and the JVM's own Column.isin makes the literals (measured: 2,635 of the 18,006
Py4J calls that built the rules). Spark still rewrites a list longer than 10 into InSet.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyspark import SparkContext
from pyspark.sql import Column

_SEPARATOR = "\u001f"  # ASCII unit separator: in no code, and no regex metacharacter


def is_in(column: Column, values: Iterable[str | int]) -> Column:
    """True when `column` equals one of `values`; null for null (as Column.isin)."""
    context = SparkContext._active_spark_context  # (getActiveSession asks the JVM ~10 times)
    if context is None or context._jvm is None:
        raise RuntimeError("is_in needs an active SparkContext")
    jvm = context._jvm
    listed = list(values)
    texts = [v for v in listed if isinstance(v, str)]
    if listed and len(texts) == len(listed) and not any(_SEPARATOR in v for v in texts):
        # A Java String comes back as a Python str; a String[] stays in the JVM.
        split = jvm.java.util.regex.Pattern.compile(_SEPARATOR).split(_SEPARATOR.join(texts), -1)
        return Column(column._jc.isin(jvm.scala.Predef.genericWrapArray(split)))
    return Column(column._jc.isin(jvm.PythonUtils.toSeq(listed)))
