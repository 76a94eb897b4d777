"""DAG integrity: every DAG file imports without errors and fast, with no AWS call at
import (AWS_ENDPOINT_URL points at a listener that records every connection), no cycles,
retries with exponential backoff and an owner on every task, tags and docs everywhere;
in both runtimes, each with the tasks it should have."""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PARSER = Path(__file__).with_name("parse_dags.py")
DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
EXPECTED = {"transactions_dq_daily", "transactions_dq_on_arrival", "transactions_dq_reprocess"}
# locally, the escalation check's schedule (on AWS: an EventBridge Scheduler schedule)
LOCAL_ONLY = {"fdq_local_escalation"}
NO_RETRIES = {"transactions_dq_reprocess.reprocess_day"}
"""A retry would rerun a day whose run failed (its own tasks retried already): reported,
a person clears the request."""
PER_FILE_SECONDS = 2.0


class ConnectionRecorder:
    """A TCP listener that accepts and counts connections (an AWS call would be one)."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


@pytest.fixture(scope="module")
def recorder() -> Iterator[ConnectionRecorder]:
    listener = ConnectionRecorder()
    yield listener
    listener.socket.close()


def _parse(
    runtime: str,
    recorder: ConnectionRecorder,
    tmp_path: Path,
    settings: dict[str, str],
    dags_folder: Path = DAGS_FOLDER,
) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FDQ_"))}
    env.update(settings)
    env.update(
        {
            "FDQ_RUNTIME": runtime,
            "FDQ_ENV_NAME": "itest",
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{recorder.port}",
            "AWS_REGION": "eu-central-1",
            "FDQ_LANDING_QUEUE_URL": f"http://127.0.0.1:{recorder.port}/1/fdq-itest-landing",
            "AIRFLOW_HOME": str(tmp_path),
        }
    )
    done = subprocess.run(
        [sys.executable, str(PARSER), str(dags_folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(scope="module", params=["local", "aws"])
def parsed(
    request: Any,
    recorder: ConnectionRecorder,
    tmp_path_factory: Any,
    airflow_settings: dict[str, str],
) -> tuple[str, dict[str, Any]]:
    before = recorder.connections
    home = tmp_path_factory.mktemp(request.param)
    result = _parse(request.param, recorder, home, airflow_settings)
    result["connections"] = recorder.connections - before
    return request.param, result


def test_every_dag_imports_without_errors_fast_and_without_aws_calls(
    parsed: tuple[str, dict[str, Any]],
) -> None:
    runtime, result = parsed
    assert result["errors"] == {}, runtime
    assert set(result["dags"]) == (EXPECTED | LOCAL_ONLY if runtime == "local" else EXPECTED)
    assert result["connections"] == 0, f"{runtime}: a DAG file called AWS at import"
    slow = {f: s for f, s in result["file_seconds"].items() if s > PER_FILE_SECONDS}
    assert not slow, f"{runtime}: files slower than {PER_FILE_SECONDS}s to import: {slow}"


def test_every_task_retries_with_backoff_has_an_owner_and_docs(
    parsed: tuple[str, dict[str, Any]],
) -> None:
    _, result = parsed
    for dag_id, dag in result["dags"].items():
        assert "fintech-dq" in dag["tags"] and len(dag["tags"]) >= 3, dag_id
        assert dag["doc_md"], dag_id
        assert dag["timezone"] in ("UTC", "Timezone('UTC')"), dag_id
        for task_id, task in dag["tasks"].items():
            where = f"{dag_id}.{task_id}"
            assert task["retries"] >= (0 if where in NO_RETRIES else 1), where
            assert task["backoff"] > 1, where
            assert task["owner"] == "data-quality", where
            assert task["doc_md"], where


def test_each_runtime_gets_its_own_tasks_in_the_pipelines_order(
    parsed: tuple[str, dict[str, Any]],
) -> None:
    runtime, result = parsed
    daily = result["dags"]["transactions_dq_daily"]
    tasks = daily["tasks"]
    assert daily["deadline"]
    assert tasks["wait_for_batch"]["type"] == "S3KeySensor"
    order = ["wait_for_batch", "settle_batch", "skip_if_checked", "crawl", "check_schema"]
    order.append("validate")
    assert "settle_batch" in tasks["publish"]["upstream"]  # it records what was checked
    for before, after in itertools.pairwise(order):
        assert before in tasks[after]["upstream"], (before, after)
    if runtime == "aws":
        assert tasks["crawl"]["type"] == "GlueCrawlerOperator"
        assert tasks["validate"]["type"] == "GlueJobOperator"
        assert "read_results" in tasks["publish"]["upstream"]
        assert "deliver_alerts" not in tasks
        assert "fdq_local_escalation" not in result["dags"]
    else:
        assert tasks["crawl"]["type"] == "_PythonDecoratedOperator"
        assert tasks["validate"]["type"] == "_PythonDecoratedOperator"
        assert "validate" in tasks["publish"]["upstream"]
        assert tasks["deliver_alerts"]["upstream"] == ["report"]
        escalation = result["dags"]["fdq_local_escalation"]["tasks"]
        assert set(escalation) == {"escalation_check"}
    # in both runtimes run_outcome waits on every task, alerts and fails the run when one
    # failed (locally deliver_alerts, all_done, is last)
    outcome = tasks["run_outcome"]
    assert outcome["trigger_rule"] == "one_failed"
    assert set(outcome["upstream"]) == set(tasks) - {"run_outcome"}
    reprocess = result["dags"]["transactions_dq_reprocess"]["tasks"]
    assert reprocess["reprocess_day"]["reset_dag_run"] is True  # a cleared request reruns
    assert reprocess["record_outcome"]["upstream"] == ["reprocess_day"]
    arrival = result["dags"]["transactions_dq_on_arrival"]["tasks"]
    assert arrival["trigger_daily"]["type"] == "TriggerDagRunOperator"


def test_the_recorder_sees_a_dag_file_that_calls_aws_at_import(
    recorder: ConnectionRecorder, tmp_path: Path, airflow_settings: dict[str, str]
) -> None:
    """The no-AWS-call check can fail: a file that asks STS at import is caught."""
    folder = tmp_path / "dags"
    folder.mkdir()
    (folder / "bad_dag.py").write_text(
        "from airflow.sdk import DAG\n"
        "from fintech_dq.infra import aws\n"
        "try:\n"
        "    aws.account_id()\n"
        "except Exception:\n"
        "    pass\n"
        "dag = DAG('bad_dag', schedule=None)\n",
        encoding="utf-8",
    )
    before = recorder.connections
    result = _parse("local", recorder, tmp_path / "home", airflow_settings, folder)
    assert set(result["dags"]) == {"bad_dag"}
    assert recorder.connections > before
