"""Catalog column types (Hive type strings, as the Glue Data Catalog keeps them) and how
two of them relate.

The diff needs more than string equality: `bigint` -> `double` is a widening a reader
survives, `decimal(20,4)` -> `decimal(38,18)` may hold values the contract's column cannot,
`string` -> `struct<...>` is a different thing altogether. Types are parsed into a small
tree so nested fields can be compared field by field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_DECIMAL = re.compile(r"^decimal\((\d+),\s*(\d+)\)$")
_INTEGRAL_DIGITS = {"tinyint": 3, "smallint": 5, "int": 10, "integer": 10, "bigint": 19}
_FLOATING = ("float", "double")


class Relation(StrEnum):
    """How a new type relates to an old one (or a found type to the contract's)."""

    SAME = "same"
    WIDENED = "widened"  # every old value fits the new type
    NARROWED = "narrowed"  # every new value fits the old type
    INCOMPATIBLE = "incompatible"  # neither: a different kind of value


@dataclass(frozen=True)
class HiveType:
    """A parsed type: `name` is the base (string, decimal, struct, array, map, ...)."""

    name: str
    precision: int = 0
    scale: int = 0
    fields: tuple[tuple[str, HiveType], ...] = ()  # struct
    element: HiveType | None = None  # array element, map value
    key: HiveType | None = None  # map key

    @property
    def is_atomic(self) -> bool:
        return self.name not in ("struct", "array", "map")

    @property
    def is_numeric(self) -> bool:
        return self.name in _INTEGRAL_DIGITS or self.name == "decimal" or self.name in _FLOATING

    def text(self) -> str:
        if self.name == "decimal":
            return f"decimal({self.precision},{self.scale})"
        if self.name == "struct":
            return "struct<" + ",".join(f"{n}:{t.text()}" for n, t in self.fields) + ">"
        if self.name == "array":
            assert self.element is not None
            return f"array<{self.element.text()}>"
        if self.name == "map":
            assert self.key is not None and self.element is not None
            return f"map<{self.key.text()},{self.element.text()}>"
        return self.name


def parse_type(text: str) -> HiveType:
    """Parse a Hive type string; an unknown base name is kept as an atomic type."""
    parsed, rest = _parse(text.strip().lower())
    if rest.strip():
        raise ValueError(f"cannot parse type {text!r} (left over: {rest!r})")
    return parsed


def _parse(text: str) -> tuple[HiveType, str]:
    text = text.lstrip()
    match = re.match(r"[a-z_][a-z0-9_]*", text)
    if not match:
        raise ValueError(f"cannot parse type at {text!r}")
    name, rest = match.group(0), text[match.end() :].lstrip()
    if name == "integer":
        name = "int"
    if name == "decimal":
        params = re.match(r"\(\s*(\d+)\s*,\s*(\d+)\s*\)", rest)
        if params:
            return HiveType("decimal", int(params[1]), int(params[2])), rest[params.end() :]
        return HiveType("decimal", 10, 0), rest  # Hive's default
    if name in ("array", "struct", "map") and rest.startswith("<"):
        rest = rest[1:]
        if name == "array":
            element, rest = _parse(rest)
            return HiveType("array", element=element), _expect(rest, ">")
        if name == "map":
            key, rest = _parse(rest)
            value, rest = _parse(_expect(rest, ","))
            return HiveType("map", key=key, element=value), _expect(rest, ">")
        fields: list[tuple[str, HiveType]] = []
        while not rest.lstrip().startswith(">"):
            field = re.match(r"\s*`?([^`:,<>]+)`?\s*:", rest)
            if not field:
                raise ValueError(f"cannot parse struct field at {rest!r}")
            field_type, rest = _parse(rest[field.end() :])
            fields.append((field.group(1).strip(), field_type))
            rest = rest.lstrip()
            if rest.startswith(","):
                rest = rest[1:]
        return HiveType("struct", fields=tuple(fields)), _expect(rest, ">")
    return HiveType(name), rest


def _expect(rest: str, token: str) -> str:
    rest = rest.lstrip()
    if not rest.startswith(token):
        raise ValueError(f"expected {token!r} at {rest!r}")
    return rest[len(token) :]


def relation(old: HiveType, new: HiveType) -> Relation:
    """How `new` relates to `old`. Structs relate as SAME here; their fields are compared
    one by one by the diff, so a nested change is reported at its own path."""
    if old == new or (old.name == new.name == "struct"):
        return Relation.SAME
    if old.name == "array" and new.name == "array":
        assert old.element is not None and new.element is not None
        return relation(old.element, new.element)
    if not (old.is_atomic and new.is_atomic):
        return Relation.INCOMPATIBLE
    if new.name == "string" or new.name == "varchar":
        return Relation.WIDENED
    if old.name == "string" or old.name == "varchar":
        return Relation.NARROWED
    if old.is_numeric and new.is_numeric:
        return _numeric_relation(old, new)
    if (old.name, new.name) == ("date", "timestamp"):
        return Relation.WIDENED
    if (old.name, new.name) == ("timestamp", "date"):
        return Relation.NARROWED
    return Relation.INCOMPATIBLE


def _numeric_relation(old: HiveType, new: HiveType) -> Relation:
    old_rank, new_rank = _numeric_rank(old), _numeric_rank(new)
    if old_rank[0] == new_rank[0] == "exact":
        old_int, old_scale = old_rank[1], old_rank[2]
        new_int, new_scale = new_rank[1], new_rank[2]
        if (old_int, old_scale) == (new_int, new_scale):
            return Relation.SAME
        if new_int >= old_int and new_scale >= old_scale:
            return Relation.WIDENED
        if new_int <= old_int and new_scale <= old_scale:
            return Relation.NARROWED
        return Relation.INCOMPATIBLE
    if old_rank[0] == "exact":  # exact -> floating
        return Relation.WIDENED
    if new_rank[0] == "exact":  # floating -> exact
        return Relation.NARROWED
    return Relation.WIDENED if new.name == "double" else Relation.NARROWED


def _numeric_rank(kind: HiveType) -> tuple[str, int, int]:
    """("exact", integer digits, scale) or ("floating", 0, 0)."""
    if kind.name in _INTEGRAL_DIGITS:
        return "exact", _INTEGRAL_DIGITS[kind.name], 0
    if kind.name == "decimal":
        return "exact", kind.precision - kind.scale, kind.scale
    return "floating", 0, 0


def contract_type(kind: HiveType) -> str:
    """The contract type (string, timestamp, decimal(p,s)) proposed for a catalog type when a
    change is accepted; text-inferred numbers get a wide decimal, never a float."""
    if kind.name == "decimal":
        return kind.text()
    if kind.name in _INTEGRAL_DIGITS:
        return "decimal(20,0)"
    if kind.name in _FLOATING:
        return "decimal(38,10)"
    if kind.name in ("timestamp", "date"):
        return "timestamp"
    return "string"
