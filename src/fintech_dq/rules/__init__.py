"""Versioned rules files shipped with the package (one YAML per dataset).

Read through importlib.resources, not file paths: on Glue the package arrives as a zip
(--extra-py-files) that is imported without being unpacked.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fintech_dq.contract import DatasetRules

DEFAULT_RULES_DIR = Path(__file__).resolve().parent


def rules_path(dataset: str) -> Path:
    """Where the packaged rules file lies when the package is installed unpacked."""
    return DEFAULT_RULES_DIR / f"{dataset}.yaml"


def load_dataset_rules(dataset: str) -> DatasetRules:
    """The packaged rules of a dataset, read from the package (plain folder or zip)."""
    from fintech_dq.contract import load_rules_text

    resource = files(__name__).joinpath(f"{dataset}.yaml")
    if not resource.is_file():
        raise FileNotFoundError(f"no packaged rules file for dataset {dataset!r}")
    return load_rules_text(resource.read_text(encoding="utf-8"), f"fintech_dq/rules/{dataset}.yaml")
