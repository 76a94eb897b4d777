"""File-level findings that batch rules judge: schema drift, damaged files, resends."""

from __future__ import annotations

import re
from collections.abc import Sequence

from fintech_dq.contract import ColumnSpec
from fintech_dq.ingest.inspection import Damage
from fintech_dq.ingest.model import FileFinding, InputFile

_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.-]+")


def schema_findings(
    path: str,
    found: Sequence[str],
    columns: Sequence[ColumnSpec],
    absent_key_is_null: bool = False,
) -> list[FileFinding]:
    """Contract columns the file lacks break the pipeline; columns it adds are reported.

    JSON Lines (`absent_key_is_null`) declare no
    columns: `found` is the keys of the first records (json_records.json_keys), and a record
    may leave out a key whose value is null (Spark's own JSON writer does by default), which
    ingest reads as null. A key no sampled record has is then a column null in every record
    (fee_amount or counterparty_iban on a day without fees or transfers), not a removed one:
    only a mandatory column (`required: true`, whose null every record would fail) is
    missing. An optional column absent beside keys the contract does not know is named in
    the additive finding: it may have been renamed.
    """
    known = {c.name for c in columns}
    present = set(found)
    absent = [c for c in columns if c.name not in present]
    missing = tuple(c.name for c in absent if c.required or not absent_key_is_null)
    unsampled = tuple(c.name for c in absent if c.name not in missing)
    extra = tuple(name for name in dict.fromkeys(found) if name not in known)
    findings = []
    if missing:
        message = f"file {path}: missing columns {', '.join(missing)}"
        if absent_key_is_null:
            message = (
                f"file {path}: no sampled record has the mandatory columns {', '.join(missing)}"
            )
        findings.append(FileFinding(path, "schema_breaking", message, missing))
    if extra:
        message = f"file {path}: columns not in the contract: {_names(extra)}"
        if unsampled:
            message += (
                f" (contract columns in no sampled record, read as null: {', '.join(unsampled)};"
                " renamed?)"
            )
        findings.append(FileFinding(path, "schema_additive", message, extra))
    return findings


def _names(names: tuple[str, ...]) -> str:
    """Column names as found; one with spaces or other characters quoted (' channel ')."""
    return ", ".join(n if _PLAIN_NAME.fullmatch(n) else repr(n) for n in names)


def damage_finding(path: str, file_format: str, damage: Damage) -> FileFinding:
    """A gzip stream that breaks off: what was read of the file and what was not."""
    if damage.error is None:
        what = f"file {path} is truncated: its gzip stream ends unexpectedly"
    else:
        what = f"file {path} is corrupt: its gzip data cannot be decompressed"
    if file_format == "parquet":
        done = "; the Parquet file in it was not read"
    elif damage.good_lines == 0:
        done = "; no line of it could be read"
    else:
        done = f" after line {damage.good_lines}; the lines before it were read"
    cause = f" (zlib: {damage.error})" if damage.error else ""
    return FileFinding(path, "file_integrity", f"{what}{done}{cause}")


def resend_findings(inputs: list[InputFile]) -> list[FileFinding]:
    """A file with the same bytes as an earlier one is a resend (its rows are duplicates)."""
    first: dict[str, str] = {}
    findings = []
    for item in inputs:
        earlier = first.setdefault(item.sha256, item.path)
        if earlier != item.path:
            message = (
                f"file {item.path} is a resend: same content (sha256 {item.sha256}) as {earlier}"
            )
            findings.append(FileFinding(item.path, "resend", message))
    return findings
