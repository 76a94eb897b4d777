"""Which files a run reads, and what each one is, judged by its name as the contract says."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import NamedTuple

from fintech_dq.ingest.source import Inputs

MANIFEST_SUFFIX = ".manifest.json"
_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl", ".parquet": "parquet"}


class FileKind(NamedTuple):
    format: str  # csv | jsonl | parquet
    compression: str | None  # gzip | None


def file_kind(path: str) -> FileKind:
    """Format and compression from the extension; ValueError for anything else (usage error)."""
    name = os.path.basename(path).lower()
    if name.endswith(MANIFEST_SUFFIX):
        raise ValueError(f"{path} is a manifest, not a data file")
    compression = None
    if name.endswith(".gz"):
        compression, name = "gzip", name[: -len(".gz")]
    fmt = _FORMATS.get(os.path.splitext(name)[1])
    if fmt is None:
        raise ValueError(
            f"{path}: unknown data file extension (expected .csv, .jsonl, .json or .parquet,"
            " optionally .gz)"
        )
    return FileKind(fmt, compression)


def discover_inputs(paths: Sequence[str], inputs: Inputs | None = None) -> list[str]:
    """Files (local paths or s3:// objects) as given, folders and prefixes expanded
    recursively; sorted, each file once.

    Inside a folder, manifests and hidden or underscore files (`.crc`, `_SUCCESS`) are
    skipped; any other file must be a data file, since silently ignoring one would lose its
    records. A folder or prefix without any data file is a ValueError too.
    """
    inputs = inputs or Inputs()
    found: dict[str, str] = {}
    for given in paths:
        expanded = inputs.expand(given)
        is_file = expanded == [given]
        data_files = [p for p in expanded if is_file or not p.lower().endswith(MANIFEST_SUFFIX)]
        if not data_files:
            # An empty or wrong folder must not read as a clean day of zero rows.
            raise ValueError(f"input {given} holds no data files (.csv, .jsonl, .json, .parquet)")
        for path in data_files:
            file_kind(path)  # raises for a file that is not a data file
            found.setdefault(inputs.identity(path), path)
    return sorted(found.values())
