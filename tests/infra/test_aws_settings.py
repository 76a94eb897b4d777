"""Where AWS calls go is decided by settings alone (FDQ_RUNTIME, AWS_ENDPOINT_URL)."""

from __future__ import annotations

import pytest

from fintech_dq.infra import aws


def test_local_is_the_default_and_needs_no_credentials() -> None:
    chosen = aws.settings({})
    assert chosen.runtime == "local" and chosen.is_local
    assert chosen.endpoint_url == aws.DEFAULT_LOCAL_ENDPOINT
    assert (chosen.access_key, chosen.secret_key) == ("testing", "testing")
    assert chosen.region == "us-east-1"


def test_local_honours_the_standard_endpoint_setting_and_given_credentials() -> None:
    chosen = aws.settings({
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5123/", "AWS_REGION": "eu-central-1",
        "AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s",
    })  # fmt: skip
    assert chosen.endpoint_url == "http://127.0.0.1:5123"
    assert chosen.region == "eu-central-1"
    assert (chosen.access_key, chosen.secret_key) == ("AKIA", "s")


def test_without_credentials_aws_leaves_them_to_the_standard_chain() -> None:
    assert aws.settings({"FDQ_RUNTIME": "aws"}).access_key is None


def test_aws_runtime_uses_the_services_own_endpoints_unless_told() -> None:
    assert aws.settings({"FDQ_RUNTIME": "aws"}).endpoint_url is None
    assert (
        aws.settings({"FDQ_RUNTIME": "AWS", "AWS_DEFAULT_REGION": "eu-west-1"}).region
        == "eu-west-1"
    )
    told = aws.settings({"FDQ_RUNTIME": "aws", "AWS_ENDPOINT_URL": "https://vpce.example"})
    assert told.endpoint_url == "https://vpce.example"


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"FDQ_RUNTIME": "cloud"}, "expected one of local, aws"),
        ({"AWS_ENDPOINT_URL": "127.0.0.1:4566"}, "must be an http"),
    ],
)
def test_bad_settings_are_named(environ: dict[str, str], message: str) -> None:
    with pytest.raises(aws.AwsSettingsError, match=message):
        aws.settings(environ)


def test_clients_carry_the_endpoint_and_children_inherit_it() -> None:
    chosen = aws.settings({}).with_endpoint("http://127.0.0.1:4999")
    s3 = aws.client("s3", chosen)
    assert s3.meta.endpoint_url == "http://127.0.0.1:4999"
    assert s3.meta.region_name == "us-east-1"
    child = aws.subprocess_environment(chosen)
    assert child["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4999"
    assert child["FDQ_RUNTIME"] == "local"
    assert child["AWS_ACCESS_KEY_ID"] == "testing"
    assert aws.airflow_connection_extra(chosen) == {
        "region_name": "us-east-1",
        "endpoint_url": "http://127.0.0.1:4999",
    }
    assert "AWS_ENDPOINT_URL" not in aws.subprocess_environment(
        aws.settings({"FDQ_RUNTIME": "aws"})
    )
