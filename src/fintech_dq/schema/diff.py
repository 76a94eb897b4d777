"""Schema diff: the latest catalog version against the contract and against the version
before it. Pure functions of data: no catalog, no Spark.

Each change has a kind (POLICY_KEYS) and is classified breaking or additive by the rules
file's policy. A change to a column the contract does not name is at most additive, since
the pipeline does not read it (nested fields have their own policy keys, the contract
being flat).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fintech_dq.contract import DatasetRules
from fintech_dq.schema.hive_types import HiveType, Relation, parse_type, relation
from fintech_dq.schema.inference import text_fits
from fintech_dq.schema.model import CRAWLER, DECLARED, CatalogColumn, TableSchema
from fintech_dq.schema.policy import ADDITIVE, BREAKING, SchemaPolicy

CONTRACT = "contract"
PREVIOUS = "previous_version"


@dataclass(frozen=True)
class SchemaChange:
    against: str  # contract | previous_version
    kind: str  # a key of POLICY_KEYS
    column: str  # a column, a nested path (a.b), or the moved columns of a reorder
    old: str | None
    new: str | None
    classification: str  # breaking | additive
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "against": self.against,
            "kind": self.kind,
            "column": self.column,
            "old": self.old,
            "new": self.new,
            "classification": self.classification,
            "message": self.message,
        }


def conformance(contract_type: str, found: CatalogColumn) -> Relation:
    """SAME when the contract's column can read what the catalog says it holds; otherwise
    how the found type relates to the contract's (WIDENED, NARROWED or INCOMPATIBLE)."""
    wanted = parse_type(contract_type)
    kind = found.parsed
    if found.no_values:
        return Relation.SAME
    if found.type_source == DECLARED:
        # as the ingest layer judges a Parquet column: a narrower decimal fits, else equal
        fits = kind == wanted or (
            wanted.name == "decimal" and relation(wanted, kind) is Relation.NARROWED
        )
    else:
        fits = text_fits(wanted, kind) or (found.type_source == CRAWLER and kind.name == "string")
    if fits:
        return Relation.SAME
    related = relation(wanted, kind)
    return Relation.INCOMPATIBLE if related is Relation.NARROWED else related


def diff_against_contract(
    schema: TableSchema, rules: DatasetRules, policy: SchemaPolicy
) -> list[SchemaChange]:
    contract = {c.name: c.type for c in rules.columns}
    changes: list[SchemaChange] = []
    missing = [name for name in contract if schema.column(name) is None]
    extra = [c for c in schema.columns if c.name not in contract]
    renames = _renames(
        missing,
        extra,
        lambda name, column: conformance(contract[name], column) is Relation.SAME,
        policy.similarity,
    )
    renamed_to = {new.name for new in renames.values()}
    for name in missing:
        if name in renames:
            new = renames[name]
            text = f"contract column {name} is missing; {new.name} ({new.type}) probably renames it"
            changes.append(_change(CONTRACT, "renamed", name, name, new.name, policy, text))
        else:
            text = f"contract column {name} ({contract[name]}) is missing"
            changes.append(_change(CONTRACT, "removed", name, contract[name], None, policy, text))
    for column in extra:
        if column.name not in renamed_to:
            text = f"column {column.name} ({column.type}) is not in the contract"
            changes.append(_change(CONTRACT, "added", column.name, None, column.type, policy, text))
    for name, wanted in contract.items():
        found = schema.column(name)
        if found is None:
            continue
        related = conformance(wanted, found)
        if related is not Relation.SAME:
            kind = _retype_kind(related)
            text = f"column {name} is {found.type}, the contract says {wanted} ({kind})"
            changes.append(_change(CONTRACT, kind, name, wanted, found.type, policy, text))
    moved = _moved([n for n in contract if n in schema.names], list(schema.names))
    if moved:
        text = f"out of the contract's column order: {', '.join(moved)}"
        changes.append(_change(CONTRACT, "reordered", ", ".join(moved), None, None, policy, text))
    return changes


def diff_versions(
    previous: TableSchema, latest: TableSchema, rules: DatasetRules, policy: SchemaPolicy
) -> list[SchemaChange]:
    contract = {c.name: c.type for c in rules.columns}
    changes: list[SchemaChange] = []

    def add(kind: str, column: str, old: str | None, new: str | None, text: str) -> None:
        change = _change(PREVIOUS, kind, column, old, new, policy, text)
        if change.classification == BREAKING and not _pipeline_reads(kind, column):
            change = _downgraded(change, "the contract does not read it this way")
        changes.append(change)

    def _pipeline_reads(kind: str, column: str) -> bool:
        """Whether the change touches what the pipeline reads: a contract column (for a
        retype, only when the new type no longer conforms), the order, or a nested field
        (which has its own policy keys, the contract being flat)."""
        if kind == "reordered" or kind.startswith("nested_"):
            return True
        if column not in contract:
            return False
        if kind not in ("widened", "narrowed", "retyped"):
            return True
        now = latest.column(column)
        return now is not None and conformance(contract[column], now) is not Relation.SAME

    removed = [c.name for c in previous.columns if latest.column(c.name) is None]
    added = [c for c in latest.columns if previous.column(c.name) is None]
    renames = _renames(
        removed,
        added,
        lambda name, column: _same_type(previous.column(name), column),
        policy.similarity,
    )
    renamed_to = {column.name for column in renames.values()}
    for name in removed:
        old = previous.column(name)
        assert old is not None
        if name in renames:
            new = renames[name]
            add("renamed", name, name, new.name, f"column {name} probably renamed to {new.name}")
        else:
            add("removed", name, old.type, None, f"column {name} ({old.type}) was removed")
    for column in added:
        if column.name not in renamed_to:
            add("added", column.name, None, column.type, f"column {column.name} added")
    for column in latest.columns:
        old = previous.column(column.name)
        if old is None or old.no_values or column.no_values:
            continue
        _compare_types(column.name, old.parsed, column.parsed, add)
        known = old.nullable is not None and column.nullable is not None
        if known and old.nullable != column.nullable:
            now = "nullable" if column.nullable else "not nullable"
            add("nullability", column.name, str(old.nullable).lower(),
                str(column.nullable).lower(), f"column {column.name} is now {now}")  # fmt: skip
    common = [c.name for c in previous.columns if latest.column(c.name) is not None]
    moved = _moved(common, list(latest.names))
    if moved:
        add("reordered", ", ".join(moved), None, None, f"columns moved: {', '.join(moved)}")
    return changes


def _compare_types(path: str, old: HiveType, new: HiveType, add: Any) -> None:
    nested = "." in path or "[]" in path
    if old.name == new.name == "struct":
        old_fields, new_fields = dict(old.fields), dict(new.fields)
        for name, kind in old.fields:
            if name not in new_fields:
                add("nested_removed", f"{path}.{name}", kind.text(), None,
                    f"field {path}.{name} was removed")  # fmt: skip
        for name, kind in new.fields:
            if name not in old_fields:
                add("nested_added", f"{path}.{name}", None, kind.text(),
                    f"field {path}.{name} ({kind.text()}) added")  # fmt: skip
            else:
                _compare_types(f"{path}.{name}", old_fields[name], kind, add)
        return
    old_item, new_item = old.element, new.element
    if old_item is not None and new_item is not None and old_item.name == new_item.name == "struct":
        _compare_types(f"{path}[]", old_item, new_item, add)
        return
    related = relation(old, new)
    if related is Relation.SAME:
        return
    change = "nested_retyped" if nested else _retype_kind(related)
    text = f"{'field' if nested else 'column'} {path} retyped {old.text()} -> {new.text()}"
    add(change, path, old.text(), new.text(), f"{text} ({related.value})")


def _retype_kind(related: Relation) -> str:
    return {Relation.WIDENED: "widened", Relation.NARROWED: "narrowed"}.get(related, "retyped")


def _same_type(old: CatalogColumn | None, new: CatalogColumn) -> bool:
    return old is not None and relation(old.parsed, new.parsed) is Relation.SAME


def _renames(
    removed: Sequence[str],
    added: Sequence[CatalogColumn],
    compatible: Any,
    threshold: float,
) -> dict[str, CatalogColumn]:
    """Pairs (removed name -> added column) of a compatible type whose names are similar,
    the most similar first, each column used once."""
    candidates = []
    for name in removed:
        for column in added:
            score = difflib.SequenceMatcher(None, name.lower(), column.name.lower()).ratio()
            if score >= threshold and compatible(name, column):
                candidates.append((score, name, column))
    pairs: dict[str, CatalogColumn] = {}
    used: set[str] = set()
    for _, name, column in sorted(candidates, key=lambda item: -item[0]):
        if name not in pairs and column.name not in used:
            pairs[name] = column
            used.add(column.name)
    return pairs


def _moved(expected: Sequence[str], found: Sequence[str]) -> list[str]:
    """Columns of `expected` (all in `found`) outside the longest run kept in order."""
    position = {name: index for index, name in enumerate(found)}
    sequence = [position[name] for name in expected if name in position]
    kept = _longest_increasing(sequence)
    return [name for name in expected if name in position and position[name] not in kept]


def _longest_increasing(values: Sequence[int]) -> set[int]:
    best: list[list[int]] = []
    for value in values:
        chains = [chain for chain in best if chain[-1] < value]
        longest: list[int] = []
        for chain in chains:
            longest = chain if len(chain) > len(longest) else longest
        best.append([*longest, value])
    kept: list[int] = []
    for chain in best:
        kept = chain if len(chain) > len(kept) else kept
    return set(kept)


def _change(
    against: str,
    kind: str,
    column: str,
    old: str | None,
    new: str | None,
    policy: SchemaPolicy,
    message: str,
) -> SchemaChange:
    classification = policy.classify(kind)
    return SchemaChange(against, kind, column, old, new, classification, message)


def _downgraded(change: SchemaChange, reason: str) -> SchemaChange:
    return SchemaChange(
        change.against, change.kind, change.column, change.old, change.new, ADDITIVE,
        f"{change.message} (additive: {reason})",
    )  # fmt: skip
