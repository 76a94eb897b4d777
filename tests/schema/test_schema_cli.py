"""`fdq schema` as a user runs it against the emulator: a file that differs from its
siblings is named by the crawl, `diff` reports the additive change, `accept` updates a copy
of the contract (version bumped) and the next diff is clean."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path
from typing import Any

from fintech_dq.audit import AuditTrail
from fintech_dq.contract import load_rules
from fintech_dq.infra import aws
from fintech_dq.pipeline.locations import PipelineLocations
from fintech_dq.pipeline.staging import upload_tree
from fintech_dq.rules import rules_path
from fintech_dq.sample import DefectMix, generate_day
from fintech_dq.schema import crawl_locally

DAY = date(2026, 11, 20)


def _two_csv_files_one_with_an_extra_column(root: Path) -> Path:
    generate_day(root, DAY, 40, 11, DefectMix.named("none"), formats=("csv",),
                 max_rows_per_file=20)  # fmt: skip
    folder = root / "transactions" / f"ingest_date={DAY.isoformat()}"
    for manifest in folder.glob("*.manifest.json"):
        manifest.unlink()
    first, second = sorted(folder.glob("cardnet-*"))
    second.unlink()  # replaced by a copy of the first with one more column
    with first.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with (folder / "cardnet-002.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, [*rows[0], "loyalty_points"])
        writer.writeheader()
        writer.writerows({**row, "loyalty_points": str(i)} for i, row in enumerate(rows))
    return folder


def test_crawl_names_the_odd_file_then_diff_and_accept_from_the_cli(
    local_stack: Any, spark: Any, run_fdq: Any, tmp_path: Path
) -> None:
    where = PipelineLocations(env_name="local", account=local_stack.account, dataset="drift_cli")
    rules_copy = tmp_path / "drift_cli.yaml"
    shutil.copyfile(rules_path("transactions"), rules_copy)
    folder = _two_csv_files_one_with_an_extra_column(tmp_path / "day")
    upload_tree(local_stack.client("s3"), folder, where.raw_bucket, where.landing_prefix(DAY))

    update = crawl_locally(where, DAY, local_stack.settings, spark, rules=load_rules(rules_copy))
    assert update.odd_files == (f"{where.landing_prefix(DAY)}cardnet-002.csv",)
    assert update.schema.column("loyalty_points").type == "bigint"  # type: ignore[union-attr]

    env = {**aws.subprocess_environment(local_stack.settings), "FDQ_ENV_NAME": "local"}
    common = ["--date", DAY.isoformat(), "--dataset", "drift_cli", "--rules", str(rules_copy)]
    diff = run_fdq("schema", "diff", *common, "--run-id", "cli-1", env=env)
    assert diff.returncode == 0, diff.stderr[-2000:]
    assert "schema additive (0 breaking, 1 additive" in diff.stdout
    assert (
        "[additive] vs contract: column loyalty_points (bigint) is not in the contract"
        in diff.stdout
    )

    before = load_rules(rules_copy).version
    major, minor, _ = before.split(".")
    after = f"{major}.{int(minor) + 1}.0"  # an additive change bumps the minor version
    accept = run_fdq(
        "schema", "accept", *common, "--by", "alice@bank.example", "--reason", "DQ-42 agreed",
        env=env,
    )  # fmt: skip
    assert accept.returncode == 0, accept.stderr[-2000:]
    assert f"{rules_copy}: version {before} -> {after}" in accept.stdout
    accepted = load_rules(rules_copy)
    assert accepted.column("loyalty_points").type == "decimal(20,0)"
    assert accepted.column_names[-1] == "loyalty_points"

    (record,) = [
        r
        for r in AuditTrail(where, local_stack.settings).records("schema")
        if r.action == "contract.accepted" and r.actor == "alice@bank.example"
    ]
    assert record.subject == f"transactions rules {before} -> {after}"
    assert record.details["reason"] == "DQ-42 agreed"
    assert record.details["rules_sha256"]["after"] == accepted.source_sha256
    assert [c["column"] for c in record.details["changes"]] == ["loyalty_points"]

    clean = run_fdq("schema", "diff", *common, "--run-id", "cli-2", env=env)
    assert clean.returncode == 0, clean.stderr[-2000:]
    assert "schema none (0 breaking, 0 additive" in clean.stdout

    nothing = run_fdq("schema", "accept", *common, "--by", "bob", "--reason", "again", env=env)
    assert nothing.returncode == 2
    assert "the contract already matches catalog version 1" in nothing.stderr

    # a day that was not crawled: nothing to accept (the latest version is another day's)
    other = ["--date", "2026-12-05", "--dataset", "drift_cli", "--rules", str(rules_copy)]
    refused = run_fdq("schema", "accept", *other, "--by", "bob", "--reason", "wrong day", env=env)
    assert refused.returncode == 2
    assert "no partition 2026-12-05 of" in refused.stderr
