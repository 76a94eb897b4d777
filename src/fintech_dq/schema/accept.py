"""Accepting a schema change: the contract (the rules file) is updated to what the catalog
now holds, and who accepted it is written to the audit trail.

The rules file stays the one source of truth and is edited as text, line by line, so its
comments and layout survive; the result is loaded and checked before it is written. A
renamed column is renamed in the rules that name it too (their ids are kept: metrics and
history are keyed by them); a rule that names a removed column, or a reference that cannot
be rewritten safely, is refused with its line in the file as it is, and nothing is written.
The person commits the file, which ships with the package, as any other contract change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from fintech_dq.contract import DatasetRules, RulesFileError, load_rules, load_rules_text
from fintech_dq.infra import aws
from fintech_dq.pipeline.locations import PipelineLocations
from fintech_dq.schema.catalog import read_versions
from fintech_dq.schema.diff import SchemaChange, diff_against_contract
from fintech_dq.schema.drift import AUDIT_STREAM, CatalogTableMissing, crawled_day_schema
from fintech_dq.schema.hive_types import contract_type as contract_type_of
from fintech_dq.schema.model import TableSchema
from fintech_dq.schema.policy import BREAKING, policy_of
from fintech_dq.schema.rule_references import CannotRename, RewrittenReference, renamed_in_rules

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
    rewritten: tuple[RewrittenReference, ...] = ()
    """Rule references renamed with their column (the rules' ids are kept)."""
    renamed_generated: tuple[tuple[str, str], ...] = ()
    """Rules made from the column contract (`<column>.required`/`.type`): named after the
    column, so their ids follow it (old id, new id)."""


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
    new_text, rewritten = contract_edit(text, rules, schema, changes)
    try:
        accepted = load_rules_text(new_text, str(rules_file))
    except RulesFileError as error:  # its lines are of the edited text, never written
        raise CannotAccept(
            f"the edited contract would not load, so nothing was written to {rules_file} "
            f"(the lines below are of the edited text, not of the file as it is):\n{error}"
        ) from error
    Path(rules_file).write_text(new_text, encoding="utf-8")
    result = AcceptedChange(
        str(rules_file), rules.version, accepted.version, tuple(changes),
        rules.source_sha256, accepted.source_sha256, rewritten,
        _renamed_generated(rules, accepted, changes),
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
        "rule_references_renamed": [ref.as_dict() for ref in result.rewritten],
    }


def _renamed_generated(
    before: DatasetRules, after: DatasetRules, changes: list[SchemaChange]
) -> tuple[tuple[str, str], ...]:
    old_ids = {rule.id for rule in before.row_rules if rule.generated}
    new_ids = {rule.id for rule in after.row_rules if rule.generated}
    pairs = []
    for change in changes:
        if change.kind == "renamed" and change.new is not None:
            for suffix in (".required", ".type"):
                old, new = change.column + suffix, change.new + suffix
                if old in old_ids and new in new_ids:
                    pairs.append((old, new))
    return tuple(pairs)


def contract_text(
    text: str, rules: DatasetRules, schema: TableSchema, changes: list[SchemaChange]
) -> str:
    """The rules file's text with its columns made to match `schema` (pure)."""
    return contract_edit(text, rules, schema, changes)[0]


def contract_edit(
    text: str, rules: DatasetRules, schema: TableSchema, changes: list[SchemaChange]
) -> tuple[str, tuple[RewrittenReference, ...]]:
    """contract_text, and the rule references renamed with their column (pure).

    A rule naming a removed column, or a reference that is not a plain one-line name
    (an alias, a block scalar), is refused naming the rule and its line in `text`: the
    loader's own message would give a line of the edited text, which nobody can open.
    """
    try:
        text, rewritten = renamed_in_rules(text, rules.source_path, changes)
    except CannotRename as error:
        raise CannotAccept(str(error)) from error
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
    return _bumped(new_text, breaking), rewritten


def _quoted(contract_type: str) -> str:
    return f'"{contract_type}"' if "(" in contract_type else contract_type


def _bumped(text: str, breaking: bool) -> str:
    match = _VERSION.search(text)
    if not match:
        raise CannotAccept("the rules file has no version: line to bump")
    major, minor, _ = (int(part) for part in match.groups())
    version = f"{major + 1}.0.0" if breaking else f"{major}.{minor + 1}.0"
    return text[: match.start()] + f"version: {version}" + text[match.end() :]
