"""The registry of rule types a rules file may use, and the keys each one takes.

Each entry is a small JSON Schema for the rule's own keys. The loader checks every rule
against it, so a misspelt key or an unknown type is an error with a line number, never a
rule that silently does nothing.
"""

from __future__ import annotations

from typing import Any

STRING: dict[str, Any] = {"type": "string", "minLength": 1}
DECIMAL_TEXT: dict[str, Any] = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
STRING_LIST: dict[str, Any] = {"type": "array", "items": STRING, "minItems": 1}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
POSITIVE_INT: dict[str, Any] = {"type": "integer", "minimum": 1}
RATE: dict[str, Any] = {"type": "number", "minimum": 0, "maximum": 1}

# Keys every rule has (id, type, severity, description) are checked by the loader.
COMMON_KEYS = ("id", "type", "severity", "description")

# Keys naming a column of the dataset: the loader checks the column exists.
COLUMN_KEYS = (
    "column",
    "other_column",
    "key_column",
    "currency_column",
    "settlement_currency_column",
    "amount_column",
    "rate_column",
    "when_column",
)

ROW_RULE_TYPES: dict[str, dict[str, Any]] = {
    "required": {"required": ["column"], "properties": {"column": STRING}},
    "type": {"required": ["column"], "properties": {"column": STRING}},
    "pattern": {
        "required": ["column", "pattern"],
        "properties": {"column": STRING, "pattern": STRING},
    },
    "allowed_values": {
        "required": ["column", "values"],
        "properties": {"column": STRING, "values": STRING_LIST, "allow_null": BOOLEAN},
    },
    "value_mapping": {
        "required": ["column", "key_column", "mapping"],
        "properties": {
            "column": STRING,
            "key_column": STRING,
            "mapping": {"type": "object", "additionalProperties": STRING, "minProperties": 1},
        },
    },
    "range": {
        "required": ["column"],
        "properties": {
            "column": STRING,
            "greater_than": DECIMAL_TEXT,
            "at_least": DECIMAL_TEXT,
            "less_than": DECIMAL_TEXT,
            "at_most": DECIMAL_TEXT,
            "allow_null": BOOLEAN,
        },
        "anyOf": [
            {"required": ["greater_than"]},
            {"required": ["at_least"]},
            {"required": ["less_than"]},
            {"required": ["at_most"]},
        ],
    },
    "currency_scale": {
        "required": ["column", "currency_column"],
        "properties": {"column": STRING, "currency_column": STRING},
    },
    "code_set": {
        "required": ["column", "code_set"],
        "properties": {
            "column": STRING,
            "code_set": {"enum": ["iso4217", "iso3166_alpha2", "iso18245"]},
            "allow_null": BOOLEAN,
        },
    },
    "compare": {
        "required": ["column", "operator", "other_column"],
        "properties": {
            "column": STRING,
            "operator": {"enum": ["<", "<=", "=", ">=", ">"]},
            "other_column": STRING,
        },
    },
    "same_currency_rate": {
        "required": ["column", "currency_column", "settlement_currency_column"],
        "properties": {
            "column": STRING,
            "currency_column": STRING,
            "settlement_currency_column": STRING,
        },
    },
    "fx_settlement": {
        "required": ["column", "amount_column", "rate_column", "settlement_currency_column"],
        "properties": {
            "column": STRING,
            "amount_column": STRING,
            "rate_column": STRING,
            "settlement_currency_column": STRING,
            "tolerance_minor_units": {"type": "integer", "minimum": 0},
        },
    },
    "required_when": {
        "required": ["column", "when_column", "in"],
        "properties": {"column": STRING, "when_column": STRING, "in": STRING_LIST},
    },
    "null_unless": {
        "required": ["column", "when_column", "in"],
        "properties": {"column": STRING, "when_column": STRING, "in": STRING_LIST},
    },
    "reference": {
        "required": ["column", "reference", "reference_column"],
        "properties": {"column": STRING, "reference": STRING, "reference_column": STRING},
    },
    "reference_status": {
        "required": ["column", "reference", "reference_column", "status_column", "forbidden"],
        "properties": {
            "column": STRING,
            "reference": STRING,
            "reference_column": STRING,
            "status_column": STRING,
            "forbidden": STRING_LIST,
        },
    },
    "unmasked_card_number": {
        "required": ["columns"],
        "properties": {
            "columns": {"oneOf": [{"const": "all_text"}, STRING_LIST]},
            "require_card_scheme": BOOLEAN,
        },
    },
    "iban": {"required": ["column"], "properties": {"column": STRING}},
    "bic": {"required": ["column"], "properties": {"column": STRING}},
    "not_in_future": {"required": ["column"], "properties": {"column": STRING}},
    "business_date_window": {
        "required": ["column", "days_before"],
        "properties": {"column": STRING, "days_before": {"type": "integer", "minimum": 0}},
    },
    "unique": {"required": ["column"], "properties": {"column": STRING}},
    "not_in_history": {
        "required": ["column", "lookback_days"],
        "properties": {"column": STRING, "lookback_days": POSITIVE_INT},
    },
}

_WINDOW: dict[str, Any] = {
    "window_business_days": POSITIVE_INT,
    "min_history_days": POSITIVE_INT,
}

BATCH_RULE_TYPES: dict[str, dict[str, Any]] = {
    "manifest_record_count": {"properties": {}},
    "manifest_totals": {"properties": {}},
    "manifest_sha256": {"properties": {}},
    "manifest_valid": {"properties": {}},
    "resend": {"properties": {}},
    "file_integrity": {"properties": {}},
    "schema_breaking": {"properties": {}},
    "schema_additive": {"properties": {}},
    "unparsable_records": {"properties": {"max_rate": RATE}},
    "volume_band": {"required": ["window_business_days"], "properties": dict(_WINDOW)},
    "null_rate_drift": {
        "required": ["window_business_days", "max_increase"],
        "properties": {**_WINDOW, "max_increase": RATE},
    },
    "amount_totals_drift": {"required": ["window_business_days"], "properties": dict(_WINDOW)},
}


def params_schema(type_schema: dict[str, Any]) -> dict[str, Any]:
    """The full JSON Schema of one rule: its type's keys plus the common ones, nothing else."""
    properties = {
        "id": {"type": "string", "pattern": r"^[a-z0-9_]+(\.[a-z0-9_]+)*$"},
        "type": STRING,
        "severity": {"enum": ["warn", "error", "critical"]},
        "description": STRING,
        **type_schema.get("properties", {}),
    }
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": [*COMMON_KEYS, *type_schema.get("required", [])],
        "additionalProperties": False,
    }
    if "anyOf" in type_schema:
        schema["anyOf"] = type_schema["anyOf"]
    return schema
