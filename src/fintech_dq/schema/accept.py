"""Accepting a schema change: the contract (the rules file) is updated to what the catalog
now holds, and who accepted it is written to the audit trail.

The rules file stays the one source of truth and is edited as text, line by line, so its
comments and layout survive; the result is loaded and checked before it is written (a rule
that still names a removed column is reported, and nothing is written). The person commits
the file, which ships with the package, as any other contract change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from fintech_dq.contract import DatasetRules, load_rules, load_rules_text
from fintech_dq.infra import aws
from fintech_dq.pipeline.locations import PipelineLocations
from fintech_dq.schema.catalog import read_versions
from fintech_dq.schema.diff import SchemaChange, diff_against_contract
from fintech_dq.schema.drift import AUDIT_STREAM, CatalogTableMissing, crawled_day_schema
from fintech_dq.schema.hive_types import contract_type as contract_type_of
from fintech_dq.schema.model import TableSchema
from fintech_dq.schema.policy import BREAKING, policy_of

_COLUMN_LINE = re.compile(r"^(?P<indent>\s+)(?P<name>[A-Za-z0-9_]+):\s*\{[^#]*\}")
_TYPE = re.compile(r'type:\s*("[^"]*"|[^,}\s]+)')
_VERSION = re.compile(r"^version:\s*(\d+)\.(\d+)\.(\d+)\s*$", re.MULTILINE)


class CannotAccept(ValueError):
    """Nothing to accept, or the rules file cannot be edited safely."""


@dataclass(frozen=True)
class AcceptedChange:
    rules_file: str
    old_version: str
    new_version: str
    changes: tuple[SchemaChange, ...]
    rules_sha256_before: str
    rules_sha256_after: str


def accept_change(
    locations: PipelineLocations,
    business_date: date,
    actor: str,
    reason: str,
    rules_file: Path,
    settings: aws.AwsSettings | None = None,
) -> AcceptedChange:
    """Make the contract match the date's catalog schema; audit who accepted it and why."""
    if not actor.strip() or not reason.strip():
        raise CannotAccept("say who accepts the change (--by) and why (--reason)")
    rules = load_rules(rules_file)
    glue = aws.client("glue", settings)
    versions = read_versions(glue, locations)
    if versions.latest is None:
        raise CatalogTableMissing(f"no table {locations.catalog_table} in the catalog")
    schema = crawled_day_schema(glue, locations, business_date)
    changes = diff_against_contract(schema, rules, policy_of(rules))
    if not changes:
        version = versions.latest.version_id
        raise CannotAccept(f"the contract already matches catalog version {version}")
    text = Path(rules_file).read_text(encoding="utf-8")
    new_text = contract_text(text, rules, schema, changes)
    accepted = load_rules_text(new_text, str(rules_file))  # RulesFileError: nothing written
    Path(rules_file).write_text(new_text, encoding="utf-8")
    result = AcceptedChange(
        str(rules_file), rules.version, accepted.version, tuple(changes),
        rules.source_sha256, accepted.source_sha256,
    )  # fmt: skip
    from fintech_dq.audit import AuditTrail

    AuditTrail(locations, settings).append(
        AUDIT_STREAM,
        "contract.accepted",
        actor,
        subject=f"{rules.dataset} rules {rules.version} -> {accepted.version}",
        details=_details(result, business_date, versions.latest.version_id, reason),
    )
    return result


def _details(
    result: AcceptedChange, business_date: date, version: str | None, reason: str
) -> dict[str, Any]:
    return {
        "reason": reason,
        "business_date": business_date.isoformat(),
        "catalog_version_id": version,
        "rules_file": result.rules_file,
        "rules_version": {"before": result.old_version, "after": result.new_version},
        "rules_sha256": {"before": result.rules_sha256_before, "after": result.rules_sha256_after},
        "changes": [change.as_dict() for change in result.changes],
    }


def contract_text(
    text: str, rules: DatasetRules, schema: TableSchema, changes: list[SchemaChange]
) -> str:
    """The rules file's text with its columns made to match `schema` (pure)."""
    lines = text.splitlines(keepends=True)
    numbers = sorted(column.line for column in rules.columns)
    if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        raise CannotAccept("the columns section has lines between columns; edit it by hand")
    entries: dict[str, str] = {}
    for column in rules.columns:
        line = lines[column.line - 1]
        if not _COLUMN_LINE.match(line):
            raise CannotAccept(f"line {column.line}: column {column.name} is not one line")
        entries[column.name] = line
    indent = _COLUMN_LINE.match(entries[rules.columns[0].name])["indent"]  # type: ignore[index]
    first_line = entries[rules.columns[0].name]
    width = first_line.index("{") - len(indent) - 1  # the file's alignment of the braces

    def aligned(name: str, entry: str) -> str:
        return f"{indent}{name}:{' ' * max(1, width - len(name))}{entry}"

    for change in changes:
        found = schema.column(change.column) if change.kind != "renamed" else None
        if change.kind == "removed":
            entries.pop(change.column)
        elif change.kind == "renamed":
            assert change.new is not None
            old = entries.pop(change.column)
            entries[change.new] = aligned(change.new, old[old.index("{") :])
        elif change.kind == "added" and found is not None:
            wanted = contract_type_of(found.parsed)
            entries[found.name] = aligned(found.name, f"{{type: {_quoted(wanted)}}}\n")
        elif change.kind in ("retyped", "widened", "narrowed") and found is not None:
            wanted = contract_type_of(found.parsed)
            entries[found.name] = _TYPE.sub(f"type: {_quoted(wanted)}", entries[found.name], 1)
    ordered = [entries[name] for name in schema.names if name in entries]
    ordered += [line for name, line in entries.items() if name not in schema.names]
    first, last = numbers[0] - 1, numbers[-1]
    new_text = "".join([*lines[:first], *ordered, *lines[last:]])
    breaking = any(change.classification == BREAKING for change in changes)
    return _bumped(new_text, breaking)


def _quoted(contract_type: str) -> str:
    return f'"{contract_type}"' if "(" in contract_type else contract_type


def _bumped(text: str, breaking: bool) -> str:
    match = _VERSION.search(text)
    if not match:
        raise CannotAccept("the rules file has no version: line to bump")
    major, minor, _ = (int(part) for part in match.groups())
    version = f"{major + 1}.0.0" if breaking else f"{major}.{minor + 1}.0"
    return text[: match.start()] + f"version: {version}" + text[match.end() :]
