"""Shared fixtures: one local SparkSession for the whole test run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """One Spark session per test run (starting Spark costs seconds; tests share it)."""
    os.environ.setdefault("FDQ_SHUFFLE_PARTITIONS", "4")
    os.environ.setdefault("FDQ_SPARK_DRIVER_MEMORY", "3g")
    from fintech_dq.spark_session import local_spark

    session = local_spark("fintech-dq-tests", cores=2)
    yield session
    session.stop()


@pytest.fixture(scope="session")
def transactions_rules():  # type: ignore[no-untyped-def]
    from fintech_dq.contract import load_rules
    from fintech_dq.rules import DEFAULT_RULES_DIR

    return load_rules(DEFAULT_RULES_DIR / "transactions.yaml")
