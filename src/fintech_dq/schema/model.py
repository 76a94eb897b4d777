"""What the crawler writes and the diff reads: a table schema as the catalog keeps it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from fintech_dq.schema.hive_types import HiveType, parse_type

# Where a column's type comes from, which decides how strictly it is held to the contract:
# a Parquet file declares its types; CSV and JSON Lines carry text, whose type the local
# crawler infers from the values (most of them must parse); the Glue crawler's own text
# inference (no fdq.* parameters) is held loosely, since one odd value makes it `string`.
DECLARED = "declared"
VALUES = "values"
CRAWLER = "crawler"

NULLABLE_PARAMETER = "fdq.nullable"
TYPE_SOURCE_PARAMETER = "fdq.type_source"
NO_VALUES_PARAMETER = "fdq.no_values"


@dataclass(frozen=True)
class CatalogColumn:
    name: str
    type: str
    type_source: str = CRAWLER
    nullable: bool | None = None  # None: the format declares no nullability (CSV, JSON)
    no_values: bool = False  # every value of the partition was null: the type is unknown

    @property
    def parsed(self) -> HiveType:
        return parse_type(self.type)

    def to_glue(self) -> dict[str, Any]:
        parameters = {TYPE_SOURCE_PARAMETER: self.type_source}
        if self.nullable is not None:
            parameters[NULLABLE_PARAMETER] = str(self.nullable).lower()
        if self.no_values:
            parameters[NO_VALUES_PARAMETER] = "true"
        return {"Name": self.name, "Type": self.type, "Parameters": parameters}

    @classmethod
    def from_glue(cls, column: dict[str, Any], classification: str) -> CatalogColumn:
        parameters = column.get("Parameters") or {}
        default_source = DECLARED if classification in ("parquet", "orc", "avro") else CRAWLER
        nullable = parameters.get(NULLABLE_PARAMETER)
        return cls(
            name=column["Name"],
            type=column["Type"],
            type_source=parameters.get(TYPE_SOURCE_PARAMETER, default_source),
            nullable=None if nullable is None else nullable == "true",
            no_values=parameters.get(NO_VALUES_PARAMETER) == "true",
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "type_source": self.type_source,
            "nullable": self.nullable,
            "no_values": self.no_values,
        }


@dataclass(frozen=True)
class TableSchema:
    """The columns of one table version (or of a freshly crawled partition)."""

    columns: tuple[CatalogColumn, ...]
    classification: str
    version_id: str | None = None

    def column(self, name: str) -> CatalogColumn | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def fingerprint(self) -> str:
        """Equal fingerprints, equal schemas: a rerun that finds one writes no new version."""
        content = {
            "classification": self.classification,
            "columns": [c.to_glue() for c in self.columns],
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()

    def as_dict(self) -> dict[str, Any]:
        return {
            "version_id": self.version_id,
            "classification": self.classification,
            "columns": [c.as_dict() for c in self.columns],
        }


@dataclass(frozen=True)
class FileSchema:
    """One delivered file's columns as it declares them (header, JSON keys, Parquet)."""

    key: str
    format: str
    columns: tuple[str, ...]
    types: tuple[str, ...] = ()  # Parquet only


@dataclass(frozen=True)
class CatalogUpdate:
    """What the local crawl did to the catalog for one business date."""

    database: str
    table: str
    business_date: str
    action: str  # created | updated | unchanged
    version_id: str
    previous_version_id: str | None
    schema: TableSchema
    files: tuple[FileSchema, ...] = ()
    odd_files: tuple[str, ...] = ()  # files whose columns differ from their siblings'
    skipped: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "table": self.table,
            "business_date": self.business_date,
            "action": self.action,
            "version_id": self.version_id,
            "previous_version_id": self.previous_version_id,
            "schema": self.schema.as_dict(),
            "odd_files": list(self.odd_files),
            "skipped": list(self.skipped),
        }
