"""Airflow for the DAG tests: a temporary AIRFLOW_HOME (SQLite) per test session, set
before Airflow is first imported; the DAG folder is the project's dags/.

DAG runs use the session's `local_stack` (the emulator with the five stacks deployed):
`airflow_on_local_stack` points this process (dag.test runs tasks in-process) and the
connection aws_fdq at it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO_ROOT / "dags"
AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="fdq-airflow-tests-"))
AIRFLOW_SETTINGS = {
    "AIRFLOW_HOME": str(AIRFLOW_HOME),
    "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{AIRFLOW_HOME / 'airflow.db'}",
}
os.environ.update(AIRFLOW_SETTINGS)


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """The session's metadata database, migrated by the real command."""
    venv_bin = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": venv_bin + os.pathsep + os.environ.get("PATH", "")}
    done = subprocess.run(
        ["airflow", "db", "migrate"], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return AIRFLOW_HOME


@pytest.fixture(scope="session")
def airflow_on_local_stack(local_stack: Any, airflow_db: Path) -> Iterator[Any]:
    """This process set up as a local Airflow worker would be (FDQ_*, AWS_*, aws_fdq)."""
    from fintech_dq.orchestration.local_airflow import airflow_environment
    from fintech_dq.pipeline.locations import PipelineLocations

    environment = airflow_environment(
        AIRFLOW_HOME, local_stack.settings, dags_folder=DAGS_FOLDER, paused_at_creation=True,
        emulator_state_dir=local_stack.emulator.state_dir,
    )  # fmt: skip
    wanted = {
        k: v
        for k, v in environment.items()
        if k.startswith(("AWS_", "FDQ_", "AIRFLOW_CONN_")) or k in AIRFLOW_SETTINGS
    }
    saved = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    try:
        yield PipelineLocations(env_name="local", account=local_stack.account)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def airflow_settings() -> dict[str, str]:
    return dict(AIRFLOW_SETTINGS)
