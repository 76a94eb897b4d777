"""Where AWS calls go: the real services or the local emulator, chosen by settings alone.

Two runtimes (FDQ_RUNTIME): `local` (the default) sends every call to the emulator's
endpoint, `aws` to the real services. Either way the endpoint comes from the standard
setting AWS_ENDPOINT_URL (which boto3, the AWS CLI and Spark's s3a all read), so a child
process given `subprocess_environment()` reaches the same place without any code of ours;
nothing patches boto3 in process. In `local`, when no credentials are set, fixed dummy ones
are used, so that no real credentials are needed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

RUNTIME_VARIABLE = "FDQ_RUNTIME"
RUNTIMES = ("local", "aws")
DEFAULT_RUNTIME = "local"
DEFAULT_LOCAL_ENDPOINT = "http://127.0.0.1:4566"
DEFAULT_REGION = "us-east-1"
LOCAL_ACCESS_KEY = "testing"
LOCAL_SECRET_KEY = "testing"


class AwsSettingsError(ValueError):
    """A setting that cannot work (unknown runtime, endpoint that is not a URL)."""


@dataclass(frozen=True)
class AwsSettings:
    runtime: str
    region: str
    endpoint_url: str | None
    """None means the service's own endpoint (runtime `aws` without AWS_ENDPOINT_URL)."""
    access_key: str | None = None
    secret_key: str | None = None
    session_token: str | None = None
    """Credentials from the given environment (or, for `local` without any, dummy ones);
    None leaves them to boto3's standard chain (profiles, instance or task roles)."""

    @property
    def is_local(self) -> bool:
        return self.runtime == "local"

    def with_endpoint(self, endpoint_url: str) -> AwsSettings:
        return replace(self, endpoint_url=_checked_url(endpoint_url))


def settings(environ: Mapping[str, str] | None = None) -> AwsSettings:
    """The settings the environment asks for (FDQ_RUNTIME, AWS_ENDPOINT_URL, AWS_REGION)."""
    env = os.environ if environ is None else environ
    runtime = env.get(RUNTIME_VARIABLE, DEFAULT_RUNTIME).strip().lower() or DEFAULT_RUNTIME
    if runtime not in RUNTIMES:
        raise AwsSettingsError(
            f"{RUNTIME_VARIABLE}={runtime!r}: expected one of {', '.join(RUNTIMES)}"
        )
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    endpoint = env.get("AWS_ENDPOINT_URL") or None
    access_key, secret_key = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
    credentials = {}
    if access_key and secret_key:
        credentials = {
            "access_key": access_key,
            "secret_key": secret_key,
            "session_token": env.get("AWS_SESSION_TOKEN") or None,
        }
    if runtime == "aws":
        return AwsSettings(
            "aws", region, _checked_url(endpoint) if endpoint else None, **credentials
        )
    if not credentials:
        credentials = {"access_key": LOCAL_ACCESS_KEY, "secret_key": LOCAL_SECRET_KEY}
    return AwsSettings(
        "local", region, _checked_url(endpoint or DEFAULT_LOCAL_ENDPOINT), **credentials
    )


def client(service: str, aws: AwsSettings | None = None) -> Any:
    """A boto3 client for `service` that honours the runtime and endpoint settings."""
    import boto3
    from botocore.config import Config

    chosen = aws or settings()
    kwargs: dict[str, Any] = {
        "region_name": chosen.region,
        # The emulator answers at once or not at all: fail fast there.
        "config": Config(retries={"max_attempts": 2 if chosen.is_local else 5, "mode": "standard"}),
    }
    if chosen.endpoint_url:
        kwargs["endpoint_url"] = chosen.endpoint_url
    if chosen.access_key and chosen.secret_key:
        kwargs["aws_access_key_id"] = chosen.access_key
        kwargs["aws_secret_access_key"] = chosen.secret_key
        if chosen.session_token:
            kwargs["aws_session_token"] = chosen.session_token
    return boto3.client(service, **kwargs)


def account_id(aws: AwsSettings | None = None) -> str:
    return str(client("sts", aws).get_caller_identity()["Account"])


def subprocess_environment(aws: AwsSettings) -> dict[str, str]:
    """Variables that point a child process (spark-submit, airflow, the AWS CLI) the same way."""
    variables = {
        RUNTIME_VARIABLE: aws.runtime,
        "AWS_REGION": aws.region,
        "AWS_DEFAULT_REGION": aws.region,
    }
    if aws.endpoint_url:
        variables["AWS_ENDPOINT_URL"] = aws.endpoint_url
    if aws.access_key and aws.secret_key:
        variables["AWS_ACCESS_KEY_ID"] = aws.access_key
        variables["AWS_SECRET_ACCESS_KEY"] = aws.secret_key
        if aws.session_token:
            variables["AWS_SESSION_TOKEN"] = aws.session_token
    return variables


def airflow_connection_extra(aws: AwsSettings) -> dict[str, Any]:
    """The `extra` of an Airflow AWS connection that reaches the same endpoint."""
    extra: dict[str, Any] = {"region_name": aws.region}
    if aws.endpoint_url:
        extra["endpoint_url"] = aws.endpoint_url
    return extra


def _checked_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise AwsSettingsError(f"AWS_ENDPOINT_URL must be an http(s) URL, got {url!r}")
    return url.rstrip("/")
