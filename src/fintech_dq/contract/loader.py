"""Load a rules file into DatasetRules, collecting every problem with its file and line.

Two phases, as in Soda's contract parser: first the YAML is checked against the structure
(top-level keys, each rule against its type's keys), then the meaning (columns exist,
regexes compile, ids unique). All problems are reported at once, not only the first: the
structure check stops before the second phase only for a problem the rules cannot be built
around (a missing or misshapen columns, rules or batch_rules section, or a file without
dataset and version); a wrong value elsewhere (an outcome bound, a schema_policy class) is
reported beside everything else.

Patterns are Java regexes (the engine runs them with Spark's rlike): only Java judges them
(contract.java_regex). load_rules does when given a compiler (`fdq rules check` gives one);
without, their syntax is left to the engine, which compiles them before any Spark job.
"""

from __future__ import annotations

import difflib
import hashlib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from fintech_dq.contract.java_regex import JavaRegexCompiler, pattern_problem
from fintech_dq.contract.located_yaml import LocatedDocument, parse_located
from fintech_dq.contract.model import ColumnSpec, DatasetRules, RuleSpec, Severity
from fintech_dq.contract.rule_types import (
    BATCH_RULE_TYPES,
    COLUMN_KEYS,
    ROW_RULE_TYPES,
    params_schema,
)

# Schema change kinds the drift check classifies (fintech_dq.schema.policy), with defaults.
SCHEMA_CHANGE_CLASSES: dict[str, str] = {
    "missing_column": "breaking",
    "retyped_column": "breaking",
    "extra_column": "additive",
    "widened_column": "breaking",
    "narrowed_column": "additive",
    "renamed_column": "breaking",
    "reordered_columns": "additive",
    "nullability_changed": "additive",
    "nested_field_added": "additive",
    "nested_field_removed": "additive",
    "nested_field_retyped": "additive",
}

TOP_LEVEL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["dataset", "version", "columns", "rules"],
    "additionalProperties": False,
    "properties": {
        "dataset": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$"},
        "version": {"type": "string", "pattern": r"^[0-9]+\.[0-9]+\.[0-9]+$"},
        "contract": {"type": "string"},
        "columns": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "type": "object",
                "required": ["type"],
                "additionalProperties": False,
                "properties": {
                    "type": {
                        "type": "string",
                        "pattern": r"^(string|timestamp|decimal\([0-9]+, ?[0-9]+\))$",
                    },
                    "required": {"type": "boolean"},
                    "null_means": {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"},
                },
            },
        },
        "schema_policy": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                **{key: {"enum": ["breaking", "additive"]} for key in SCHEMA_CHANGE_CLASSES},
                "text_type_min_share": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                "rename_similarity": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            },
        },
        "outcome": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "fail_when_quarantine_rate_above": {"type": "number", "minimum": 0, "maximum": 1}
            },
        },
        "rules": {"type": "array", "items": {"type": "object"}},
        "batch_rules": {"type": "array", "items": {"type": "object"}},
    },
}

DEFAULT_SCHEMA_POLICY = {
    **SCHEMA_CHANGE_CLASSES,
    "text_type_min_share": "0.95",
    "rename_similarity": "0.6",
}


class RulesFileError(ValueError):
    """A rules file that cannot be used; `problems` lists each one as 'file:line:col: text'."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        count = len(problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in the rules file"
        super().__init__(heading + ":\n  " + "\n  ".join(problems))


# Sections the rules are built from: a structure problem inside them (or a missing top-level
# key) stops the check before the meaning phase; elsewhere it is reported with the rest.
_FRAME_SECTIONS = ("columns", "rules", "batch_rules")


def load_rules(path: str | Path, java_regex: JavaRegexCompiler | None = None) -> DatasetRules:
    """Read and check a rules file; `java_regex`: also compile each pattern with Java."""
    file_path = Path(path)
    try:
        text = file_path.read_text(encoding="utf-8")
    except OSError as error:
        raise RulesFileError([f"{file_path}: cannot read: {error.strerror}"]) from error
    return load_rules_text(text, str(file_path), java_regex)


def load_rules_text(
    text: str, source: str, java_regex: JavaRegexCompiler | None = None
) -> DatasetRules:
    """Parse and check rules given as text; `source` names it in error messages."""
    try:
        document = parse_located(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else "1:1"
        reason = getattr(error, "problem", None) or str(error)
        raise RulesFileError([f"{source}:{where}: not valid YAML: {reason}"]) from error
    problems = _Problems(source, document)
    for line, column, message in document.problems:
        problems.items.append(f"{source}:{line}:{column}: {message}")
    if not isinstance(document.value, dict):
        problems.add((), "the file must be a mapping with dataset, version, columns and rules")
        raise RulesFileError(problems.items)
    broken = _check_schema(document.value, TOP_LEVEL_SCHEMA, (), problems)
    if any(_breaks_frame(path) for path in broken):  # nothing sound to build the rules from
        raise RulesFileError(problems.items)
    # A broken column or rule entry is left out, and the rest still checked: every problem
    # of the file is reported at once.
    unusable = {path[:2] for path in broken}
    rules = _build(document.value, problems, text, source, java_regex, unusable)
    if problems.items:
        raise RulesFileError(problems.items)
    return rules


class _Problems:
    def __init__(self, source: str, document: LocatedDocument) -> None:
        self.source = source
        self.document = document
        self.items: list[str] = []

    def add(self, path: tuple[str | int, ...], message: str) -> None:
        self._at(self.document.where(path), message)

    def add_at_key(self, path: tuple[str | int, ...], message: str) -> None:
        """A problem with the key ending `path` itself, e.g. a misspelt key."""
        self._at(self.document.where_key(path), message)

    def _at(self, position: tuple[int, int], message: str) -> None:
        line, column = position
        self.items.append(f"{self.source}:{line}:{column}: {message}")


def _check_schema(
    value: Any, schema: dict[str, Any], base: tuple[str | int, ...], problems: _Problems
) -> list[tuple[str | int, ...]]:
    """Report each structure problem; returns the path of each that breaks the value's shape
    (an unknown key does not: it is never read)."""
    validator = jsonschema.Draft202012Validator(schema)
    broken = []
    for error in sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.path))):
        path = (*base, *error.absolute_path)
        if error.validator == "additionalProperties":
            _report_unknown_keys(error, path, problems)
        else:
            problems.add(path, _describe(error, path, schema))
            broken.append(path)
    return broken


def _breaks_frame(path: tuple[str | int, ...]) -> bool:
    """Whether a top-level structure problem at `path` leaves nothing to build rules from:
    the file, or a whole section, not one column or rule of it."""
    return not path or (path[0] in _FRAME_SECTIONS and len(path) == 1)


def _report_unknown_keys(
    error: jsonschema.ValidationError, path: tuple[str | int, ...], problems: _Problems
) -> None:
    """One problem per unknown key, at the key's own line: the mapping may be long."""
    known = sorted(error.schema.get("properties", {}))
    for key in (key for key in error.instance if key not in known):
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(known)})"
        problems.add_at_key((*path, key), f"{_path_text(path)}: unknown key '{key}'{hint}")


def _describe(error: jsonschema.ValidationError, path: tuple[Any, ...], schema: Any) -> str:
    where = _path_text(path)
    if error.validator == "required":
        return f"{where}: {error.message.replace('is a required property', 'is missing')}"
    if error.validator == "enum":
        allowed = ", ".join(map(str, error.validator_value))
        return f"{where}: {error.instance!r} is not one of {allowed}"
    if error.validator == "anyOf" and isinstance(error.instance, dict):
        return f"{where}: needs at least one of greater_than, at_least, less_than, at_most"
    if error.validator == "pattern" and path[0] == "columns" and path[-1] == "type":
        close = difflib.get_close_matches(str(error.instance), ["string", "timestamp"], n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return (
            f"{where}: {error.instance!r} is not a column type: string, timestamp or "
            f"decimal(precision,scale){hint}"
        )
    return f"{where}: {error.message}"


def _path_text(path: tuple[Any, ...]) -> str:
    if not path:
        return "top level"
    text = str(path[0])
    for part in path[1:]:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _build(
    raw: dict[str, Any],
    problems: _Problems,
    text: str,
    source: str,
    java_regex: JavaRegexCompiler | None,
    unusable: set[tuple[str | int, ...]],
) -> DatasetRules:
    """The rules of a file whose frame is sound; entries at `unusable` paths (already
    reported) are left out, the rest checked."""
    columns = tuple(
        ColumnSpec(
            name=name,
            type=spec["type"].replace(" ", ""),
            required=bool(spec.get("required", False)),
            null_means=Decimal(spec["null_means"]) if "null_means" in spec else None,
            line=problems.document.where(("columns", name))[0],
        )
        for name, spec in raw["columns"].items()
        if ("columns", name) not in unusable
    )
    column_names = set(raw["columns"])  # a broken column is still a column to the rules
    for column in columns:
        if column.kind == "decimal":
            precision, scale = column.precision_scale
            if not 0 < precision <= 38 or scale > precision:
                problems.add(
                    ("columns", column.name, "type"), f"{column.type} is not a valid decimal"
                )
    generated = _generated_rules(columns)
    written_rows = _build_rules(
        raw.get("rules", []), "rules", ROW_RULE_TYPES, column_names, problems, java_regex, unusable
    )
    written_batch = _build_rules(
        raw.get("batch_rules", []),
        "batch_rules",
        BATCH_RULE_TYPES,
        column_names,
        problems,
        None,
        unusable,
    )
    seen: dict[str, int] = {}
    for rule in (*generated, *written_rows, *written_batch):
        if rule.id in seen:
            problems.items.append(
                f"{source}:{rule.line}:1: rule id '{rule.id}' is used twice "
                f"(first at line {seen[rule.id]})"
            )
        seen.setdefault(rule.id, rule.line)
    outcome = raw.get("outcome", {})
    fail_rate = (
        outcome.get("fail_when_quarantine_rate_above", 0) if isinstance(outcome, dict) else 0
    )
    policy = raw.get("schema_policy", {})
    return DatasetRules(
        dataset=raw["dataset"],
        version=raw["version"],
        contract=raw.get("contract", ""),
        columns=columns,
        row_rules=(*generated, *written_rows),
        batch_rules=tuple(written_batch),
        schema_policy={
            **DEFAULT_SCHEMA_POLICY,
            **(
                {key: str(value) for key, value in policy.items()}
                if isinstance(policy, dict)
                else {}
            ),
        },
        # a bound that is no number is already a problem: the rules are then not returned
        fail_when_quarantine_rate_above=_decimal_or_zero(fail_rate),
        source_path=source,
        source_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def _decimal_or_zero(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def _generated_rules(columns: tuple[ColumnSpec, ...]) -> list[RuleSpec]:
    """Rules the column contract implies: `<col>.required` and `<col>.type`."""
    rules = []
    for column in columns:
        if column.required:
            rules.append(
                RuleSpec(
                    id=f"{column.name}.required",
                    type="required",
                    severity=Severity.ERROR,
                    description=f"{column.name} is mandatory.",
                    params={"column": column.name},
                    line=column.line,
                    generated=True,
                )
            )
        if column.kind != "string":
            what = (
                "an ISO 8601 timestamp with a UTC offset"
                if column.kind == "timestamp"
                else f"a plain decimal number that fits {column.type}"
            )
            rules.append(
                RuleSpec(
                    id=f"{column.name}.type",
                    type="type",
                    severity=Severity.ERROR,
                    description=f"{column.name}, when given, is {what}.",
                    params={"column": column.name},
                    line=column.line,
                    generated=True,
                )
            )
    return rules


def _build_rules(
    items: list[Any],
    section: str,
    registry: dict[str, dict[str, Any]],
    column_names: set[str],
    problems: _Problems,
    java_regex: JavaRegexCompiler | None,
    unusable: set[tuple[str | int, ...]],
) -> list[RuleSpec]:
    rules = []
    for index, item in enumerate(items):
        path: tuple[str | int, ...] = (section, index)
        if path in unusable:  # not a mapping: already reported
            continue
        rule_type = item.get("type")
        if rule_type not in registry:
            known = sorted(registry)
            close = difflib.get_close_matches(str(rule_type), known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "known types: " + ", ".join(known)
            problems.add(
                (*path, "type"), f"{section}[{index}]: unknown rule type {rule_type!r} ({hint})"
            )
            continue
        before = len(problems.items)
        _check_schema(item, params_schema(registry[rule_type]), path, problems)
        _check_meaning(item, path, column_names, problems, java_regex)
        if len(problems.items) > before:
            continue
        params = {
            k: v for k, v in item.items() if k not in ("id", "type", "severity", "description")
        }
        rules.append(
            RuleSpec(
                id=item["id"],
                type=rule_type,
                severity=Severity(item["severity"]),
                description=" ".join(str(item["description"]).split()),
                params=params,
                line=problems.document.where(path)[0],
                key_positions={
                    key: problems.document.where((*path, key))
                    for key in ("pattern",)
                    if key in item
                },
            )
        )
    return rules


def _check_meaning(
    item: dict[str, Any],
    path: tuple[str | int, ...],
    column_names: set[str],
    problems: _Problems,
    java_regex: JavaRegexCompiler | None,
) -> None:
    for key in COLUMN_KEYS:
        name = item.get(key)
        if isinstance(name, str) and name not in column_names:
            close = difflib.get_close_matches(name, sorted(column_names), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.add(
                (*path, key),
                f"rule '{item.get('id')}': {key} '{name}' is not a column of the dataset{hint}",
            )
    columns = item.get("columns")
    if isinstance(columns, list):
        for position, name in enumerate(columns):
            if name not in column_names:
                problems.add(
                    (*path, "columns", position),
                    f"rule '{item.get('id')}': '{name}' is not a column of the dataset",
                )
    pattern = item.get("pattern")
    if isinstance(pattern, str) and java_regex is not None:
        problem = pattern_problem(str(item.get("id")), pattern, java_regex)
        if problem:
            problems.add((*path, "pattern"), problem)
    for key in ("greater_than", "at_least", "less_than", "at_most"):
        if key in item:
            try:
                Decimal(str(item[key]))
            except InvalidOperation:
                problems.add((*path, key), f"rule '{item.get('id')}': {key} is not a decimal")
