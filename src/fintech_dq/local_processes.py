"""The local services' processes (AWS emulator, SMTP inbox, Airflow standalone): is a
recorded pid still the process we started, and stopping it. A pid can be recycled by an
unrelated process after ours exited: it must never be signalled.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def alive(pid: int) -> bool:
    """True while `pid` runs; an exited child is reaped, and a zombie counts as exited."""
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)  # reap it when it is our child
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    status = Path(f"/proc/{pid}/status")
    try:
        if status.exists() and "Z" in status.read_text().split("State:")[1].split()[0]:
            return False  # a zombie of another parent: it has exited
    except (OSError, IndexError):
        pass
    return True


def runs_command(pid: int, *markers: bytes) -> bool:
    """True when `pid` is alive and its command line holds every marker. Without /proc
    (macOS) the record is trusted."""
    if not alive(pid):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.exists():
        return True
    try:
        command = b" ".join(cmdline.read_bytes().split(b"\0"))
    except OSError:
        return False
    return all(marker in command for marker in markers)


def terminate(pid: int, grace: float) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds; returns once the process has gone."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while alive(pid):
        if time.monotonic() >= deadline:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                return
            deadline = float("inf")
        time.sleep(0.05)
