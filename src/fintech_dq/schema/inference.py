"""Infer a landed partition's schema with Spark, as a Glue crawler would, from local files.

Each file's own schema comes from the ingest layer's inspection (CSV header, JSON keys,
Parquet footer), so a file that differs from its siblings is named, not merged away.
Parquet declares its types. CSV and JSON Lines carry text: Spark reads every value as a
string and one aggregation classifies each column's values (integer, plain decimal,
ISO 8601 timestamp with offset, boolean); a column takes the narrowest type that at least
`min_share` of its non-null values fit. A threshold, not "all values", because one
malformed amount is a row defect the row rules quarantine, not a retyped column.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, DataType, StringType, StructField, StructType

from fintech_dq.ingest.csv_records import read_header
from fintech_dq.ingest.discover import file_kind
from fintech_dq.ingest.inspection import Staging, inspect_file
from fintech_dq.ingest.json_records import json_keys
from fintech_dq.ingest.parquet_records import parquet_schema
from fintech_dq.ingest.spark_files import spark_path
from fintech_dq.schema.hive_types import HiveType, Relation, parse_type, relation
from fintech_dq.schema.model import DECLARED, VALUES, CatalogColumn, FileSchema, TableSchema

_INTEGER = r"^[+-]?[0-9]{1,18}$"
_DECIMAL = r"^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)$"
_TIMESTAMP = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?"
    r"(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$"
)
_BOOLEAN = r"^(?i)(true|false)$"
_CLASSES = (("bigint", _INTEGER), ("double", _DECIMAL), ("timestamp", _TIMESTAMP),
            ("boolean", _BOOLEAN))  # fmt: skip
Path = tuple[str, ...]


@dataclass(frozen=True)
class InferredPartition:
    schema: TableSchema
    files: tuple[FileSchema, ...]
    odd_files: tuple[str, ...]
    skipped: tuple[str, ...]


def infer_partition(
    spark: SparkSession, files: Sequence[tuple[str, str]], min_share: Decimal
) -> InferredPartition:
    """Schema of the files given as (local path, key in bucket A), sorted by key."""
    staging = Staging()
    order: dict[str, None] = {}
    file_schemas: list[FileSchema] = []
    skipped: list[str] = []
    csv_groups: dict[tuple[str, ...], list[str]] = {}
    json_paths: list[str] = []
    declared: dict[str, list[StructField]] = {}
    for local, key in sorted(files, key=lambda item: item[1]):
        try:
            kind = file_kind(key)
        except ValueError as error:
            skipped.append(f"{key}: {error}")
            continue
        gzip = kind.compression == "gzip"
        stage_as = ".parquet" if kind.format == "parquet" and gzip else None
        inspection = inspect_file(local, gzip, None, stage_as, staging)
        if inspection.damage is not None:
            skipped.append(f"{key}: {inspection.damage.reason}")
            continue
        if kind.format == "csv":
            header = read_header(key, inspection.prefix)
            if header.unusable is not None:
                skipped.append(f"{key}: {header.unusable}")
                continue
            names = header.names
            csv_groups.setdefault(names, []).append(inspection.read_path)
            file_schemas.append(FileSchema(key, "csv", names))
        elif kind.format == "jsonl":
            names = json_keys(inspection.prefix, inspection.prefix_is_all)
            json_paths.append(inspection.read_path)
            file_schemas.append(FileSchema(key, "jsonl", names))
        else:
            schema, unreadable = parquet_schema(
                spark, staging.spark_visible(inspection.read_path), key, inspection
            )
            if schema is None:
                skipped.append(unreadable.message if unreadable else f"{key}: unreadable")
                continue
            names = tuple(schema.names)
            nullable = _declared_nullability(inspection.read_path)
            for struct_field in schema.fields:
                declared.setdefault(struct_field.name, []).append(
                    StructField(
                        struct_field.name,
                        struct_field.dataType,
                        nullable.get(struct_field.name, True),
                    )
                )
            types = tuple(f.dataType.simpleString() for f in schema.fields)
            file_schemas.append(FileSchema(key, "parquet", names, types))
        order.update(dict.fromkeys(names))
    counts: dict[Path, list[int]] = {}
    text_types: dict[str, DataType] = {}
    for names, paths in csv_groups.items():
        frame = _read_csv(spark, paths, names)
        _classify(frame, counts, text_types)
    if json_paths:
        frame = spark.read.option("primitivesAsString", "true").json(
            [spark_path(p) for p in json_paths]
        )
        frame = frame.drop("_corrupt_record")
        _classify(frame, counts, text_types)
    columns = []
    for name in order:
        text = text_types.get(name)
        inferred = _typed((name,), text, counts, min_share) if text is not None else None
        columns.append(_merge(name, inferred, declared.get(name, [])))
    formats = sorted({f.format for f in file_schemas})
    classification = formats[0] if len(formats) == 1 else "mixed" if formats else "unknown"
    table = TableSchema(tuple(columns), classification)
    return InferredPartition(table, tuple(file_schemas), _odd_files(file_schemas), tuple(skipped))


def _declared_nullability(path: str) -> dict[str, bool]:
    """Each top-level field's nullability as the Parquet footer declares it (Spark reports
    every Parquet column as nullable, for compatibility, so the footer is read directly)."""
    import pyarrow.parquet as pq

    return {field.name: field.nullable for field in pq.read_schema(path)}


def _read_csv(spark: SparkSession, paths: list[str], names: tuple[str, ...]) -> DataFrame:
    """Every value as text, under the header's names (one read per distinct header, so a
    file with other columns is never read by its siblings' positions)."""
    schema = StructType([StructField(f"_c{i}", StringType()) for i in range(len(names))])
    frame = (
        spark.read.schema(schema)
        .option("header", "true")
        .option("enforceSchema", "true")
        .option("multiLine", "true")
        .csv([spark_path(p) for p in paths])
    )
    return frame.toDF(*names)


def _leaves(kind: DataType, path: Path) -> list[Path]:
    """Paths of the scalar values under a column (inside structs; arrays are kept whole)."""
    if isinstance(kind, StructType):
        return [leaf for f in kind.fields for leaf in _leaves(f.dataType, (*path, f.name))]
    if isinstance(kind, ArrayType):
        return []
    return [path]


def _column(path: Path) -> Column:
    expression = F.col(f"`{path[0]}`")
    for part in path[1:]:
        expression = expression.getField(part)
    return expression


def _classify(frame: DataFrame, counts: dict[Path, list[int]], types: dict[str, DataType]) -> None:
    """One aggregation: per scalar leaf, how many values are non-null and fit each class."""
    leaves = [leaf for f in frame.schema.fields for leaf in _leaves(f.dataType, (f.name,))]
    for struct_field in frame.schema.fields:
        types.setdefault(struct_field.name, struct_field.dataType)
    if not leaves:
        return
    aggregates = []
    for leaf in leaves:
        value = F.trim(_column(leaf).cast("string"))
        present = value.isNotNull() & (value != F.lit(""))
        aggregates.append(F.count(F.when(present, 1)))
        for _, pattern in _CLASSES:
            aggregates.append(F.count(F.when(present & value.rlike(pattern), 1)))
    row = frame.agg(*aggregates).first()
    width = 1 + len(_CLASSES)
    for index, leaf in enumerate(leaves):
        found = [int(row[index * width + k]) for k in range(width)] if row else [0] * width
        total = counts.setdefault(leaf, [0] * width)
        counts[leaf] = [a + b for a, b in zip(total, found, strict=True)]


def _typed(
    path: Path, kind: DataType, counts: dict[Path, list[int]], min_share: Decimal
) -> tuple[HiveType, bool]:
    """The catalog type of a text column and whether it had any value at all."""
    if isinstance(kind, StructType):
        fields = []
        any_values = False
        for f in kind.fields:
            child, has_values = _typed((*path, f.name), f.dataType, counts, min_share)
            fields.append((f.name, child))
            any_values = any_values or has_values
        return HiveType("struct", fields=tuple(fields)), any_values
    if isinstance(kind, ArrayType):
        return parse_type(kind.simpleString()), True
    present, *fits = counts.get(path, [0] * (1 + len(_CLASSES)))
    if present == 0:
        return HiveType("string"), False
    needed = min_share * present
    for (name, _), fitting in zip(_CLASSES, fits, strict=True):
        if fitting >= needed:
            return parse_type(name), True
    return HiveType("string"), True


def _merge(
    name: str, inferred: tuple[HiveType, bool] | None, declared: list[StructField]
) -> CatalogColumn:
    """One column from text inference and Parquet declarations: the declared type holds
    while the text values fit it as text; otherwise the two are joined."""
    declared_type: HiveType | None = None
    for struct_field in declared:
        found = parse_type(struct_field.dataType.simpleString())
        declared_type = found if declared_type is None else join(declared_type, found)
    if declared_type is not None:
        nullable = any(f.nullable for f in declared) if inferred is None else None
        if inferred is None or not inferred[1] or text_fits(declared_type, inferred[0]):
            return CatalogColumn(name, declared_type.text(), DECLARED, nullable)
        return CatalogColumn(name, join(declared_type, inferred[0]).text(), VALUES, None)
    assert inferred is not None
    kind, has_values = inferred
    return CatalogColumn(name, kind.text(), VALUES, None, no_values=not has_values)


def join(first: HiveType, second: HiveType) -> HiveType:
    """The narrowest type both fit (string when they are different kinds of value)."""
    related = relation(first, second)
    if related in (Relation.SAME, Relation.NARROWED):
        return first
    if related is Relation.WIDENED:
        return second
    return HiveType("string")


def text_fits(wanted: HiveType, found: HiveType) -> bool:
    """Whether text values inferred as `found` can be read as `wanted` by the engine (which
    parses text strictly): anything atomic is a string; any number, a decimal."""
    if wanted.name == "string":
        return found.is_atomic
    if wanted.name == "decimal" or wanted.is_numeric:
        return found.is_numeric
    if wanted.name == "timestamp":
        return found.name == "timestamp"
    return relation(wanted, found) in (Relation.SAME, Relation.NARROWED)


def settle_text_type(known: HiveType, found: HiveType) -> HiveType:
    """The type of a text column given what the catalog knows: `known` wherever today's
    values fit it (field by field inside structs), `found` where they do not. Numbers in
    text fit a decimal whatever their shape: the row rules check scale and precision."""
    if known.name == found.name == "struct":
        known_fields = dict(known.fields)
        return HiveType(
            "struct",
            fields=tuple(
                (name, settle_text_type(known_fields[name], kind) if name in known_fields else kind)
                for name, kind in found.fields
            ),
        )
    if not (known.is_atomic and found.is_atomic):
        return found
    if known.name == "decimal" and found.is_numeric:
        return known
    return known if relation(known, found) in (Relation.SAME, Relation.NARROWED) else found


def _odd_files(files: Sequence[FileSchema]) -> tuple[str, ...]:
    """Files whose columns (or, among Parquet files, types) differ from most siblings'."""
    if len(files) < 2:
        return ()
    usual = Counter(f.columns for f in files).most_common(1)[0][0]
    parquet = [f for f in files if f.format == "parquet"]
    usual_types = Counter(f.types for f in parquet).most_common(1)[0][0] if parquet else ()
    odd = [
        f.key
        for f in files
        if f.columns != usual or (f.format == "parquet" and f.types != usual_types)
    ]
    return tuple(odd)


def local_files(root: str) -> list[str]:
    """Every file under a staged folder (manifests included: the caller's keys decide)."""
    return sorted(os.path.join(d, n) for d, _, names in os.walk(root) for n in names)
