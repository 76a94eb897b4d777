"""Fixtures of the infrastructure tests: the templates as data (the emulator and the
deployed local stack are shared by every test directory: tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fintech_dq.infra.deploy import STACKS
from fintech_dq.infra.template import load_template

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "cloudformation"


@pytest.fixture(scope="session")
def templates() -> dict[str, dict[str, Any]]:
    """Every stack's template (long form), by stack key."""
    return {spec.key: load_template(TEMPLATES_DIR / spec.template_file) for spec in STACKS}
