"""Reading and writing the dataset's table in the Glue Data Catalog (AWS or the emulator).

Writes happen only when the schema changed: UpdateTable always archives a new table
version, so a rerun that finds the same schema must not call it. The diff reads the table
the same way whichever crawler wrote it (get_table / get_table_versions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fintech_dq.pipeline.locations import PipelineLocations
from fintech_dq.schema.model import CatalogColumn, TableSchema

FINGERPRINT_PARAMETER = "fdq.schema_sha256"
FIRST_SEEN_PARAMETER = "fdq.first_seen_partition"
PARTITION_KEY = "ingest_date"
_FORMATS = {
    "csv": (
        "org.apache.hadoop.mapred.TextInputFormat",
        "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "org.apache.hadoop.hive.serde2.OpenCSVSerde",
    ),
    "jsonl": (
        "org.apache.hadoop.mapred.TextInputFormat",
        "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "org.openx.data.jsonserde.JsonSerDe",
    ),
    "parquet": (
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    ),
}


@dataclass(frozen=True)
class TableVersions:
    latest: TableSchema | None
    previous: TableSchema | None
    latest_parameters: dict[str, str]


def schema_of(table: dict[str, Any], version_id: str | None = None) -> TableSchema:
    """A Glue table (or table version's table) as a TableSchema."""
    parameters = table.get("Parameters") or {}
    classification = parameters.get("classification", "unknown")
    columns = table.get("StorageDescriptor", {}).get("Columns", [])
    return TableSchema(
        tuple(CatalogColumn.from_glue(c, classification) for c in columns),
        classification,
        version_id or table.get("VersionId"),
    )


def read_versions(glue: Any, locations: PipelineLocations) -> TableVersions:
    """The table's latest version and the one before it (None where there is none)."""
    try:
        table = glue.get_table(DatabaseName=locations.glue_database, Name=locations.catalog_table)
    except glue.exceptions.EntityNotFoundException:
        return TableVersions(None, None, {})
    current = table["Table"]
    latest = schema_of(current)
    versions: list[dict[str, Any]] = []
    paginator = glue.get_paginator("get_table_versions")
    pages = paginator.paginate(
        DatabaseName=locations.glue_database, TableName=locations.catalog_table
    )
    for page in pages:
        versions.extend(page.get("TableVersions", []))
    older = sorted(
        (v for v in versions if int(v["VersionId"]) < int(latest.version_id or "0")),
        key=lambda v: int(v["VersionId"]),
    )
    previous = schema_of(older[-1]["Table"], older[-1]["VersionId"]) if older else None
    return TableVersions(latest, previous, dict(current.get("Parameters") or {}))


def partition_schema(
    glue: Any, locations: PipelineLocations, ingest_date: str
) -> TableSchema | None:
    """The schema the crawl recorded for one partition (None when it has none)."""
    try:
        found = glue.get_partition(
            DatabaseName=locations.glue_database,
            TableName=locations.catalog_table,
            PartitionValues=[ingest_date],
        )
    except glue.exceptions.EntityNotFoundException:
        return None
    partition = found["Partition"]
    return schema_of({**partition, "VersionId": None})


def table_input(
    locations: PipelineLocations, schema: TableSchema, first_seen: str
) -> dict[str, Any]:
    location = locations.s3_uri(locations.raw_bucket, f"{locations.dataset}/")
    return {
        "Name": locations.catalog_table,
        "TableType": "EXTERNAL_TABLE",
        "PartitionKeys": [{"Name": PARTITION_KEY, "Type": "string"}],
        "StorageDescriptor": _storage(schema, location),
        "Parameters": {
            "classification": schema.classification,
            "fdq.crawler": "local",
            FINGERPRINT_PARAMETER: schema.fingerprint,
            FIRST_SEEN_PARAMETER: first_seen,
        },
    }


def _storage(schema: TableSchema, location: str) -> dict[str, Any]:
    input_format, output_format, serde = _FORMATS.get(schema.classification, _FORMATS["csv"])
    return {
        "Columns": [c.to_glue() for c in schema.columns],
        "Location": location,
        "InputFormat": input_format,
        "OutputFormat": output_format,
        "SerdeInfo": {"SerializationLibrary": serde},
    }


def write_partition(
    glue: Any, locations: PipelineLocations, ingest_date: str, schema: TableSchema
) -> None:
    """Create the date's partition, or update it when its schema changed (a rerun)."""
    prefix = locations.landing_prefix(date.fromisoformat(ingest_date))
    location = locations.s3_uri(locations.raw_bucket, prefix)
    partition = {
        "Values": [ingest_date],
        "StorageDescriptor": _storage(schema, location),
        "Parameters": {
            "classification": schema.classification,
            FINGERPRINT_PARAMETER: schema.fingerprint,
        },
    }
    names = {"DatabaseName": locations.glue_database, "TableName": locations.catalog_table}
    existing = partition_schema(glue, locations, ingest_date)
    if existing is None:
        glue.create_partition(**names, PartitionInput=partition)
    elif existing.fingerprint != schema.fingerprint:
        glue.update_partition(**names, PartitionValueList=[ingest_date], PartitionInput=partition)
