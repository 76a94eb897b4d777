"""Write chunks of rows as CSV, JSON Lines or Parquet (optionally gzip), with a manifest.

The manifest describes the file as written: every record counts (a broken one too),
totals add up the amounts that are plain decimals, and the hash is of the bytes on disk.
Gzip streams carry no name or time, so a seed always gives the same bytes.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from abc import ABC, abstractmethod
from collections.abc import Set
from dataclasses import dataclass, field
from decimal import Decimal
from json.encoder import encode_basestring_ascii
from pathlib import Path
from typing import Any, BinaryIO, cast

import pyarrow as pa
import pyarrow.parquet as pq

from fintech_dq.sample.money import decimal_text, parse_plain
from fintech_dq.sample.rows import COLUMN_INDEX, COLUMNS, Columns

MANIFEST_SUFFIX = ".manifest.json"
_AMOUNT, _CURRENCY = COLUMN_INDEX["amount"], COLUMN_INDEX["currency"]
_EXTRA_FIELDS = ("EXTRA", "FIELDS")  # what makes a CSV record unparsable
_JSON_KEYS = tuple(f"{encode_basestring_ascii(c)}:" for c in COLUMNS)

# The contract's logical types, as a ledger exports them.
PARQUET_SCHEMA = pa.schema(
    [
        (
            name,
            pa.decimal128(20, 10) if name == "fx_rate"
            else pa.decimal128(20, 4) if name in ("amount", "fee_amount", "settlement_amount")
            else pa.timestamp("us", tz="UTC") if name in ("created_at", "settled_at")
            else pa.string(),
        )
        for name in COLUMNS
    ]
)  # fmt: skip


@dataclass
class Manifest:
    file: str
    record_count: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)
    sha256: str = ""

    def count(self, columns: Columns, broken: Set[int]) -> None:
        self.record_count += len(columns[0])
        totals = self.totals
        for position, (amount, currency) in enumerate(
            zip(columns[_AMOUNT], columns[_CURRENCY], strict=True)
        ):
            value = parse_plain(amount)
            if value is not None and currency is not None and position not in broken:
                totals[currency] = totals.get(currency, Decimal(0)) + value

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "record_count": self.record_count,
            "totals": {c: decimal_text(v) for c, v in sorted(self.totals.items())},
            "sha256": self.sha256,
        }


class ChunkWriter(ABC):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.manifest = Manifest(path.name)

    def write(self, columns: Columns, broken: Set[int] = frozenset()) -> None:
        """One chunk; rows at `broken` positions are written so that they cannot be parsed."""
        self.manifest.count(columns, broken)
        self._write(columns, broken)

    def close(self) -> Manifest:
        """Closes the file, hashes it and writes `<file>.manifest.json` beside it."""
        self._close()
        digest = hashlib.sha256()
        with self.path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
        self.manifest.sha256 = digest.hexdigest()
        manifest_path = self.path.with_name(self.path.name + MANIFEST_SUFFIX)
        manifest_path.write_text(json.dumps(self.manifest.as_json(), indent=2) + "\n")
        return self.manifest

    @abstractmethod
    def _write(self, columns: Columns, broken: Set[int]) -> None: ...

    @abstractmethod
    def _close(self) -> None: ...


class _TextWriter(ChunkWriter):
    def __init__(self, path: Path, compressed: bool) -> None:
        super().__init__(path)
        self._raw = path.open("wb")
        self._zip = (
            gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0, compresslevel=6)
            if compressed
            else None
        )
        binary = cast(BinaryIO, self._zip if self._zip is not None else self._raw)
        self.text = io.TextIOWrapper(binary, encoding="utf-8", newline="")

    def _close(self) -> None:
        self.text.close()  # closes the gzip stream, which does not close the file
        self._raw.close()


class CsvWriter(_TextWriter):
    def __init__(self, path: Path, compressed: bool) -> None:
        super().__init__(path, compressed)
        self.csv = csv.writer(self.text, lineterminator="\n")
        self.csv.writerow(COLUMNS)

    def _write(self, columns: Columns, broken: Set[int]) -> None:
        rows: list[tuple[str | None, ...]] = list(zip(*columns, strict=True))
        for position in broken:
            rows[position] = (*rows[position], *_EXTRA_FIELDS)
        self.csv.writerows(rows)


class JsonLinesWriter(_TextWriter):
    def _write(self, columns: Columns, broken: Set[int]) -> None:
        keys = _JSON_KEYS
        lines = [
            "{"
            + ",".join(
                [
                    key + ("null" if v is None else encode_basestring_ascii(v))
                    for key, v in zip(keys, row, strict=True)
                ]
            )
            + "}"
            for row in zip(*columns, strict=True)
        ]
        for position in broken:
            lines[position] = lines[position][: len(lines[position]) // 2]
        self.text.write("\n".join(lines))
        self.text.write("\n")


class ParquetWriter(ChunkWriter):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.writer = pq.ParquetWriter(path, PARQUET_SCHEMA, compression="snappy")

    def _write(self, columns: Columns, broken: Set[int]) -> None:
        if broken:
            raise ValueError("a Parquet file cannot hold an unparsable record")
        arrays = [
            pa.array(values, pa.string()).cast(f.type)
            for values, f in zip(columns, PARQUET_SCHEMA, strict=True)
        ]
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=PARQUET_SCHEMA))

    def _close(self) -> None:
        self.writer.close()


def open_writer(path: Path, fmt: str) -> ChunkWriter:
    if fmt == "parquet":
        return ParquetWriter(path)
    compressed = fmt.endswith(".gz")
    if fmt.startswith("csv"):
        return CsvWriter(path, compressed)
    return JsonLinesWriter(path, compressed)
