"""Shared fixtures: one local SparkSession per test run, and one AWS emulator (its own
process, a free port) with the local stack deployed into it by the same commands a
developer runs (`fdq local up`, `fdq local deploy`, `fdq local down`)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fintech_dq.infra import aws, emulator

REPO_ROOT = Path(__file__).resolve().parents[1]
FDQ = [sys.executable, "-m", "fintech_dq.cli"]
ENV_NAME = "local"
DEPLOY_PARAMETERS = ("Tier1Email=oncall@example.com", "Tier2Sms=+4915112345678")


def fdq(
    *args: str, timeout: float = 300, env: dict[str, str] | None = None, cwd: Path = REPO_ROOT
) -> Any:
    """Run the fdq tool as a user would (a child process, from a project checkout)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment.update(env or {})
    return subprocess.run(
        [*FDQ, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
        check=False,
    )


@pytest.fixture(scope="session")
def run_fdq() -> Any:
    return fdq


@pytest.fixture(scope="session")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What a deploy packages, copied once: the deploy tests compare builds of the same tree
    even while the working tree is being edited."""
    root = tmp_path_factory.mktemp("project")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for folder in ("cloudformation", "src", "glue_jobs", "lambdas", "dags", "plugins"):
        if (REPO_ROOT / folder).is_dir():
            shutil.copytree(REPO_ROOT / folder, root / folder, ignore=ignore)
    for name in ("pyproject.toml", "requirements.txt"):
        shutil.copy2(REPO_ROOT / name, root / name)
    return root


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """One Spark session per test run (starting Spark costs seconds; tests share it)."""
    os.environ.setdefault("FDQ_SHUFFLE_PARTITIONS", "4")
    os.environ.setdefault("FDQ_SPARK_DRIVER_MEMORY", "3g")
    from fintech_dq.spark_session import local_spark

    session = local_spark("fintech-dq-tests", cores=2)
    yield session
    session.stop()
    # py4j says goodbye at INFO when its connections are collected at exit, through the
    # handler Airflow's logging set up on pytest's capture stream, closed by then: a
    # "--- Logging error ---" traceback after the summary. Nothing else of py4j's is INFO.
    logging.getLogger("py4j").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def transactions_rules():  # type: ignore[no-untyped-def]
    from fintech_dq.contract import load_rules
    from fintech_dq.rules import DEFAULT_RULES_DIR

    return load_rules(DEFAULT_RULES_DIR / "transactions.yaml")


@dataclass(frozen=True)
class Emulator:
    record: emulator.EmulatorRecord
    state_dir: Path

    @property
    def settings(self) -> aws.AwsSettings:
        return aws.settings({"FDQ_RUNTIME": "local"}).with_endpoint(self.record.endpoint_url)

    def client(self, service: str) -> Any:
        return aws.client(service, self.settings)


@dataclass(frozen=True)
class LocalStack:
    emulator: Emulator
    deploy_output: str
    account: str
    project: Path
    """The copy of the checkout the stack was deployed from."""

    @property
    def settings(self) -> aws.AwsSettings:
        return self.emulator.settings

    def client(self, service: str) -> Any:
        return self.emulator.client(service)

    def stack_name(self, key: str) -> str:
        return f"fdq-{ENV_NAME}-{key}"

    def output(self, key: str, name: str) -> str:
        stack = self.client("cloudformation").describe_stacks(StackName=self.stack_name(key))
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Stacks"][0]["Outputs"]}
        return outputs[name]

    @property
    def data_key_arn(self) -> str:
        return self.output("storage", "DataKeyArn")

    def locked_environment(self, env_name: str) -> Any:
        """An environment's locations with a bucket C of its own, Object Lock COMPLIANCE like
        the deployed one (1 day): a test may write or tamper with its trail freely."""
        from fintech_dq.pipeline.locations import PipelineLocations

        locations = PipelineLocations(env_name=env_name, account=self.account)
        s3 = self.client("s3")
        s3.create_bucket(Bucket=locations.audit_bucket, ObjectLockEnabledForBucket=True)
        s3.put_object_lock_configuration(
            Bucket=locations.audit_bucket,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}},
            },
        )
        return locations


@pytest.fixture(scope="session")
def local_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    state_dir = tmp_path_factory.mktemp("emulator")
    port = emulator.free_port()
    started = fdq("local", "up", "--port", str(port), "--state-dir", str(state_dir), timeout=60)
    assert started.returncode == 0, started.stderr
    record = emulator.running_record(state_dir)
    assert record is not None and record.port == port
    try:
        yield Emulator(record, state_dir)
    finally:
        stopped = fdq("local", "down", "--state-dir", str(state_dir), timeout=60)
        assert stopped.returncode == 0, stopped.stderr


@pytest.fixture(scope="session")
def local_stack(
    local_emulator: Emulator, project_copy: Path, tmp_path_factory: pytest.TempPathFactory
) -> LocalStack:
    build_dir = tmp_path_factory.mktemp("build") / ENV_NAME
    arguments = ["local", "deploy", "--state-dir", str(local_emulator.state_dir)]
    arguments += ["--build-dir", str(build_dir), "--no-layer-dependencies"]
    for parameter in DEPLOY_PARAMETERS:
        arguments += ["--parameter", parameter]
    deployed = fdq(*arguments, cwd=project_copy)
    assert deployed.returncode == 0, deployed.stdout[-3000:] + deployed.stderr[-3000:]
    account = aws.account_id(local_emulator.settings)
    return LocalStack(local_emulator, deployed.stdout, account, project_copy)


# ---------------------------------------------------------------- audit / report (issue 7)
BROWSER_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium (/usr/bin/chromium, installed by scripts/setup) driven by
    playwright; one per test run. Open pages with `browser.new_page()`."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        pytest.fail("chromium is missing: run scripts/setup (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=list(BROWSER_FLAGS)
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def validated_run(
    spark: Any, transactions_rules: Any, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """The results document of one real engine run over a small generated day (300 rows,
    the default defect mix): what the report, metrics and log tests read."""
    from datetime import UTC, date, datetime

    from fintech_dq.engine import OutputLocations, ValidationRequest, validate_batch
    from fintech_dq.sample import generate_day

    day = date(2026, 11, 27)
    root, out = tmp_path_factory.mktemp("landing7"), tmp_path_factory.mktemp("out7")
    generate_day(root, day, rows=300, seed=17)
    request = ValidationRequest(
        dataset="transactions",
        business_date=day,
        inputs=[str(root / "transactions" / f"ingest_date={day.isoformat()}")],
        outputs=OutputLocations.under(out),
        references={"merchants": str(root / "reference" / "merchants" / "merchants.csv")},
        now=datetime(2026, 11, 28, 6, 0, tzinfo=UTC),
    )
    return validate_batch(spark, transactions_rules, request).document
