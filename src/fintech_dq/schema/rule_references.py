"""Where the written rules name columns, and renaming them with an accepted column rename.

`fdq schema accept` renames a column in the rules that name it too; rule ids are kept
(metrics and history are keyed by them). A reference that is not a plain one-line name (an
alias, a block scalar) or that names a removed column is refused with its line in the file
as it is on disk: the loader's own message would give a line of the edited text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fintech_dq.contract.located_yaml import parse_located
from fintech_dq.contract.rule_types import COLUMN_KEYS
from fintech_dq.schema.diff import SchemaChange

_RULE_SECTIONS = ("rules", "batch_rules")
_TOKEN_END = re.compile(r"$|[\s,\]}#]")


class CannotRename(ValueError):
    """A rule reference that cannot be renamed (or names a removed column)."""


@dataclass(frozen=True)
class RuleReference:
    """A place where a written rule names a column of the dataset."""

    rule_id: str
    key: str  # column, other_column, ..., or columns[i]
    column: str
    line: int  # in the file as it is on disk
    column_number: int

    def as_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "key": self.key, "column": self.column, "line": self.line}


@dataclass(frozen=True)
class RewrittenReference:
    reference: RuleReference
    new: str

    def as_dict(self) -> dict[str, Any]:
        return {**self.reference.as_dict(), "new": self.new}


def rule_references(text: str) -> list[RuleReference]:
    """Every place a written rule names a column of the dataset (pure), with its position
    in `text`: the keys the loader checks as columns (COLUMN_KEYS) and a `columns:` list."""
    document = parse_located(text)
    found: list[RuleReference] = []
    raw = document.value if isinstance(document.value, dict) else {}
    for section in _RULE_SECTIONS:
        items = raw.get(section)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict):
                continue
            named: list[tuple[str, tuple[str | int, ...], Any]] = [
                (key, (section, index, key), item.get(key)) for key in COLUMN_KEYS
            ]
            listed = item.get("columns")
            if isinstance(listed, list):
                named += [
                    (f"columns[{i}]", (section, index, "columns", i), name)
                    for i, name in enumerate(listed)
                ]
            for key, path, name in named:
                if isinstance(name, str):
                    line, column = document.where(path)
                    found.append(RuleReference(str(item.get("id")), key, name, line, column))
    return found


def renamed_in_rules(
    text: str, source: str, changes: list[SchemaChange]
) -> tuple[str, tuple[RewrittenReference, ...]]:
    renames = {c.column: c.new for c in changes if c.kind == "renamed" and c.new is not None}
    removed = {c.column for c in changes if c.kind == "removed"}
    references = rule_references(text)
    for reference in references:
        if reference.column in removed:
            raise CannotRename(
                f"{source}:{reference.line}: rule '{reference.rule_id}' names column "
                f"'{reference.column}' ({reference.key}), which the change removes: delete or "
                "change that rule first (the file loads as it is), then accept again"
            )
    lines = text.splitlines(keepends=True)
    rewritten: list[RewrittenReference] = []
    seen: set[tuple[int, int]] = set()
    # Right to left within a line, so that earlier positions on it stay where they were.
    for reference in sorted(references, key=lambda r: (r.line, -r.column_number)):
        new = renames.get(reference.column)
        if new is None:
            continue
        where = (reference.line, reference.column_number)
        line = lines[reference.line - 1]
        start = reference.column_number - 1
        token = _name_token(line, start, reference.column)
        if token is None or where in seen:  # seen: an alias shares its anchor's position
            raise CannotRename(
                f"{source}:{reference.line}: rule '{reference.rule_id}': its {reference.key} "
                f"'{reference.column}' is not a plain name on one line, so it cannot be "
                f"renamed to '{new}' safely; rename the column and this reference by hand"
            )
        seen.add(where)
        quote = token[0] if token[0] in "\"'" else ""
        lines[reference.line - 1] = line[:start] + quote + new + quote + line[start + len(token) :]
        rewritten.append(RewrittenReference(reference, new))
    rewritten.sort(key=lambda r: (r.reference.line, r.reference.column_number))
    return "".join(lines), tuple(rewritten)


def _name_token(line: str, start: int, name: str) -> str | None:
    """The text at `start` that spells `name` as a plain or quoted YAML scalar, or None."""
    for token in (name, f'"{name}"', f"'{name}'"):
        if line.startswith(token, start) and _TOKEN_END.match(line, start + len(token)):
            return token
    return None
