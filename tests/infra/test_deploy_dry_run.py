"""`fdq deploy --dry-run` against the emulator: every upload and change set shown, nothing
executed or written; and a redeploy of an unchanged tree changes nothing."""

from __future__ import annotations

import re
from typing import Any

from fintech_dq.infra.deploy import STACK_KEYS


def _deploy(run_fdq: Any, local_stack: Any, *arguments: str) -> Any:
    endpoint = local_stack.emulator.record.endpoint_url
    return run_fdq(
        "deploy", *arguments, "--no-layer-dependencies",
        env={"FDQ_RUNTIME": "local", "AWS_ENDPOINT_URL": endpoint}, cwd=local_stack.project,
    )  # fmt: skip


def test_dry_run_of_a_new_environment_shows_everything_and_changes_nothing(
    run_fdq: Any, local_stack: Any, tmp_path: Any
) -> None:
    cfn = local_stack.client("cloudformation")
    s3 = local_stack.client("s3")
    buckets_before = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    result = _deploy(run_fdq, local_stack, "--env", "ci", "--dry-run", "--build-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "dry run: nothing is executed or uploaded" in out
    for key in STACK_KEYS:
        assert f"[stack] fdq-ci-{key}: change set CREATE" in out, key
        assert re.search(rf"\[stack\] fdq-ci-{key}: \d+ changes, not executed", out), key
    for logical in (
        "AuditBucket",
        "ValidationJob",
        "AlertTable",
        "GlueFailuresAlarm",
        "Environment",
    ):
        assert re.search(rf"Add\s+{logical}\s", out), logical
    uploads = [line for line in out.splitlines() if line.startswith("[upload]")]
    assert len(uploads) == len([x for x in out.splitlines() if x.startswith("[package]")])
    assert all("would upload" in line for line in uploads)
    assert any("s3://airflow-fdq-ci-" in line and "requirements.txt" in line for line in uploads)
    assert "PluginsObjectVersion=pending-upload" in out
    # Nothing was left behind: no stack, no change set, no bucket.
    for key in STACK_KEYS:
        name = f"fdq-ci-{key}"
        stacks = [s for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == name]
        assert all(s["StackStatus"] == "DELETE_COMPLETE" for s in stacks), name
    assert {b["Name"] for b in s3.list_buckets()["Buckets"]} == buckets_before


def test_dry_run_of_the_deployed_environment_finds_nothing_to_do(
    run_fdq: Any, local_stack: Any, tmp_path: Any
) -> None:
    arguments = ["--env", "local", "--dry-run", "--build-dir", str(tmp_path)]
    for parameter in ("Tier1Email=oncall@example.com", "Tier2Sms=+4915112345678"):
        arguments += ["--parameter", parameter]
    result = _deploy(run_fdq, local_stack, *arguments)
    assert result.returncode == 0, result.stderr
    for key in STACK_KEYS:
        assert f"[stack] fdq-local-{key}: no changes" in result.stdout, key
    uploads = [line for line in result.stdout.splitlines() if line.startswith("[upload]")]
    assert uploads and all("unchanged" in line for line in uploads)


def test_dry_run_shows_what_a_changed_parameter_would_change(
    run_fdq: Any, local_stack: Any, tmp_path: Any
) -> None:
    arguments = ["--env", "local", "--dry-run", "--stacks", "storage,events-and-alerts"]
    arguments += ["--build-dir", str(tmp_path), "--parameter", "Tier3Email=head@example.com"]
    result = _deploy(run_fdq, local_stack, *arguments)
    assert result.returncode == 0, result.stderr
    assert "[stack] fdq-local-events-and-alerts: change set UPDATE" in result.stdout
    assert "Tier3Email=head@example.com" in result.stdout
    assert "[stack] fdq-local-catalog-and-jobs" not in result.stdout  # not selected
    sns = local_stack.client("sns")
    assert "head@example.com" not in {
        s["Endpoint"] for s in sns.list_subscriptions()["Subscriptions"]
    }


def test_usage_errors_are_named(run_fdq: Any, local_stack: Any) -> None:
    bad_env = _deploy(run_fdq, local_stack, "--env", "Prod_1", "--dry-run")
    assert bad_env.returncode == 2 and "lowercase letters and digits" in bad_env.stderr
    unknown = _deploy(run_fdq, local_stack, "--env", "ci", "--dry-run", "--parameter", "Nope=1")
    assert (
        unknown.returncode == 2
        and "no selected stack declares the parameters ['Nope']" in unknown.stderr
    )
    stacks = _deploy(run_fdq, local_stack, "--env", "ci", "--dry-run", "--stacks", "storage,dns")
    assert stacks.returncode == 2 and "unknown stacks ['dns']" in stacks.stderr


def test_a_redeploy_keeps_the_parameters_an_earlier_deploy_was_given(
    run_fdq: Any, local_stack: Any, tmp_path: Any
) -> None:
    """Leaving out --parameter Tier1Email=... must not reset it (the pager's subscription)."""
    arguments = ["--env", "local", "--dry-run", "--stacks", "storage,events-and-alerts"]
    result = _deploy(run_fdq, local_stack, *arguments, "--build-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Tier1Email=oncall@example.com" in result.stdout  # as the fixture deployed it
    assert "Tier2Sms=+4915112345678" in result.stdout
    assert "[stack] fdq-local-events-and-alerts: no changes" in result.stdout
