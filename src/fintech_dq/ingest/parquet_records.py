"""A Parquet file's rows as raw text records, whatever types the sender wrote.

The engine reads every column as text, so a typed column is written out as text: decimals in
plain notation (Spark 3.5 writes 0.0000001234 as "1.234E-7" when casting decimal to string,
so values below 1e-6 go through format_number), timestamps as ISO 8601 UTC with a 'Z'.
A column typed otherwise than the contract says is a schema_breaking finding, and its values
still come through as text so that no row is lost.

Timestamps in nanoseconds (TIMESTAMP(NANOS), what pyarrow >= 13 and pandas write by default)
are not a type Spark 3.5 reads; with spark.sql.legacy.parquet.nanosAsLong
(spark_session.REQUIRED_CONF) it reads them as the long count of nanoseconds. Such a column
is marked in the schema parquet_schema returns (field metadata NANOS_METADATA, found in the
file's footer, since a plain INT64 column reads as the same long) and written out as ISO 8601
text like a microsecond timestamp. The contract's timestamps hold microseconds: a value with
a nanosecond remainder is written with its nine fraction digits, so it fails its column's
`type` rule ("has more than 6 fractional-second digits") rather than losing digits silently.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import (
    DecimalType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampNTZType,
    TimestampType,
)

from fintech_dq.contract import ColumnSpec
from fintech_dq.ingest.inspection import Inspection
from fintech_dq.ingest.model import (
    FIELD_BREAK,
    OUTSIDE_CONTRACT,
    SOURCE_FILE,
    SOURCE_LINE,
    FileFinding,
    sql_name,
)
from fintech_dq.ingest.spark_files import file_key, file_keys, lookup, spark_path
from fintech_dq.spark_session import task_failures_unlogged

_SCIENTIFIC_BELOW = "0.000001"  # BigDecimal.toString goes scientific below 1e-6
_MAGIC = b"PAR1"  # a Parquet file starts and ends with it
_MIN_PARQUET_BYTES = 12  # magic, footer length (4 bytes), magic
_MAX_REASON = 300
NANOS_METADATA = "fintech_dq_timestamp_nanos"  # field metadata: "utc" or "local" (no zone)
_NANOS_ANNOTATION = "TIMESTAMP(NANOS,"


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
                schema = spark.read.parquet(spark_path(read_path)).schema
                return _with_nanosecond_marks(spark, read_path, schema), None
        except Exception as error:  # whatever Spark raises, the file cannot be read as Parquet
            problem = _java_reason(error)
    message = f"file {source_file} is not a readable Parquet file ({problem})"
    return None, FileFinding(source_file, "file_integrity", message)


def _with_nanosecond_marks(spark: SparkSession, read_path: str, schema: StructType) -> StructType:
    """`schema` with its nanosecond timestamp columns marked (NANOS_METADATA). The footer is
    read again only for a file with a bigint column: the usual file pays nothing."""
    if not any(isinstance(f.dataType, LongType) for f in schema.fields):
        return schema
    zones = _nanosecond_timestamp_columns(spark, read_path)
    return StructType(
        [
            StructField(
                f.name, f.dataType, f.nullable, {**f.metadata, NANOS_METADATA: zones[f.name]}
            )
            if isinstance(f.dataType, LongType) and f.name in zones
            else f
            for f in schema.fields
        ]
    )


def _nanosecond_timestamp_columns(spark: SparkSession, read_path: str) -> dict[str, str]:
    """Top-level columns the file's footer annotates TIMESTAMP(NANOS, ...): "utc" when
    adjusted to UTC, else "local"."""
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    hadoop_path = jvm.org.apache.hadoop.fs.Path(
        read_path if "://" in read_path else "file:" + os.path.abspath(read_path)
    )
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    input_file = jvm.org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(hadoop_path, conf)
    reader = jvm.org.apache.parquet.hadoop.ParquetFileReader.open(input_file)
    try:
        footer_schema = reader.getFooter().getFileMetaData().getSchema()
    finally:
        reader.close()
    zones = {}
    for field in footer_schema.getFields():
        annotation = field.getLogicalTypeAnnotation()
        text = str(annotation.toString()) if annotation is not None else ""
        if field.isPrimitive() and text.startswith(_NANOS_ANNOTATION):
            zones[str(field.getName())] = "utc" if text.endswith("true)") else "local"
    return zones


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
    fields = {f.name: f for f in schema.fields}
    findings = []
    for column in columns:
        found = fields.get(column.name)
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
    fields = {f.name: f for f in schema.fields}
    selected = []
    for column in columns:
        found = fields.get(column.name)
        text = "CAST(NULL AS STRING)"
        if found is not None:
            text = f"nullif({_as_text(sql_name(column.name), found)}, '')"
        selected.append(F.expr(f"{text} AS {sql_name(column.name)}"))
    # Columns the contract does not name, as text for the PCI scan (never written).
    known = {c.name for c in columns}
    others = [sql_name(f.name) for f in schema.fields if f.name not in known]
    outside = "CAST(NULL AS STRING)"
    if others:
        texts = ", ".join(f"CAST({name} AS STRING)" for name in others)
        outside = f"nullif(concat_ws(chr({ord(FIELD_BREAK)}), {texts}), '')"
    return frame.select(
        *selected,
        source.alias(SOURCE_FILE),
        (F.col("_metadata.row_index") + 1).alias(SOURCE_LINE),
        F.expr(f"{outside} AS {OUTSIDE_CONTRACT}"),
    )


def _type_problem(column: ColumnSpec, field: StructField) -> str | None:
    """Why `field` cannot carry the contract's type (None when it can)."""
    wanted, found = column.type, field.dataType
    nanos = field.metadata.get(NANOS_METADATA)
    if column.kind == "decimal":
        precision, scale = column.precision_scale
        fits = isinstance(found, DecimalType) and (
            found.scale <= scale and found.precision - found.scale <= precision - scale
        )
        if fits:
            return None
    elif column.kind == "timestamp":
        if isinstance(found, TimestampType) or nanos == "utc":
            return None
        if isinstance(found, TimestampNTZType) or nanos == "local":
            return f"a timestamp without time zone, the contract says {wanted} (UTC)"
    elif isinstance(found, StringType):
        return None
    described = "a timestamp in nanoseconds" if nanos else found.simpleString()
    return f"{described}, the contract says {wanted}"


def _as_text(name: str, field: StructField) -> str:
    """SQL for the column as text (SQL: one call into the JVM per column)."""
    found = field.dataType
    text = f"CAST({name} AS STRING)"
    nanos = field.metadata.get(NANOS_METADATA)
    if nanos:
        return _nanoseconds_as_text(name, zulu="Z" if nanos == "utc" else "")
    if isinstance(found, DecimalType) and found.scale > 6:
        small = f"abs({name}) < {_SCIENTIFIC_BELOW}"
        return f"CASE WHEN {small} THEN format_number({name}, {found.scale}) ELSE {text} END"
    if isinstance(found, TimestampType):
        return f"concat(translate({text}, ' ', 'T'), 'Z')"
    if isinstance(found, TimestampNTZType):
        return f"translate({text}, ' ', 'T')"
    return text


def _nanoseconds_as_text(name: str, zulu: str) -> str:
    """A count of nanoseconds since the epoch as ISO 8601 text: as a microsecond timestamp
    when it has no nanosecond remainder, else with all nine fraction digits (floor division:
    a time before 1970 counts back from a negative number)."""
    rest = f"pmod({name}, 1000)"
    micros = f"(({name} - {rest}) div 1000)"
    instant = f"timestamp_micros({micros})"
    whole = f"concat(translate(CAST({instant} AS STRING), ' ', 'T'), '{zulu}')"
    nine = (
        f"concat(date_format({instant}, \"yyyy-MM-dd'T'HH:mm:ss\"), '.', "
        f"lpad(CAST(pmod({micros}, 1000000) AS STRING), 6, '0'), "
        f"lpad(CAST({rest} AS STRING), 3, '0'), '{zulu}')"
    )
    return f"CASE WHEN {rest} = 0 THEN {whole} ELSE {nine} END"
