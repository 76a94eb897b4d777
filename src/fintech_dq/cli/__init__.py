"""`fdq`: the command-line tool. Each verb lives in its own module with a `register`."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Sequence

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
)

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
    except (BotoCoreError, ClientError) as error:  # the environment, not the command
        print(f"fdq: error: {aws_failure(error)}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`fdq ... | head`): stop quietly, as Unix tools do, and keep
        # the interpreter's final flush of stdout from failing again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    return int(result or 0)


def aws_failure(error: BotoCoreError | ClientError) -> str:
    """An AWS call's failure, with what to check for the usual causes."""
    where = os.environ.get("AWS_ENDPOINT_URL") or "AWS"
    text = f"AWS call failed ({where}): {error}"
    if isinstance(error, EndpointConnectionError):
        return text + ' (the local emulator: `fdq local up`, then `eval "$(fdq local env)"`)'
    if isinstance(error, NoCredentialsError):
        return text + ' (locally: `eval "$(fdq local env)"`; on AWS: a profile or role)'
    code = error.response.get("Error", {}).get("Code") if isinstance(error, ClientError) else None
    if code in ("NoSuchBucket", "EntityNotFoundException", "ResourceNotFoundException"):
        return text + " (is the environment deployed? `fdq local deploy` or `fdq deploy`)"
    return text


if __name__ == "__main__":
    sys.exit(main())
