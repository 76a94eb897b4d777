"""A real SMTP server (aiosmtpd) on 127.0.0.1, its own process, writing each message it
accepts to `<state_dir>/mail/<time>-<id>.eml`. `fdq local up` starts it beside the
emulator and records it in `<state_dir>/mail.json`; `fdq local down` stops it."""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fintech_dq.local_processes import runs_command, terminate

HOST = "127.0.0.1"
DEFAULT_PORT = 2525
RECORD_FILE = "mail.json"
INBOX_DIR = "mail"
ADDRESS_VARIABLE = "FDQ_SMTP_ADDRESS"
"""host:port of the SMTP server to relay to; else the one recorded in the state dir."""


class InboxError(RuntimeError):
    pass


@dataclass(frozen=True)
class InboxRecord:
    pid: int
    host: str
    port: int
    inbox: str
    log: str


@dataclass(frozen=True)
class Message:
    path: Path
    sender: str
    recipients: str
    subject: str
    date: str
    body: str


def read_record(state_dir: Path) -> InboxRecord | None:
    path = state_dir / RECORD_FILE
    if not path.exists():
        return None
    return InboxRecord(**json.loads(path.read_text(encoding="utf-8")))


def relay_address(state_dir: Path | None = None) -> tuple[str, int] | None:
    """Where local mail goes: FDQ_SMTP_ADDRESS, else the inbox recorded in `state_dir`."""
    configured = os.environ.get(ADDRESS_VARIABLE)
    if configured:
        host, _, port = configured.rpartition(":")
        return host or HOST, int(port)
    return running_address(state_dir or Path("var/emulator"))


def running_address(state_dir: Path) -> tuple[str, int] | None:
    """The inbox recorded in `state_dir`, if it still runs."""
    record = read_record(state_dir)
    return (record.host, record.port) if record and _is_inbox_process(record.pid) else None


def start(
    state_dir: Path, port: int = DEFAULT_PORT, timeout: float = 15.0
) -> tuple[InboxRecord, bool]:
    existing = read_record(state_dir)
    if existing is not None and _is_inbox_process(existing.pid):
        return existing, False
    if not _port_is_free(port):
        port = _free_port()
    inbox = state_dir / INBOX_DIR
    inbox.mkdir(parents=True, exist_ok=True)
    log_path = state_dir / "mail.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fintech_dq.notify.inbox",
                "--port",
                str(port),
                "--dir",
                str(inbox),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    record = InboxRecord(process.pid, HOST, port, str(inbox), str(log_path))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise InboxError(f"the SMTP inbox exited while starting; see {log_path}")
        if _answers(port):
            (state_dir / RECORD_FILE).write_text(json.dumps(asdict(record)) + "\n", "utf-8")
            return record, True
        time.sleep(0.1)
    os.kill(process.pid, signal.SIGTERM)
    raise InboxError(f"the SMTP inbox did not answer within {timeout:.0f} s; see {log_path}")


def stop(state_dir: Path) -> InboxRecord | None:
    record = read_record(state_dir)
    if record is None:
        return None
    if _is_inbox_process(record.pid):
        terminate(record.pid, grace=10)
    (state_dir / RECORD_FILE).unlink(missing_ok=True)
    return record


def messages(inbox: Path) -> list[Message]:
    """The inbox, oldest first."""
    found = []
    for path in sorted(inbox.glob("*.eml")):
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        part = parsed.get_body(preferencelist=("plain",)) if parsed.is_multipart() else parsed
        body = part.get_content() if part is not None else ""
        found.append(
            Message(
                path=path,
                sender=str(parsed.get("From", "")),
                recipients=str(parsed.get("X-Envelope-To") or parsed.get("To", "")),
                subject=str(parsed.get("Subject", "")),
                date=str(parsed.get("Date", "")),
                body=str(body),
            )
        )
    return found


class _FolderHandler:
    """aiosmtpd handler: each accepted message becomes one .eml file (written atomically)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        header = f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n".encode()
        content = envelope.original_content or envelope.content
        data = content if isinstance(content, bytes) else str(content).encode()
        temporary = self.folder / f".{name}.tmp"
        temporary.write_bytes(header + data)
        temporary.rename(self.folder / name)
        return "250 Message accepted for delivery"


def serve(port: int, folder: Path) -> None:
    from aiosmtpd.controller import Controller

    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(_FolderHandler(folder), hostname=HOST, port=port)
    controller.start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    print(f"SMTP inbox on {HOST}:{port} writing to {folder}", flush=True)
    stopped.wait()
    controller.stop()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1.0) as connection:
            return connection.recv(3) == b"220"
    except OSError:
        return False


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _is_inbox_process(pid: int) -> bool:
    return runs_command(pid, b"fintech_dq.notify.inbox")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--dir", type=Path, required=True)
    arguments = parser.parse_args()
    serve(arguments.port, arguments.dir)
