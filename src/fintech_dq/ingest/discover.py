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


class Delivery(NamedTuple):
    files: list[str]  # the data files, sorted, each once
    lone_manifests: list[str]  # manifests in the folders with no data file of theirs beside them


def discover_inputs(paths: Sequence[str], inputs: Inputs | None = None) -> list[str]:
    """Files (local paths or s3:// objects) as given, folders and prefixes expanded
    recursively; sorted, each file once.

    Inside a folder, manifests and hidden or underscore files (`.crc`, `_SUCCESS`) are
    skipped; any other file must be a data file, since silently ignoring one would lose its
    records. A folder or prefix without any data file is a ValueError too.
    """
    return discover_delivery(paths, inputs).files


def discover_delivery(paths: Sequence[str], inputs: Inputs | None = None) -> Delivery:
    """discover_inputs, and the manifests found in the folders whose data file is not among
    the files: the records such a manifest declares would otherwise vanish unreported."""
    inputs = inputs or Inputs()
    found: dict[str, str] = {}
    manifests: dict[str, str] = {}
    unknown: list[str] = []  # every file that is not a data file, said at once
    for given in paths:
        expanded = inputs.expand(given)
        is_file = expanded == [given]
        data_files = [p for p in expanded if is_file or not p.lower().endswith(MANIFEST_SUFFIX)]
        if not data_files:
            # An empty or wrong folder must not read as a clean day of zero rows.
            raise ValueError(f"input {given} holds no data files (.csv, .jsonl, .json, .parquet)")
        for path in data_files:
            try:
                file_kind(path)
            except ValueError as error:
                unknown.append(str(error))
                continue
            found.setdefault(inputs.identity(path), path)
        for path in expanded:  # the contract's spelling: `<data file name>.manifest.json`
            if not is_file and path.endswith(MANIFEST_SUFFIX):
                manifests.setdefault(inputs.identity(path), path)
    if unknown:
        raise ValueError(unknown[0] if len(unknown) == 1 else "; ".join(unknown))
    # A data file's manifest is the one read beside it (manifest.manifest_path), by identity:
    # the same file given by another spelling still claims it.
    claimed = {inputs.identity(path + MANIFEST_SUFFIX) for path in found.values()}
    lone = [path for identity, path in manifests.items() if identity not in claimed]
    return Delivery(sorted(found.values()), sorted(lone))
