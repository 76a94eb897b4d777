"""A Parquet file's rows as raw text records, whatever types the sender wrote.

The engine reads every column as text, so a typed column is written out as text: decimals in
plain notation (Spark 3.5 writes 0.0000001234 as "1.234E-7" when casting decimal to string,
so values below 1e-6 go through format_number), timestamps as ISO 8601 UTC with a 'Z'.
A column typed otherwise than the contract says is a schema_breaking finding, and its values
still come through as text so that no row is lost.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import (
    DataType,
    DecimalType,
    StringType,
    StructType,
    TimestampNTZType,
    TimestampType,
)

from fintech_dq.contract import ColumnSpec
from fintech_dq.ingest.inspection import Inspection
from fintech_dq.ingest.model import SOURCE_FILE, SOURCE_LINE, FileFinding, sql_name
from fintech_dq.ingest.spark_files import file_key, file_keys, lookup, spark_path
from fintech_dq.spark_session import task_failures_unlogged

_SCIENTIFIC_BELOW = "0.000001"  # BigDecimal.toString goes scientific below 1e-6
_MAGIC = b"PAR1"  # a Parquet file starts and ends with it
_MIN_PARQUET_BYTES = 12  # magic, footer length (4 bytes), magic
_MAX_REASON = 300


def parquet_schema(
    spark: SparkSession, read_path: str, source_file: str, inspection: Inspection
) -> tuple[StructType | None, FileFinding | None]:
    """The file's schema, or a file_integrity finding when it is not readable Parquet.

    `inspection`: the file's inspection (its content's length, start and end), so that
    bad magic numbers are named before Spark reads it; a corrupt footer is Spark's to find,
    its cause said in one line.
    """
    problem = _framing_problem(inspection)
    if problem is None:
        try:
            with task_failures_unlogged(spark):
                return spark.read.parquet(spark_path(read_path)).schema, None
        except Exception as error:  # whatever Spark raises, the file cannot be read as Parquet
            problem = _java_reason(error)
    message = f"file {source_file} is not a readable Parquet file ({problem})"
    return None, FileFinding(source_file, "file_integrity", message)


def _framing_problem(inspection: Inspection) -> str | None:
    """What is wrong with the content's Parquet magic numbers, if anything."""
    size = inspection.content_bytes
    if size < _MIN_PARQUET_BYTES:
        return f"{size} bytes, too short for Parquet"
    if inspection.prefix[: len(_MAGIC)] != _MAGIC:
        return f"it does not start with Parquet's magic number {_MAGIC.decode()}"
    if inspection.suffix[-len(_MAGIC) :] != _MAGIC:
        return f"it does not end with Parquet's magic number {_MAGIC.decode()}: truncated?"
    return None


def _java_reason(error: Exception) -> str:
    """The root Java cause's message, on one line: Py4J's own text ("An error occurred
    while calling o57.parquet") names only the call."""
    cause = getattr(error, "java_exception", None) or getattr(error, "_origin", None)
    message = None
    try:
        while cause is not None:
            message = cause.getMessage() or message
            cause = cause.getCause()
    except Exception:  # the JVM is gone: say what Python has
        pass
    text = " ".join(str(message or error).split()) or type(error).__name__
    text = text.split(" Please ", 1)[0]  # Spark's advice after its error classes' facts
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 3] + "..."


def type_findings(
    source_file: str, schema: StructType, columns: Sequence[ColumnSpec]
) -> list[FileFinding]:
    """A contract column the file types otherwise breaks the pipeline (one finding each)."""
    types = {f.name: f.dataType for f in schema.fields}
    findings = []
    for column in columns:
        found = types.get(column.name)
        problem = _type_problem(column, found) if found is not None else None
        if problem:
            message = f"file {source_file}: column {column.name} is {problem}"
            findings.append(FileFinding(source_file, "schema_breaking", message, (column.name,)))
    return findings


def parquet_records(
    spark: SparkSession,
    sources: Sequence[tuple[str, str]],
    schema: StructType,
    columns: Sequence[ColumnSpec],
) -> DataFrame:
    """Rows of Parquet files that share `schema`, read together: (read path, source file)."""
    frame = spark.read.schema(schema).parquet(*[spark_path(path) for path, _ in sources])
    keys = file_keys(frame, [path for path, _ in sources])
    source = lookup({keys[path]: given for path, given in sources}, file_key())
    types = {f.name: f.dataType for f in schema.fields}
    selected = []
    for column in columns:
        found = types.get(column.name)
        text = "CAST(NULL AS STRING)"
        if found is not None:
            text = f"nullif({_as_text(sql_name(column.name), found)}, '')"
        selected.append(F.expr(f"{text} AS {sql_name(column.name)}"))
    return frame.select(
        *selected,
        source.alias(SOURCE_FILE),
        (F.col("_metadata.row_index") + 1).alias(SOURCE_LINE),
    )


def _type_problem(column: ColumnSpec, found: DataType) -> str | None:
    """Why `found` cannot carry the contract's type (None when it can)."""
    wanted = column.type
    if column.kind == "decimal":
        precision, scale = column.precision_scale
        fits = isinstance(found, DecimalType) and (
            found.scale <= scale and found.precision - found.scale <= precision - scale
        )
        if fits:
            return None
    elif column.kind == "timestamp":
        if isinstance(found, TimestampType):
            return None
        if isinstance(found, TimestampNTZType):
            return f"a timestamp without time zone, the contract says {wanted} (UTC)"
    elif isinstance(found, StringType):
        return None
    return f"{found.simpleString()}, the contract says {wanted}"


def _as_text(name: str, found: DataType) -> str:
    """SQL for the column as text (SQL: one call into the JVM per column)."""
    text = f"CAST({name} AS STRING)"
    if isinstance(found, DecimalType) and found.scale > 6:
        small = f"abs({name}) < {_SCIENTIFIC_BELOW}"
        return f"CASE WHEN {small} THEN format_number({name}, {found.scale}) ELSE {text} END"
    if isinstance(found, TimestampType):
        return f"concat(translate({text}, ' ', 'T'), 'Z')"
    if isinstance(found, TimestampNTZType):
        return f"translate({text}, ' ', 'T')"
    return text
