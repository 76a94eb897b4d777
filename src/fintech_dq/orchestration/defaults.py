"""Task defaults every DAG of the pipeline shares: owner, retries with exponential backoff."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

OWNER = "data-quality"
RETRIES = 3
RETRY_DELAY = timedelta(minutes=1)
BACKOFF_MULTIPLIER = 2.0
"""Airflow 3.3 takes a multiplier: retries after about 1, 2 and 4 minutes (with jitter)."""
MAX_RETRY_DELAY = timedelta(minutes=30)
TAGS = ["fintech-dq", "transactions", "data-quality"]


def default_args(**overrides: Any) -> dict[str, Any]:
    """Defaults for every task; a task that must not retry (a breaking schema change is not
    transient) raises AirflowFailException instead of turning retries off."""
    args: dict[str, Any] = {
        "owner": OWNER,
        "retries": RETRIES,
        "retry_delay": RETRY_DELAY,
        "retry_exponential_backoff": BACKOFF_MULTIPLIER,
        "max_retry_delay": MAX_RETRY_DELAY,
        "depends_on_past": False,
    }
    args.update(overrides)
    return args
