"""`fdq`: the command-line tool. Each verb lives in its own module with a `register`."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, NoReturn

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
)

from fintech_dq import __version__
from fintech_dq.alerts.policy import PolicyError
from fintech_dq.masked_documents import masked_text

if TYPE_CHECKING:
    from fintech_dq.infra.aws import AwsSettings

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


class _Parser(argparse.ArgumentParser):
    """argparse quotes the argument it refuses (a path, a date), which can hold a PAN; the
    verbs' parsers are made of this class too (add_subparsers uses the parent's class)."""

    def error(self, message: str) -> NoReturn:
        super().error(masked_text(message))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
    """Every error printed here is masked (masked_documents): a message quotes paths and
    values as given, and a file name can hold a PAN."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.handler(args)
        sys.stdout.flush()  # a write to a closed pipe fails here, not at interpreter exit
    except (CliError, PolicyError) as error:  # a policy file is read by any verb that alerts
        print(f"fdq: error: {masked_text(error)}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as error:  # the environment, not the command
        print(f"fdq: error: {masked_text(aws_failure(error))}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`fdq ... | head`): stop quietly, as Unix tools do, and keep
        # the interpreter's final flush of stdout from failing again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    return int(result or 0)


@contextlib.contextmanager
def function_logs_on_stderr() -> Iterator[None]:
    """Run the Lambda functions' bodies in process (the local event path) with their logs on
    stderr: in Lambda, Powertools logs JSON to stdout, the function's log; a command's stdout
    is its output. Powertools binds its handler to the sys.stdout of the moment its logger is
    made, so the logger is made (imported) under the redirect, or pointed at stderr if it
    was made before."""
    with contextlib.redirect_stdout(sys.stderr):
        from fintech_dq.alerts import handlers

        handler = handlers.logger.registered_handler
        stream = handler if isinstance(handler, logging.StreamHandler) else None
        earlier = stream.setStream(sys.stderr) if stream is not None else None
        try:
            yield
        finally:
            if stream is not None and earlier is not None:
                stream.setStream(earlier)


def aws_endpoint_text(settings: AwsSettings | None = None) -> str:
    """Where the AWS calls went, for a message: the local runtime's endpoint (the settings'
    default when AWS_ENDPOINT_URL is unset, as `fdq local env` would set it), else AWS."""
    from fintech_dq.infra import aws

    try:
        chosen = settings or aws.settings()
    except aws.AwsSettingsError:
        return os.environ.get("AWS_ENDPOINT_URL") or "AWS"
    if chosen.is_local:
        return f"local emulator at {chosen.endpoint_url}"
    return chosen.endpoint_url or "AWS"


def aws_failure(error: BotoCoreError | ClientError) -> str:
    """An AWS call's failure, with what to check for the usual causes."""
    text = f"AWS call failed ({aws_endpoint_text()}): {error}"
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
