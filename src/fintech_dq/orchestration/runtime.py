"""What a DAG file may know at parse time: the runtime, the environment's name, the
Airflow connection and the landing queue, all from environment variables (no AWS call).

Which tasks a DAG gets (Glue operators on AWS, the local runtime's own crawler and job on a
laptop) is decided here once, when the file is parsed, from FDQ_RUNTIME.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta

from fintech_dq.infra import aws

AWS_CONN_ID = "aws_fdq"
"""The Airflow connection every AWS operator, sensor and trigger uses."""
ENV_NAME_VARIABLE = "FDQ_ENV_NAME"
DEFAULT_ENV_NAME = "local"
LANDING_QUEUE_VARIABLE = "FDQ_LANDING_QUEUE_URL"
ACCOUNT_VARIABLE = "FDQ_AWS_ACCOUNT_ID"
DEADLINE_VARIABLE = "FDQ_DAILY_DEADLINE_SECONDS"
DEFAULT_DEADLINE = timedelta(hours=6)


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def runtime(environ: Mapping[str, str] | None = None) -> str:
    """`local` or `aws` (FDQ_RUNTIME; `local` by default). Reads settings only."""
    return aws.settings(_env(environ)).runtime


def is_aws(environ: Mapping[str, str] | None = None) -> bool:
    return runtime(environ) == "aws"


def env_name(environ: Mapping[str, str] | None = None) -> str:
    return _env(environ).get(ENV_NAME_VARIABLE) or DEFAULT_ENV_NAME


def landing_queue_name(environ: Mapping[str, str] | None = None) -> str:
    """The queue the events-and-alerts stack creates for S3 landing events."""
    return f"fdq-{env_name(environ)}-landing-events"


def landing_queue_url(environ: Mapping[str, str] | None = None) -> str | None:
    """The landing queue's URL: FDQ_LANDING_QUEUE_URL (set by `fdq local airflow up` from
    the stack outputs), else built from the region and FDQ_AWS_ACCOUNT_ID on AWS, else None
    (the event-driven DAG then has no watcher and says so in its doc)."""
    env = _env(environ)
    if env.get(LANDING_QUEUE_VARIABLE):
        return env[LANDING_QUEUE_VARIABLE]
    account = env.get(ACCOUNT_VARIABLE)
    if account and is_aws(env):
        region = aws.settings(env).region
        return f"https://sqs.{region}.amazonaws.com/{account}/{landing_queue_name(env)}"
    return None


def daily_deadline(environ: Mapping[str, str] | None = None) -> timedelta:
    """How long after it is queued a daily run must be finished (FDQ_DAILY_DEADLINE_SECONDS,
    default 6 hours). The tests shorten it to prove the deadline path with a real scheduler."""
    raw = _env(environ).get(DEADLINE_VARIABLE)
    if not raw:
        return DEFAULT_DEADLINE
    seconds = float(raw)
    if seconds <= 0:
        raise ValueError(f"{DEADLINE_VARIABLE} must be positive, got {raw!r}")
    return timedelta(seconds=seconds)


POLL_VARIABLE = "FDQ_LANDING_POLL_SECONDS"


def landing_poll_seconds(environ: Mapping[str, str] | None = None) -> int:
    """How often the asset watcher polls the landing queue when it was empty (default 30 s)."""
    return int(_env(environ).get(POLL_VARIABLE) or 30)


QUIET_VARIABLE = "FDQ_LANDING_QUIET_SECONDS"


def landing_quiet_seconds(environ: Mapping[str, str] | None = None) -> int:
    """How long a day's partition must go without a new or replaced file before a routine
    run checks it (FDQ_LANDING_QUIET_SECONDS; default 300 s on AWS, where a sender's upload
    of several files takes minutes, and 10 s locally, where a landing takes a second)."""
    raw = _env(environ).get(QUIET_VARIABLE)
    if raw:
        seconds = int(raw)
        if seconds < 0:
            raise ValueError(f"{QUIET_VARIABLE} must be 0 or more, got {raw!r}")
        return seconds
    return 300 if is_aws(environ) else 10
