"""What ingest hands to the engine: the files read, file-level findings, raw and rejected rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType

from fintech_dq import kept_rows
from fintech_dq.masking import card_numbers_in_text
from fintech_dq.reference.card_schemes import schemes_matching

SOURCE_FILE = "_source_file"
SOURCE_LINE = "_source_line"
# What the file holds outside the contract's columns, for the PCI scan only (never written):
# a CSV line's other fields, a Parquet row's other columns, a JSON line whole when it has a
# key the contract does not name (json_records.json_lines); null when there is nothing else.
OUTSIDE_CONTRACT = "_outside_contract"
FIELD_BREAK = "\u001f"  # joins fields into one text; no card number layout contains it
# Columns of ingest's one frame of lines (RawBatch.lines) beside the records' columns: set
# only on a rejected line.
REJECT_REASON = "_reject_reason"
RAW_TEXT = "_raw_text"
RAW_BASE64 = "_raw_base64"
REJECTION_COLUMNS = (REJECT_REASON, RAW_TEXT, RAW_BASE64)


def sql_name(name: str) -> str:
    """A column name quoted for a Spark SQL expression."""
    return "`" + name.replace("`", "``") + "`"


def sql_text(value: str) -> str:
    """A Spark SQL string literal: backslashes and quotes escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def holds_card_number(text: str) -> bool:
    """Whether a name (a file's, a column's, a key's) or a control file's text holds an
    unmasked card number: a span the Python masker (fintech_dq.masking) masks that has a
    card scheme's prefix and length (docs/rules.md, what counts as a card number). Read as
    amounts and timestamps are, not as text columns: names and manifests hold dates,
    timestamps, counts and totals (a Luhn-valid 14-digit timestamp is one in ten), and the
    contract's definition is of the text columns."""
    return any(schemes_matching(digits) for digits in card_numbers_in_text(text))


def lines_schema(column_names: tuple[str, ...]) -> StructType:
    """The records' columns, then what a rejected line keeps (null on a record)."""
    return StructType(
        records_schema(column_names).fields
        + [StructField(name, StringType(), True) for name in REJECTION_COLUMNS]
    )


def records_schema(column_names: tuple[str, ...]) -> StructType:
    """Every contract column as the text the sender wrote, then where the row came from."""
    return StructType(
        [StructField(name, StringType(), True) for name in column_names]
        + [
            StructField(SOURCE_FILE, StringType(), False),
            StructField(SOURCE_LINE, LongType(), True),
            StructField(OUTSIDE_CONTRACT, StringType(), True),
        ]
    )


@dataclass(frozen=True)
class Manifest:
    """The sender's control file: what the data file should hold, to compare with what it does."""

    path: str
    file: str
    record_count: int
    totals: dict[str, Decimal]  # {} when the manifest has none (see totals_given)
    sha256: str | None
    totals_given: bool = True  # False: no `totals` key, so totals are not compared
    holds_card_number: bool = False  # somewhere in its text (holds_card_number)


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
    # | reference_duplicate_keys | reference_unknown_values (a reference table's, found by
    # the engine)
    message: str
    columns: tuple[str, ...] = ()
    # The manifest a manifest_invalid finding is about holds a card number in its text: a
    # PCI breach counted by the unmasked_card_number rules (engine.pan_guard), never shown.
    holds_card_number: bool = False


@dataclass
class RawBatch:
    """A business day's files as raw text records plus everything that could not be parsed.

    `lines` holds every data line once (schema `lines_schema`): a record, or a rejected line
    with its reason. It is kept (fintech_dq.kept_rows): the engine reads it several times
    (the ids, every row rule, the rejected rows) and each read would otherwise parse every
    file again; one frame for both outcomes means one parse. `close()` releases it and the
    staged copies of damaged or Parquet gzip files, which Spark reads lazily and so must
    outlive read_batch.
    """

    lines: DataFrame
    column_names: tuple[str, ...]
    files: list[InputFile]
    findings: list[FileFinding]
    keeps_rows: bool = False  # lines kept as rows (fintech_dq.kept_rows); the checked rows too
    release_staging: Callable[[], None] | None = field(default=None, repr=False)

    @property
    def records(self) -> DataFrame:
        """The records: every contract column as text, then `_source_file`, `_source_line`,
        `_outside_contract`."""
        return self.lines.where(F.col(REJECT_REASON).isNull()).select(
            *self.column_names, SOURCE_FILE, SOURCE_LINE, OUTSIDE_CONTRACT
        )

    @property
    def rejected(self) -> DataFrame:
        """Lines that could not be parsed: source_file, source_line, raw_text, raw_base64 (the
        bytes when they are not UTF-8), reason."""
        return self.lines.where(F.col(REJECT_REASON).isNotNull()).select(
            F.col(SOURCE_FILE).alias("source_file"),
            F.col(SOURCE_LINE).alias("source_line"),
            F.col(RAW_TEXT).alias("raw_text"),
            F.col(RAW_BASE64).alias("raw_base64"),
            F.col(REJECT_REASON).alias("reason"),
        )

    def close(self) -> None:
        kept_rows.release(self.lines)
        if self.release_staging is not None:
            self.release_staging()  # local temp directory or S3 staging prefix
            self.release_staging = None
