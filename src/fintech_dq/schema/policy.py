"""The schema policy of a dataset: which change kinds break the pipeline, from the rules
file's `schema_policy:` section (the one source of truth, with the contract's columns)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fintech_dq.contract import DatasetRules

BREAKING = "breaking"
ADDITIVE = "additive"

# change kind -> policy key in the rules file
POLICY_KEYS = {
    "removed": "missing_column",
    "added": "extra_column",
    "retyped": "retyped_column",
    "widened": "widened_column",
    "narrowed": "narrowed_column",
    "renamed": "renamed_column",
    "reordered": "reordered_columns",
    "nullability": "nullability_changed",
    "nested_added": "nested_field_added",
    "nested_removed": "nested_field_removed",
    "nested_retyped": "nested_field_retyped",
}


@dataclass(frozen=True)
class SchemaPolicy:
    classes: dict[str, str]  # policy key -> breaking | additive
    text_type_min_share: str
    rename_similarity: str

    def classify(self, kind: str) -> str:
        return self.classes[POLICY_KEYS[kind]]

    @property
    def similarity(self) -> float:
        return float(Decimal(self.rename_similarity))


def policy_of(rules: DatasetRules) -> SchemaPolicy:
    values = dict(rules.schema_policy)
    share = values.pop("text_type_min_share")
    similarity = values.pop("rename_similarity")
    return SchemaPolicy(values, share, similarity)


def load_policy(dataset: str) -> SchemaPolicy:
    from fintech_dq.rules import load_dataset_rules

    return policy_of(load_dataset_rules(dataset))
