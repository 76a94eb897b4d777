"""Versioned rules files shipped with the package (one YAML per dataset)."""

from pathlib import Path

DEFAULT_RULES_DIR = Path(__file__).resolve().parent


def rules_path(dataset: str) -> Path:
    return DEFAULT_RULES_DIR / f"{dataset}.yaml"
