"""The `fdq` tool: every verb answers --help; usage errors are clear and exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fintech_dq.cli import build_parser

FDQ = [sys.executable, "-m", "fintech_dq.cli"]


def _verb_paths() -> list[list[str]]:
    """Every verb and sub-verb the parser knows, discovered rather than listed by hand."""
    import argparse

    paths: list[list[str]] = []

    def walk(parser: argparse.ArgumentParser, prefix: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    paths.append([*prefix, name])
                    walk(child, [*prefix, name])

    walk(build_parser(), [])
    return paths


def test_top_level_help_lists_the_verbs() -> None:
    result = subprocess.run([*FDQ, "--help"], capture_output=True, text=True, check=True)
    for verb in ("validate", "rules", "sample"):
        assert verb in result.stdout


@pytest.mark.parametrize("path", _verb_paths(), ids=lambda p: " ".join(p))
def test_every_verb_has_help(path: list[str]) -> None:
    result = subprocess.run([*FDQ, *path, "--help"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "usage: fdq " + " ".join(path) in result.stdout


def test_rules_check_reports_problems_with_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("dataset: x\nversion: 1.0.0\ncolumns: {a: {type: strng}}\nrules: []\n")
    result = subprocess.run([*FDQ, "rules", "check", str(broken)], capture_output=True, text=True)
    assert result.returncode == 2
    assert f"{broken}:3:" in result.stderr
    assert "columns.a.type" in result.stderr


@pytest.mark.parametrize("given", ["nope.csv", "empty"])
def test_validate_refuses_a_missing_input_or_a_folder_without_data(
    tmp_path: Path, given: str
) -> None:
    (tmp_path / "empty").mkdir()
    result = subprocess.run(
        [
            *FDQ,
            "validate",
            "--dataset",
            "transactions",
            "--business-date",
            "2026-11-28",
            "--input",
            str(tmp_path / given),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    expected = "does not exist" if given == "nope.csv" else "holds no data files"
    assert f"{tmp_path / given} {expected}" in result.stderr
    assert not (tmp_path / "out").exists()


def test_validate_refuses_a_run_id_holding_a_card_number(tmp_path: Path) -> None:
    """It names a results folder kept 7 years and every written row: it cannot be masked."""
    (tmp_path / "day").mkdir()
    (tmp_path / "day" / "a.csv").write_text("transaction_id\n")
    arguments = ["--dataset", "transactions", "--business-date", "2026-11-28"]
    arguments += ["--input", str(tmp_path / "day"), "--out", str(tmp_path / "out")]
    run_id = "4111 1111 1111 1111"
    result = subprocess.run(
        [*FDQ, "validate", *arguments, "--run-id", run_id], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "the run id holds a card number" in result.stderr
    assert "1111 1111" not in result.stderr + result.stdout
    assert not (tmp_path / "out").exists()


def test_output_cut_short_by_its_reader_ends_quietly() -> None:
    """`fdq rules show | head -1`: no BrokenPipeError traceback, exit 141 like Unix tools."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first write: every write fails
    try:
        result = subprocess.run(
            [*FDQ, "rules", "show", "--dataset", "transactions"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert result.returncode == 141, result.stderr
    assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr


def test_an_unreachable_aws_endpoint_is_a_clear_error_not_a_traceback() -> None:
    closed = {
        **os.environ,
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # the discard port: nothing listens
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_MAX_ATTEMPTS": "1",
    }
    result = subprocess.run(
        [*FDQ, "alerts", "list"], capture_output=True, text=True, env=closed, timeout=120
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(
        "fdq: error: AWS call failed (local emulator at http://127.0.0.1:9)"
    )
    assert "fdq local up" in result.stderr


def test_an_aws_failure_names_the_local_endpoint_even_when_it_is_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from botocore.exceptions import EndpointConnectionError

    from fintech_dq.cli import aws_failure
    from fintech_dq.infra.aws import DEFAULT_LOCAL_ENDPOINT

    refused = EndpointConnectionError(endpoint_url=DEFAULT_LOCAL_ENDPOINT)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("FDQ_RUNTIME", "local")
    assert aws_failure(refused).startswith(
        f"AWS call failed (local emulator at {DEFAULT_LOCAL_ENDPOINT}): "
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4599")  # `fdq local env`'s
    assert aws_failure(refused).startswith(
        "AWS call failed (local emulator at http://127.0.0.1:4599)"
    )
    monkeypatch.setenv("FDQ_RUNTIME", "aws")
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    assert aws_failure(refused).startswith("AWS call failed (AWS): ")


def test_a_missing_bucket_suggests_deploying() -> None:
    from botocore.exceptions import ClientError

    from fintech_dq.cli import aws_failure

    missing = ClientError({"Error": {"Code": "NoSuchBucket", "Message": "gone"}}, "ListObjectsV2")
    assert aws_failure(missing).endswith(
        "(is the environment deployed? `fdq local deploy` or `fdq deploy`)"
    )


def test_a_deploy_to_aws_refuses_the_layer_without_dependencies() -> None:
    environ = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    environ.update(AWS_DEFAULT_REGION="eu-central-1", AWS_REGION="eu-central-1")
    arguments = ["deploy", "--runtime", "aws", "--env", "dev", "--dry-run"]
    result = subprocess.run(
        [*FDQ, *arguments, "--no-layer-dependencies"],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--no-layer-dependencies is for the local emulator only" in result.stderr
