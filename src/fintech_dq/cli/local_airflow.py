"""`fdq local airflow up|down|status`: the local Airflow, next to the local AWS emulator."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fintech_dq.cli import CliError


def register_airflow(local_verbs: Any) -> None:
    """Adds `airflow` under `fdq local` (called from cli/local.py)."""
    parser = local_verbs.add_parser(
        "airflow",
        help="the local Airflow (standalone, SQLite) with this project's DAGs: up, down, status",
        description=(
            "Airflow 3 standalone (scheduler, DAG processor, triggerer, API server and UI) on "
            "SQLite under --home, reading dags/, connected to the running emulator through "
            "the connection aws_fdq. Start the emulator and deploy into it first "
            "(`fdq local up && fdq local deploy`)."
        ),
    )
    verbs = parser.add_subparsers(dest="airflow_verb", metavar="ACTION")
    verbs.required = True
    up = verbs.add_parser("up", help="start Airflow and wait until it is healthy")
    up.add_argument("--port", type=int, default=8080, help="UI/API port (default: 8080)")
    up.add_argument("--env", default="local", help="environment name (default: local)")
    up.add_argument(
        "--paused", action="store_true", help="keep new DAGs paused (default: unpaused)"
    )
    _home(up)
    up.set_defaults(handler=run_up)
    down = verbs.add_parser("down", help="stop the local Airflow (its database stays)")
    _home(down)
    down.set_defaults(handler=run_down)
    status = verbs.add_parser("status", help="say whether it runs (exit 1 when it does not)")
    _home(status)
    status.set_defaults(handler=run_status)
    wait = verbs.add_parser(
        "wait",
        help="wait for a DAG run to finish; exit 0 on success, 1 otherwise",
        description=(
            "Wait until the DAG run exists and is success or failed (the event-driven path "
            "creates it a little after the files land), then print its tasks' states."
        ),
    )
    wait.add_argument("--dag-id", required=True)
    wait.add_argument("--run-id", required=True)
    wait.add_argument("--timeout", type=float, default=1200, help="seconds (default 1200)")
    wait.add_argument(
        "--whole-day",
        action="store_true",
        help="then wait for the DAG's other runs of the same business day too and list them "
        "all (a routine run skips a day whose files another run already checked)",
    )
    _home(wait)
    wait.set_defaults(handler=run_wait)
    purge = verbs.add_parser(
        "purge-landing-queue",
        help="drop the landing notifications waiting for the event-driven DAG",
        description=(
            "Empty the SQS landing queue the event-driven DAG watches, so that files landed "
            "while Airflow was down do not start runs when it comes up (the demo runs its "
            "history days directly)."
        ),
    )
    purge.add_argument("--env", default="local", help="environment name (default: local)")
    _home(purge)
    purge.set_defaults(handler=run_purge)


def _home(parser: argparse.ArgumentParser) -> None:
    from fintech_dq.orchestration.local_airflow import DEFAULT_STATE_DIR

    parser.add_argument(
        "--home",
        type=Path,
        default=DEFAULT_STATE_DIR,
        help=f"AIRFLOW_HOME: database, logs, record (default: {DEFAULT_STATE_DIR})",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=Path("var/emulator"),
        help="the emulator's state dir (default: var/emulator)",
    )


def run_up(args: argparse.Namespace) -> int:
    from fintech_dq.cli.local import _local_settings, _running
    from fintech_dq.orchestration import local_airflow as la

    emulator = _running(args.state_dir)
    settings = _local_settings(emulator.endpoint_url)
    queue_url = la.find_landing_queue_url(settings, args.env)
    if queue_url is None:
        print(
            f"warning: no landing queue fdq-{args.env}-landing-events (run `fdq local deploy`): "
            "the event-driven DAG will have no watcher"
        )
    home = args.home.resolve()
    environment = la.airflow_environment(
        home, settings, env_name=args.env, port=args.port,
        landing_queue_url=queue_url, paused_at_creation=args.paused,
        emulator_state_dir=args.state_dir,
    )  # fmt: skip
    try:
        record, started = la.start(home, environment, args.port)
    except la.LocalAirflowError as error:
        raise CliError(str(error)) from error
    print(f"airflow {'started' if started else 'already running'}: {record.url} (pid {record.pid})")
    print(f"  UI:        {record.url}  (user admin)")
    print(f"  password:  {record.password_file}")
    print(f"  log:       {record.log}")
    print(f"  AWS:       {emulator.endpoint_url} via connection aws_fdq")
    return 0


def run_down(args: argparse.Namespace) -> int:
    from fintech_dq.orchestration import local_airflow as la

    record = la.stop(args.home.resolve())
    print("no local airflow recorded" if record is None else f"airflow stopped (pid {record.pid})")
    return 0


def run_status(args: argparse.Namespace) -> int:
    from fintech_dq.orchestration import local_airflow as la

    record = la.running_record(args.home.resolve())
    if record is None:
        print(f"not running (nothing recorded in {args.home})")
        return 1
    healthy = la.is_healthy(record.url)
    print(f"running: {record.url} (pid {record.pid}, since {record.started_at})")
    print(f"healthy: {'yes' if healthy else 'no'}; log: {record.log}")
    return 0 if healthy else 1


def run_wait(args: argparse.Namespace) -> int:
    from fintech_dq.orchestration import local_airflow as la

    record = la.running_record(args.home.resolve())
    if record is None:
        raise CliError(f"no local Airflow running (nothing recorded in {args.home})")
    api = la.AirflowApi(record)
    try:
        runs = [api.wait_for_run(args.dag_id, args.run_id, timeout=args.timeout)]
        day = la.business_day_of(runs[0])
        if args.whole_day and day:
            others = [r for r in api.runs(args.dag_id) if la.business_day_of(r) == day]
            runs += [
                api.wait_for_run(args.dag_id, str(r["dag_run_id"]), timeout=args.timeout)
                for r in others
                if r["dag_run_id"] != args.run_id
            ]
    except la.LocalAirflowError as error:
        raise CliError(str(error)) from error
    for run in runs:
        run_id = str(run["dag_run_id"])
        tasks = api.get(f"/dags/{args.dag_id}/dagRuns/{run_id}/taskInstances")
        listed = tasks.get("task_instances")
        states = {t["task_id"]: t["state"] for t in listed} if isinstance(listed, list) else {}
        print(f"{args.dag_id} {run_id}: {run.get('state')}{_what_it_did(states)}")
        for task_id, state in states.items():
            print(f"  {task_id:<20} {state}")
    return 0 if all(run.get("state") == "success" for run in runs) else 1


def _what_it_did(states: dict[str, object]) -> str:
    if states.get("validate") == "success":
        return " (checked the day)"
    if states.get("skip_if_checked") == "success" and states.get("validate") == "skipped":
        return " (skipped the check: the day's files are those another run checked)"
    return ""


def run_purge(args: argparse.Namespace) -> int:
    from fintech_dq.cli.local import _local_settings, _running
    from fintech_dq.infra import aws
    from fintech_dq.orchestration import local_airflow as la

    emulator = _running(args.state_dir)
    settings = _local_settings(emulator.endpoint_url)
    queue_url = la.find_landing_queue_url(settings, args.env)
    if queue_url is None:
        raise CliError(f"no landing queue for environment {args.env} (run `fdq local deploy`)")
    aws.client("sqs", settings).purge_queue(QueueUrl=queue_url)
    print(f"purged {queue_url}")
    return 0
