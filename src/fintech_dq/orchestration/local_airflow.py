"""The local Airflow: `airflow standalone` (scheduler, DAG processor, triggerer, API server
and UI) on SQLite under var/airflow, with this project's DAGs, pointed at the local AWS
emulator through the Airflow connection `aws_fdq`.

No Airflow import here: this module builds the environment and manages the process; the
Airflow parts are started as `airflow` processes of the virtual environment (its bin
directory goes first on PATH, as standalone starts its parts by name).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from fintech_dq.infra import aws
from fintech_dq.local_processes import runs_command
from fintech_dq.orchestration.runtime import (
    AWS_CONN_ID,
    LANDING_QUEUE_VARIABLE,
    landing_queue_name,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_STATE_DIR = Path("var/airflow")
DEFAULT_PORT = 8080
HOST = "127.0.0.1"
RECORD = "airflow.json"
LOG = "standalone.log"
PASSWORDS = "simple_auth_manager_passwords.json.generated"


class LocalAirflowError(RuntimeError):
    """The local Airflow cannot start, or what is recorded is not ours."""


@dataclass(frozen=True)
class AirflowRecord:
    pid: int
    port: int
    home: str
    log: str
    started_at: str

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def password_file(self) -> Path:
        return Path(self.home) / PASSWORDS


def connection_uri_json(settings: aws.AwsSettings) -> str:
    """AIRFLOW_CONN_AWS_FDQ: an `aws` connection whose extra reaches the same endpoint."""
    connection: dict[str, object] = {
        "conn_type": "aws",
        "extra": aws.airflow_connection_extra(settings),
    }
    if settings.access_key and settings.secret_key:
        connection["login"] = settings.access_key
        connection["password"] = settings.secret_key
    return json.dumps(connection)


def airflow_environment(
    home: Path,
    settings: aws.AwsSettings,
    *,
    env_name: str = "local",
    port: int = DEFAULT_PORT,
    landing_queue_url: str | None = None,
    dags_folder: Path | None = None,
    paused_at_creation: bool = False,
    emulator_state_dir: Path | None = None,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every variable a local Airflow process (standalone, `airflow dags test`, a test's
    in-process dag.test) needs: home, DAGs, SQLite, the connection and the FDQ_* settings."""
    environment = dict(os.environ if base is None else base)
    environment = {k: v for k, v in environment.items() if not k.startswith("AIRFLOW__")}
    environment.update(aws.subprocess_environment(settings))
    venv_bin = str(Path(sys.executable).parent)
    environment.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder or REPO_ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": str(paused_at_creation),
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": "utc",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__API__HOST": HOST,
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": f"http://{HOST}:{port}",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{HOST}:{port}/execution/",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
            "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "30",
            f"AIRFLOW_CONN_{AWS_CONN_ID.upper()}": connection_uri_json(settings),
            "FDQ_ENV_NAME": env_name,
            "PATH": venv_bin + os.pathsep + environment.get("PATH", ""),
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(REPO_ROOT / "src"), environment.get("PYTHONPATH", "")) if p
            ),
        }
    )
    if landing_queue_url:
        environment[LANDING_QUEUE_VARIABLE] = landing_queue_url
    if emulator_state_dir is not None:
        # the local SMTP inbox `fdq local up` started: where alert e-mails go from tasks and
        # the deadline callback (Airflow's processes do not run from the project folder)
        from fintech_dq.notify.inbox import ADDRESS_VARIABLE, running_address

        smtp = running_address(emulator_state_dir)
        if smtp is not None:
            environment[ADDRESS_VARIABLE] = f"{smtp[0]}:{smtp[1]}"
    return environment


def find_landing_queue_url(settings: aws.AwsSettings, env_name: str) -> str | None:
    """The landing queue's URL from the events-and-alerts stack's outputs (or by name)."""
    try:
        stack = aws.client("cloudformation", settings).describe_stacks(
            StackName=f"fdq-{env_name}-events-and-alerts"
        )
        for output in stack["Stacks"][0].get("Outputs", []):
            if output["OutputKey"] == "LandingEventsQueueUrl":
                return str(output["OutputValue"])
    except Exception:
        pass
    try:
        queue = aws.client("sqs", settings).get_queue_url(
            QueueName=landing_queue_name({"FDQ_ENV_NAME": env_name})
        )
        return str(queue["QueueUrl"])
    except Exception:
        return None


def read_record(home: Path) -> AirflowRecord | None:
    path = home / RECORD
    if not path.is_file():
        return None
    return AirflowRecord(**json.loads(path.read_text(encoding="utf-8")))


def is_healthy(url: str, timeout: float = 3.0) -> bool:
    """The API server answers and the scheduler and triggerer report healthy."""
    try:
        with urllib.request.urlopen(f"{url}/api/v2/monitor/health", timeout=timeout) as answer:
            health = json.loads(answer.read())
    except (OSError, ValueError):
        return False
    parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
    return all((health.get(part) or {}).get("status") == "healthy" for part in parts)


def start(
    home: Path,
    environment: Mapping[str, str],
    port: int,
    timeout: float = 240.0,
) -> tuple[AirflowRecord, bool]:
    """Start `airflow standalone` in its own process group and wait until it is healthy;
    a second call finds the running one. Returns (record, started)."""
    home.mkdir(parents=True, exist_ok=True)
    existing = running_record(home)
    if existing is not None:
        return existing, False
    log_path = home / LOG
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            ["airflow", "standalone"],
            cwd=home,
            env=dict(environment),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    record = AirflowRecord(
        process.pid, port, str(home.resolve()), str(log_path.resolve()),
        datetime.now(UTC).isoformat(timespec="seconds"),
    )  # fmt: skip
    (home / RECORD).write_text(json.dumps(asdict(record), indent=2), encoding="utf-8")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            (home / RECORD).unlink(missing_ok=True)
            raise LocalAirflowError(
                f"airflow standalone exited with {process.returncode}; see {log_path}"
            )
        if is_healthy(record.url):
            return record, True
        time.sleep(2)
    stop(home)
    raise LocalAirflowError(f"airflow standalone not healthy after {timeout:.0f}s; see {log_path}")


def running_record(home: Path) -> AirflowRecord | None:
    record = read_record(home)
    if record is None or not _is_our_standalone(record.pid):
        return None
    return record


def stop(home: Path, grace: float = 20.0) -> AirflowRecord | None:
    """Stop the recorded standalone and every process it started (its process group)."""
    record = read_record(home)
    if record is None:
        return None
    if _is_our_standalone(record.pid):
        os.killpg(record.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and _group_alive(record.pid):
            time.sleep(0.5)
        if _group_alive(record.pid):
            os.killpg(record.pid, signal.SIGKILL)
    (home / RECORD).unlink(missing_ok=True)
    return record


def admin_password(home: Path) -> str | None:
    path = home / PASSWORDS
    if not path.is_file():
        return None
    passwords = json.loads(path.read_text(encoding="utf-8"))
    value = passwords.get("admin")
    return str(value) if value else None


def _is_our_standalone(pid: int) -> bool:
    return runs_command(pid, b"airflow", b"standalone")


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class AirflowApi:
    """A small client of the local Airflow's REST API (v2), logged in as admin: what the
    demo and the tests use to unpause, trigger and watch runs as a person would."""

    def __init__(self, record: AirflowRecord, timeout: float = 30.0) -> None:
        self.url = record.url
        self.timeout = timeout
        password = admin_password(Path(record.home))
        if password is None:
            raise LocalAirflowError(f"no admin password in {record.password_file}")
        token = self._call("POST", "/auth/token", {"username": "admin", "password": password})
        self.token = str(token["access_token"])

    def _call(self, method: str, path: str, body: object | None = None) -> dict[str, object]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if getattr(self, "token", None):
            request.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(request, timeout=self.timeout) as answer:
            payload = answer.read()
        return json.loads(payload) if payload else {}

    def get(self, path: str) -> dict[str, object]:
        return self._call("GET", f"/api/v2{path}")

    def unpause(self, dag_id: str) -> None:
        self._call("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})

    def trigger(self, dag_id: str, run_id: str, conf: dict[str, object]) -> dict[str, object]:
        return self._call(
            "POST",
            f"/api/v2/dags/{dag_id}/dagRuns",
            {"dag_run_id": run_id, "logical_date": None, "conf": conf},
        )

    def clear_run(self, dag_id: str, run_id: str) -> None:
        """Clear a whole run, as the UI's Clear does (the documented way to rerun a day)."""
        path = f"/api/v2/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id, safe='')}/clear"
        self._call("POST", path, {"dry_run": False})

    def set_run_state(self, dag_id: str, run_id: str, state: str) -> None:
        """Mark a run success or failed, as the UI's "Mark run as" does."""
        self._call("PATCH", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}", {"state": state})

    def set_task_state(self, dag_id: str, run_id: str, task_id: str, state: str) -> None:
        """Mark one task of a run, as the UI's task "Mark as" does."""
        path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}"
        self._call("PATCH", path, {"new_state": state})

    def runs(self, dag_id: str) -> list[dict[str, object]]:
        answer = self.get(f"/dags/{dag_id}/dagRuns?limit=100&order_by=-run_after")
        runs = answer.get("dag_runs") or []
        return list(runs) if isinstance(runs, list) else []

    def wait_for_dag(self, dag_id: str, timeout: float = 180.0) -> None:
        """Until the DAG processor has parsed the file (the DAG exists in the API)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.get(f"/dags/{dag_id}")
                return
            except OSError:
                time.sleep(2)
        raise LocalAirflowError(f"DAG {dag_id} not parsed within {timeout:.0f}s")

    def wait_for_run(
        self,
        dag_id: str,
        run_id: str,
        states: tuple[str, ...] = ("success", "failed"),
        timeout: float = 600.0,
    ) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                run = self.get(f"/dags/{dag_id}/dagRuns/{run_id}")
                if run.get("state") in states:
                    return run
            except OSError:
                pass
            time.sleep(3)
        raise LocalAirflowError(f"{dag_id}/{run_id} not in {states} within {timeout:.0f}s")


def business_day_of(run: dict[str, object]) -> str | None:
    """The business date a daily run checks, from the API's view of it: the conf's, else
    the scheduled interval's start (orchestration.run_plan.business_date_for)."""
    conf = run.get("conf")
    if isinstance(conf, dict) and conf.get("business_date"):
        return str(conf["business_date"])
    start = run.get("data_interval_start")
    return str(start)[:10] if start and run.get("run_type") == "scheduled" else None
