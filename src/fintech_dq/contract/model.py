"""Typed objects the rules file parses into. Plain data: no Spark, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

_DECIMAL_TYPE = re.compile(r"^decimal\((\d+),\s*(\d+)\)$")


class Severity(StrEnum):
    """What a failure does: warn reports, error quarantines the row, critical blocks the batch."""

    WARN = "warn"
    ERROR = "error"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return {"warn": 1, "error": 2, "critical": 3}[self.value]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the contract: its logical type and whether it is mandatory."""

    name: str
    type: str  # "string" | "timestamp" | "decimal(p,s)"
    required: bool = False
    null_means: Decimal | None = None
    line: int = 0

    @property
    def kind(self) -> str:
        """ "string", "timestamp" or "decimal"."""
        return "decimal" if self.type.startswith("decimal") else self.type

    @property
    def precision_scale(self) -> tuple[int, int]:
        match = _DECIMAL_TYPE.match(self.type)
        if not match:
            raise ValueError(f"column {self.name} is not a decimal column ({self.type})")
        return int(match.group(1)), int(match.group(2))


@dataclass(frozen=True)
class RuleSpec:
    """One rule as written in the rules file. `params` holds the type-specific keys."""

    id: str
    type: str
    severity: Severity
    description: str
    params: dict[str, Any] = field(default_factory=dict)
    line: int = 0
    generated: bool = False  # made from the column contract (required / type), not written out
    # (line, column) of keys whose problems are found after loading (the pattern, by Java)
    key_positions: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def column(self) -> str | None:
        value = self.params.get("column")
        return str(value) if value is not None else None


@dataclass(frozen=True)
class DatasetRules:
    """A dataset's contract and rules, as loaded from one versioned rules file."""

    dataset: str
    version: str
    contract: str
    columns: tuple[ColumnSpec, ...]
    row_rules: tuple[RuleSpec, ...]
    batch_rules: tuple[RuleSpec, ...]
    schema_policy: dict[str, str]
    fail_when_quarantine_rate_above: Decimal
    source_path: str
    source_sha256: str

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> ColumnSpec:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def rule(self, rule_id: str) -> RuleSpec:
        for rule in (*self.row_rules, *self.batch_rules):
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    @property
    def all_rules(self) -> tuple[RuleSpec, ...]:
        return (*self.row_rules, *self.batch_rules)
