"""`fdq local mail`: the local SMTP inbox that SNS e-mail subscriptions end in locally;
started by `fdq local up`, stopped by `fdq local down`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fintech_dq.cli import CliError


def register_mail(verbs: Any, state_dir_option: Any) -> None:
    mail = verbs.add_parser(
        "mail",
        help="list the local inbox (e-mails the tier topics' subscriptions received)",
        description=(
            "List the messages in STATE_DIR/mail/ (oldest first), or print one with --show N. "
            "The emulator sends no e-mail: the local runtime relays each SNS publish to the "
            "topic's e-mail subscriptions through this SMTP inbox."
        ),
    )
    mail.add_argument("--show", type=int, metavar="N", help="print message N (1 = oldest)")
    state_dir_option(mail)
    mail.set_defaults(handler=run_mail)


def start_inbox(state_dir: Path) -> None:
    from fintech_dq.notify import inbox

    try:
        record, started = inbox.start(state_dir)
    except inbox.InboxError as error:
        raise CliError(str(error)) from error
    verb = "started" if started else "already running"
    print(f"SMTP inbox {verb}: {record.host}:{record.port} -> {record.inbox} (pid {record.pid})")


def stop_inbox(state_dir: Path) -> None:
    from fintech_dq.notify import inbox

    record = inbox.stop(state_dir)
    if record is not None:
        print(f"SMTP inbox stopped (was {record.host}:{record.port}, pid {record.pid})")


def run_mail(args: argparse.Namespace) -> int:
    from fintech_dq.notify import inbox

    folder = args.state_dir / inbox.INBOX_DIR
    found = inbox.messages(folder) if folder.is_dir() else []
    if args.show is not None:
        if not 1 <= args.show <= len(found):
            raise CliError(f"no message {args.show}; the inbox has {len(found)}")
        message = found[args.show - 1]
        print(f"From: {message.sender}\nTo: {message.recipients}\nDate: {message.date}")
        print(f"Subject: {message.subject}\n\n{message.body}")
        return 0
    print(f"{len(found)} message(s) in {folder}")
    for number, message in enumerate(found, start=1):
        print(f"{number:>3}  {message.date}  {message.recipients:<28} {message.subject}")
    return 0
