"""`fdq`: the command-line tool. Each verb lives in its own module with a `register`."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Sequence

from fintech_dq import __version__

# Modules under fintech_dq.cli that each define `register(subparsers)`; one verb (or verb
# group) per module keeps this file free of merge conflicts.
VERB_MODULES: tuple[str, ...] = (
    "validate",
    "rules",
    "sample",
    "local",
    "deploy",
    "pipeline",
    "schema",
    "audit",
    "metrics",
    "report",
    "alerts",
)


class CliError(Exception):
    """A user-facing error: printed without a traceback, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fdq",
        description="Data-quality assurance for fintech transaction data.",
    )
    parser.add_argument("--version", action="version", version=f"fdq {__version__}")
    subparsers = parser.add_subparsers(dest="verb", metavar="VERB")
    subparsers.required = True
    for name in VERB_MODULES:
        module = importlib.import_module(f"fintech_dq.cli.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.handler(args)
        sys.stdout.flush()  # a write to a closed pipe fails here, not at interpreter exit
    except CliError as error:
        print(f"fdq: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`fdq ... | head`): stop quietly, as Unix tools do, and keep
        # the interpreter's final flush of stdout from failing again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
