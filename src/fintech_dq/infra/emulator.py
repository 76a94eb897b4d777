"""The local AWS emulator: moto in server mode, as its own process on 127.0.0.1.

`start` launches moto's server (`python -m fintech_dq.infra.emulator_server`: moto.server
with DynamoDB requests one at a time, so conditional writes are atomic as on AWS) detached
from the caller (its own session, so a Ctrl-C in the terminal that ran `fdq local up` does
not stop it), waits until it answers, and records pid, port and log in
`<state_dir>/emulator.json` (the pid also in `emulator.pid`). `stop` ends exactly that
process (after checking that the pid still is a moto server) and removes the record. The
emulator keeps its state in memory for as long as it runs: a session's state is lost on
stop.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from fintech_dq.local_processes import runs_command, terminate

HOST = "127.0.0.1"
DEFAULT_PORT = 4566
DEFAULT_STATE_DIR = Path("var/emulator")
STATE_FILE = "emulator.json"
PID_FILE = "emulator.pid"
LOG_FILE = "emulator.log"
HEALTH_PATH = "/moto-api/config"
SERVER_MODULE = "fintech_dq.infra.emulator_server"


class EmulatorError(RuntimeError):
    """The emulator cannot be started, reached or stopped as asked."""


@dataclass(frozen=True)
class EmulatorRecord:
    pid: int
    host: str
    port: int
    log: str
    started_at: str

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"


def free_port(host: str = HOST) -> int:
    """A port nobody listens on right now (for tests that start their own emulator)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def is_healthy(endpoint_url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(endpoint_url + HEALTH_PATH, timeout=timeout) as response:
            return bool(200 <= response.status < 300)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def read_record(state_dir: Path) -> EmulatorRecord | None:
    path = state_dir / STATE_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return EmulatorRecord(**data)
    except (ValueError, TypeError) as error:
        raise EmulatorError(f"{path}: not an emulator record ({error}); remove it") from error


def running_record(state_dir: Path) -> EmulatorRecord | None:
    """The recorded emulator if its process is alive and answering; None otherwise."""
    record = read_record(state_dir)
    if record is None or not _is_moto_process(record.pid):
        return None
    return record if is_healthy(record.endpoint_url) else None


def start(
    state_dir: Path = DEFAULT_STATE_DIR,
    port: int = DEFAULT_PORT,
    host: str = HOST,
    timeout: float = 30.0,
) -> tuple[EmulatorRecord, bool]:
    """Start the emulator (or find it already running). Returns (record, started_now)."""
    existing = read_record(state_dir)
    if existing is not None and _is_moto_process(existing.pid):
        if existing.port != port or existing.host != host:
            raise EmulatorError(
                f"an emulator from {state_dir} already runs on {existing.endpoint_url} "
                f"(pid {existing.pid}); stop it first (fdq local down) or use that port"
            )
        if _wait_healthy(existing.endpoint_url, timeout):
            return existing, False
        raise EmulatorError(
            f"the emulator (pid {existing.pid}) does not answer on {existing.endpoint_url}; "
            f"see {existing.log}"
        )
    if not _port_is_free(host, port):
        raise EmulatorError(f"{host}:{port} is in use by another process; choose --port")
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path = state_dir / LOG_FILE
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", SERVER_MODULE, "-H", host, "-p", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=_server_environment(),
        )
    record = EmulatorRecord(
        pid=process.pid,
        host=host,
        port=port,
        log=str(log_path),
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EmulatorError(
                f"the emulator exited with status {process.returncode} while starting; "
                f"see {log_path}"
            )
        if is_healthy(record.endpoint_url, timeout=1.0):
            (state_dir / STATE_FILE).write_text(
                json.dumps(asdict(record), indent=2) + "\n", encoding="utf-8"
            )
            (state_dir / PID_FILE).write_text(f"{record.pid}\n", encoding="utf-8")
            return record, True
        time.sleep(0.2)
    terminate(process.pid, grace=5.0)
    raise EmulatorError(f"the emulator did not answer within {timeout:.0f} s; see {log_path}")


def stop(state_dir: Path = DEFAULT_STATE_DIR, grace: float = 10.0) -> EmulatorRecord | None:
    """Stop the recorded emulator; returns its record, or None when none was recorded."""
    record = read_record(state_dir)
    if record is None:
        return None
    if _is_moto_process(record.pid):
        terminate(record.pid, grace)
    (state_dir / STATE_FILE).unlink(missing_ok=True)
    (state_dir / PID_FILE).unlink(missing_ok=True)
    return record


def _server_environment() -> dict[str, str]:
    env = dict(os.environ)
    # The server answers with its own defaults; nothing of the caller's AWS setup applies.
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        env.pop(name, None)
    env.setdefault("AWS_ACCESS_KEY_ID", "testing")
    env.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    return env


def _wait_healthy(endpoint_url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_healthy(endpoint_url, timeout=1.0):
            return True
        time.sleep(0.2)
    return False


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _is_moto_process(pid: int) -> bool:
    return runs_command(pid, SERVER_MODULE.encode())
