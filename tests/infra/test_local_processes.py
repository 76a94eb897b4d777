"""Recorded pids of the local services: recognised by their command line, stopped for sure."""

from __future__ import annotations

import subprocess
import sys
import time

from fintech_dq.local_processes import alive, runs_command, terminate


def _python(code: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert process.stdout is not None and process.stdout.readline() == b"ready\n"
    return process


def test_a_process_is_ours_only_while_it_runs_the_recorded_command() -> None:
    process = _python("import time; print('ready', flush=True); time.sleep(60)")
    assert runs_command(process.pid, b"time.sleep(60)")
    assert not runs_command(process.pid, b"time.sleep(60)", b"moto.server")
    terminate(process.pid, grace=5.0)
    assert not alive(process.pid)
    assert not runs_command(process.pid, b"time.sleep(60)")


def test_a_process_ignoring_sigterm_is_killed_after_the_grace_period() -> None:
    process = _python(
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); time.sleep(60)"
    )
    started = time.monotonic()
    terminate(process.pid, grace=0.5)
    assert not alive(process.pid)
    assert 0.5 <= time.monotonic() - started < 10
