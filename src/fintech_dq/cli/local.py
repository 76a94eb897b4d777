"""`fdq local`: the local AWS runtime (start, stop, inspect the emulator; deploy into it)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fintech_dq.cli import CliError

DEFAULT_STATE_DIR = Path("var/emulator")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "local",
        help="the local runtime: the AWS emulator (up, down, status, env, deploy), Airflow, mail",
        description=(
            "The local runtime's AWS: moto in server mode, its own process on 127.0.0.1. "
            "It keeps its state in memory while it runs. Clients reach it through "
            "AWS_ENDPOINT_URL (`fdq local env` prints the settings)."
        ),
    )
    verbs = parser.add_subparsers(dest="local_verb", metavar="ACTION")
    verbs.required = True

    up = verbs.add_parser(
        "up",
        help="start the emulator (or find it running) and wait until it answers",
        description=(
            "Start the emulator on 127.0.0.1:PORT as a process of its own, wait until it "
            "answers, and record it (pid, port, log) in STATE_DIR/emulator.json. Running it "
            "again while the emulator is up changes nothing."
        ),
    )
    up.add_argument("--port", type=int, default=4566, help="port to listen on (default: 4566)")
    _state_dir(up)
    up.set_defaults(handler=run_up)

    down = verbs.add_parser(
        "down",
        help="stop the recorded emulator (its state is lost)",
        description="Stop the emulator recorded in STATE_DIR and remove the record.",
    )
    _state_dir(down)
    down.set_defaults(handler=run_down)

    status = verbs.add_parser(
        "status",
        help="say whether the emulator runs and answers (exit 1 when it does not)",
        description="Print the emulator's endpoint, pid and log; exit 1 when it is not running.",
    )
    _state_dir(status)
    status.set_defaults(handler=run_status)

    env = verbs.add_parser(
        "env",
        help="print the shell settings that point clients at the emulator",
        description="Print `export` lines (FDQ_RUNTIME, AWS_ENDPOINT_URL, region, dummy keys).",
    )
    _state_dir(env)
    env.set_defaults(handler=run_env)

    deploy = verbs.add_parser(
        "deploy",
        help="deploy the stacks into the emulator and fill in what its CloudFormation skips",
        description=(
            "Deploy the same templates as `fdq deploy` into the running emulator (change "
            "sets shown, then CreateStack/UpdateStack), then apply through the service APIs "
            "what the emulator's CloudFormation skips or ignores (Glue database, crawler, "
            "job and security configuration; SNS subscriptions and topic policies; queue "
            "policies; CloudWatch alarms; bucket versioning, Object Lock, logging, lifecycle, "
            "public access block; the alert table's KMS encryption and point-in-time "
            "recovery; ...) and print each fill-in, and each thing it cannot represent."
        ),
    )
    from fintech_dq.cli.deploy import add_deploy_arguments

    add_deploy_arguments(deploy, env_default="local")
    _state_dir(deploy)
    deploy.set_defaults(handler=run_deploy)

    from fintech_dq.cli.local_airflow import register_airflow

    register_airflow(verbs)

    from fintech_dq.cli.local_mail import register_mail

    register_mail(verbs, _state_dir)


def _state_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=DEFAULT_STATE_DIR,
        metavar="DIR",
        help=f"where the emulator's record and log live (default: {DEFAULT_STATE_DIR})",
    )


def _running(state_dir: Path) -> Any:
    from fintech_dq.infra import emulator

    try:
        record = emulator.running_record(state_dir)
    except emulator.EmulatorError as error:
        raise CliError(str(error)) from error
    if record is None:
        raise CliError(f"no emulator is running from {state_dir}; start it with `fdq local up`")
    return record


def _local_settings(endpoint_url: str) -> Any:
    import os

    from fintech_dq.infra import aws

    environ = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    environ[aws.RUNTIME_VARIABLE] = "local"
    return aws.settings(environ).with_endpoint(endpoint_url)


def run_up(args: argparse.Namespace) -> int:
    from fintech_dq.infra import emulator

    try:
        record, started = emulator.start(args.state_dir, port=args.port)
    except emulator.EmulatorError as error:
        raise CliError(str(error)) from error
    verb = "started" if started else "already running"
    print(f"emulator {verb}: {record.endpoint_url} (pid {record.pid}, log {record.log})")
    from fintech_dq.cli.local_mail import start_inbox

    start_inbox(args.state_dir)
    import shlex

    default = Path(args.state_dir) == Path(DEFAULT_STATE_DIR)
    state = "" if default else f" --state-dir {shlex.quote(str(args.state_dir))}"
    print(f'point clients at it with:  eval "$(fdq local env{state})"')
    return 0


def run_down(args: argparse.Namespace) -> int:
    from fintech_dq.infra import emulator

    try:
        record = emulator.stop(args.state_dir)
    except emulator.EmulatorError as error:
        raise CliError(str(error)) from error
    from fintech_dq.cli.local_mail import stop_inbox

    stop_inbox(args.state_dir)
    if record is None:
        print(f"no emulator recorded in {args.state_dir}")
    else:
        print(f"emulator stopped (was {record.endpoint_url}, pid {record.pid})")
    return 0


def run_status(args: argparse.Namespace) -> int:
    from fintech_dq.infra import emulator

    try:
        record = emulator.running_record(args.state_dir)
    except emulator.EmulatorError as error:
        raise CliError(str(error)) from error
    if record is None:
        print(f"not running (no answering emulator recorded in {args.state_dir})")
        return 1
    print(f"running: {record.endpoint_url} (pid {record.pid}, since {record.started_at})")
    print(f"log: {record.log}")
    return 0


def run_env(args: argparse.Namespace) -> int:
    from fintech_dq.infra import aws

    record = _running(args.state_dir)
    for name, value in sorted(
        aws.subprocess_environment(_local_settings(record.endpoint_url)).items()
    ):
        print(f"export {name}={value}")
    from fintech_dq.notify.inbox import ADDRESS_VARIABLE, running_address

    smtp = running_address(args.state_dir)
    if smtp is not None:  # where the local runtime relays SNS e-mail subscriptions
        print(f"export {ADDRESS_VARIABLE}={smtp[0]}:{smtp[1]}")
    return 0


def run_deploy(args: argparse.Namespace) -> int:
    from fintech_dq.cli.deploy import execute, request_from

    record = _running(args.state_dir)
    report = execute(_local_settings(record.endpoint_url), request_from(args))
    from fintech_dq.infra.fill_ins import FILLED, NOT_REPRESENTED, STAND_IN

    if not args.dry_run:
        counts = {status: 0 for status in (FILLED, STAND_IN, NOT_REPRESENTED)}
        for item in report.fill_ins:
            counts[item.status] += 1
        print(
            f"[local] what the emulator's CloudFormation left out: {counts[FILLED]} filled in, "
            f"{counts[STAND_IN]} stand-ins, {counts[NOT_REPRESENTED]} NOT emulated "
            "(each listed above with why)"
        )
    return 0
