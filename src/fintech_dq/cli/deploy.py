"""`fdq deploy`: package, upload and deploy an environment's stacks (AWS or the emulator)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fintech_dq.cli import CliError, aws_endpoint_text


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "deploy",
        help="package and deploy an environment's CloudFormation stacks",
        description=(
            "Package the core package (Glue zip, Lambda layer), lambdas/, glue_jobs/ and the "
            "MWAA files (requirements.txt with the Airflow constraints line, plugins.zip, "
            "startup.sh, dags/); deploy the storage stack; upload what changed; then deploy "
            "catalog-and-jobs, events-and-alerts, monitoring and mwaa, each through a change "
            "set whose changes are printed first. The runtime (FDQ_RUNTIME, default local) "
            "says where: `aws` uses the standard AWS credentials and region; `local` uses "
            "the emulator at AWS_ENDPOINT_URL (see `fdq local`). --dry-run shows every upload "
            "and change set and executes nothing."
        ),
    )
    add_deploy_arguments(parser, env_default=None)
    parser.add_argument(
        "--runtime",
        choices=("local", "aws"),
        default=None,
        help="where to deploy (default: FDQ_RUNTIME, else local)",
    )
    parser.set_defaults(handler=run)


def add_deploy_arguments(parser: argparse.ArgumentParser, env_default: str | None) -> None:
    """Arguments shared with `fdq local deploy`."""
    from fintech_dq.infra.deploy import STACK_KEYS

    parser.add_argument(
        "--env",
        required=env_default is None,
        default=env_default,
        metavar="NAME",
        help="environment name, the stacks' EnvName (lowercase letters and digits)"
        + (f" (default: {env_default})" if env_default else ""),
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="show every upload and change set; execute and upload nothing",
    )
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=(
            "a template parameter for every stack that declares it, e.g. "
            "Tier1Email=oncall@example.com or SubnetIds=subnet-a,subnet-b (repeatable)"
        ),
    )
    parser.add_argument(
        "--stacks",
        default=",".join(STACK_KEYS),
        metavar="LIST",
        help=f"which stacks, comma-separated, in deploy order (default: {','.join(STACK_KEYS)})",
    )
    parser.add_argument(
        "--build-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="where the artefacts are built (default: var/build/<env>)",
    )
    parser.add_argument(
        "--no-layer-dependencies",
        action="store_true",
        help="build the Lambda layer without its third-party dependencies (faster; not for AWS)",
    )


def request_from(args: argparse.Namespace) -> Any:
    import re

    from fintech_dq.infra.deploy import DeployRequest

    if not re.fullmatch(r"[a-z][a-z0-9]{1,11}", args.env):
        raise CliError(f"--env {args.env!r}: 2-12 lowercase letters and digits, starting a letter")
    parameters: dict[str, str] = {}
    for item in args.parameter:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise CliError(f"--parameter {item!r}: expected NAME=VALUE")
        parameters[name] = value
    stacks = tuple(s.strip() for s in args.stacks.split(",") if s.strip())
    return DeployRequest(
        env_name=args.env,
        dry_run=args.dry_run,
        parameters=parameters,
        stacks=stacks,
        build_dir=args.build_dir,
        layer_dependencies=not args.no_layer_dependencies,
    )


def execute(settings: Any, request: Any) -> Any:
    """Run a deploy, turning the failures a user can act on into CliError."""
    from botocore.exceptions import BotoCoreError, ClientError

    from fintech_dq.infra.deploy import Deployer, DeployError
    from fintech_dq.infra.fill_ins import FillInError
    from fintech_dq.infra.packaging import PackagingError
    from fintech_dq.infra.template import TemplateError

    try:
        return Deployer(settings, request).run()
    except (DeployError, FillInError, PackagingError, TemplateError) as error:
        raise CliError(str(error)) from error
    except (BotoCoreError, ClientError) as error:
        raise CliError(f"AWS call failed ({aws_endpoint_text(settings)}): {error}") from error


def run(args: argparse.Namespace) -> int:
    import os

    from fintech_dq.infra import aws

    environ = dict(os.environ)
    if args.runtime:
        environ[aws.RUNTIME_VARIABLE] = args.runtime
    try:
        settings = aws.settings(environ)
    except aws.AwsSettingsError as error:
        raise CliError(str(error)) from error
    if args.no_layer_dependencies and not settings.is_local:
        # the functions import them from the layer: on AWS they would fail at their first event
        raise CliError("--no-layer-dependencies is for the local emulator only, not for AWS")
    execute(settings, request_from(args))
    return 0
