"""What ingest hands to the engine: the files read, file-level findings, raw and rejected rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from pyspark.sql import DataFrame
from pyspark.sql.types import LongType, StringType, StructField, StructType

SOURCE_FILE = "_source_file"
SOURCE_LINE = "_source_line"

REJECTED_SCHEMA = StructType(
    [
        StructField("source_file", StringType(), False),
        StructField("line_number", LongType(), True),
        StructField("raw_text", StringType(), True),
        StructField("raw_base64", StringType(), True),
        StructField("reason", StringType(), False),
    ]
)


def sql_name(name: str) -> str:
    """A column name quoted for a Spark SQL expression."""
    return "`" + name.replace("`", "``") + "`"


def records_schema(column_names: tuple[str, ...]) -> StructType:
    """Every contract column as the text the sender wrote, then where the row came from."""
    return StructType(
        [StructField(name, StringType(), True) for name in column_names]
        + [
            StructField(SOURCE_FILE, StringType(), False),
            StructField(SOURCE_LINE, LongType(), True),
        ]
    )


@dataclass(frozen=True)
class Manifest:
    """The sender's control file: what the data file should hold, to compare with what it does."""

    path: str
    file: str
    record_count: int
    totals: dict[str, Decimal]
    sha256: str | None


@dataclass(frozen=True)
class InputFile:
    """One delivered data file as found on disk (before any parsing)."""

    path: str  # as given by the caller; the engine reports it
    format: str  # "csv" | "jsonl" | "parquet"
    compression: str | None  # "gzip" | None
    size_bytes: int
    sha256: str  # of the file as delivered
    manifest: Manifest | None
    columns_found: tuple[str, ...]  # header / JSON keys / Parquet schema names, in file order


@dataclass(frozen=True)
class FileFinding:
    """A problem with a whole file; batch rules turn these into outcomes."""

    file: str
    kind: str  # file_integrity | schema_breaking | schema_additive | manifest_invalid | resend
    message: str
    columns: tuple[str, ...] = ()


@dataclass
class RawBatch:
    """A business day's files as raw text records plus everything that could not be parsed.

    `rejected` is persisted (it is small, and the engine counts it and writes it: without the
    cache each of those would re-read every input). `close()` releases it and the staged copies
    of damaged or Parquet gzip files, which Spark reads lazily and so must outlive read_batch.
    """

    records: DataFrame
    rejected: DataFrame
    files: list[InputFile]
    findings: list[FileFinding]
    release_staging: Callable[[], None] | None = field(default=None, repr=False)

    def close(self) -> None:
        self.rejected.unpersist()
        if self.release_staging is not None:
            self.release_staging()  # local temp directory or S3 staging prefix
            self.release_staging = None
