"""`fdq local up | status | env | down`: the emulator as its own process, found, stopped."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

from fintech_dq.infra import aws, emulator


def test_up_status_env_down(run_fdq: Any, tmp_path: Path) -> None:
    port = emulator.free_port()
    state = str(tmp_path / "state")
    started = run_fdq("local", "up", "--port", str(port), "--state-dir", state, timeout=60)
    assert started.returncode == 0, started.stderr
    assert f"emulator started: http://127.0.0.1:{port}" in started.stdout
    record = emulator.read_record(Path(state))
    assert record is not None and record.pid != os.getpid()
    assert (Path(state) / "emulator.pid").read_text().strip() == str(record.pid)
    try:
        again = run_fdq("local", "up", "--port", str(port), "--state-dir", state, timeout=60)
        assert again.returncode == 0 and "already running" in again.stdout
        assert emulator.read_record(Path(state)) == record  # the same process, not a second

        status = run_fdq("local", "status", "--state-dir", state)
        assert status.returncode == 0 and f"pid {record.pid}" in status.stdout

        env = run_fdq("local", "env", "--state-dir", state)
        exports = dict(
            line.removeprefix("export ").split("=", 1) for line in env.stdout.splitlines()
        )
        assert exports["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{port}"
        assert exports["FDQ_RUNTIME"] == "local"

        # A real client, through the standard setting only, reaches it.
        s3 = aws.client("s3", aws.settings(exports))
        s3.create_bucket(Bucket="reachable")
        assert "reachable" in [b["Name"] for b in s3.list_buckets()["Buckets"]]

        other = run_fdq("local", "up", "--port", str(emulator.free_port()), "--state-dir", state)
        assert other.returncode == 2 and "already runs on" in other.stderr
    finally:
        stopped = run_fdq("local", "down", "--state-dir", state, timeout=60)
    assert stopped.returncode == 0 and f"pid {record.pid}" in stopped.stdout
    assert not (Path(state) / "emulator.pid").exists()
    assert not Path(f"/proc/{record.pid}").exists() or _is_zombie(record.pid)
    assert not emulator.is_healthy(record.endpoint_url)
    after = run_fdq("local", "status", "--state-dir", state)
    assert after.returncode == 1 and "not running" in after.stdout
    assert run_fdq("local", "down", "--state-dir", state).returncode == 0  # nothing to stop


def test_a_busy_port_is_refused(run_fdq: Any, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_fdq("local", "up", "--port", str(port), "--state-dir", str(tmp_path))
    assert result.returncode == 2 and "in use" in result.stderr


def test_commands_that_need_the_emulator_say_how_to_start_it(run_fdq: Any, tmp_path: Path) -> None:
    for verb in ("env", "deploy"):
        result = run_fdq("local", verb, "--state-dir", str(tmp_path))
        assert result.returncode == 2, verb
        assert "fdq local up" in result.stderr, verb


def _is_zombie(pid: int) -> bool:
    try:
        return "State:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
