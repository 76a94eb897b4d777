"""The dataset contract in executable form: the rules file, parsed and checked."""

from fintech_dq.contract.loader import RulesFileError, load_rules, load_rules_text
from fintech_dq.contract.model import ColumnSpec, DatasetRules, RuleSpec, Severity

__all__ = [
    "ColumnSpec",
    "DatasetRules",
    "RuleSpec",
    "RulesFileError",
    "Severity",
    "load_rules",
    "load_rules_text",
]
