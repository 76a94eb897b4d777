"""Ingest: a business day's delivered files to raw text records and rejected lines.

Every contract column arrives as the text the sender wrote (the engine types it), with the
file and line it came from; what cannot be parsed is rejected with its raw text and reason;
file-level problems are findings for the batch rules.
"""

from fintech_dq.ingest.batch import read_batch
from fintech_dq.ingest.discover import discover_inputs
from fintech_dq.ingest.model import (
    SOURCE_FILE,
    SOURCE_LINE,
    FileFinding,
    InputFile,
    Manifest,
    RawBatch,
)

__all__ = [
    "SOURCE_FILE",
    "SOURCE_LINE",
    "FileFinding",
    "InputFile",
    "Manifest",
    "RawBatch",
    "discover_inputs",
    "read_batch",
]
