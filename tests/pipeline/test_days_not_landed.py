"""A business date that never landed (or was never run), asked for by a user: `fdq pipeline
run` and `fdq schema diff` refuse it with one clean line (exit 2) and write nothing;
`fdq pipeline fetch` copies only the asked date's objects and refuses a date with none.
Against the emulator (buckets made here, no deploy), the CLI run as a user runs it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fintech_dq.infra import aws
from fintech_dq.pipeline.landing import NothingLanded, require_landed
from fintech_dq.pipeline.locations import PipelineLocations

ENV = "notlanded"
LANDED = date(2026, 11, 27)
ONLY_MANIFESTS = date(2026, 11, 26)
NEVER = date(2026, 11, 28)


@pytest.fixture(scope="module")
def where(local_emulator: Any) -> dict[str, Any]:
    settings = local_emulator.settings
    locations = PipelineLocations(env_name=ENV, account=aws.account_id(settings))
    s3 = local_emulator.client("s3")
    for bucket in (locations.raw_bucket, locations.processed_bucket, locations.audit_bucket):
        s3.create_bucket(Bucket=bucket)
    landed = locations.landing_prefix(LANDED)
    s3.put_object(Bucket=locations.raw_bucket, Key=landed + "cardnet-001.csv", Body=b"a,b\n1,2\n")
    s3.put_object(
        Bucket=locations.raw_bucket, Key=landed + "cardnet-001.csv.manifest.json", Body=b"{}"
    )
    manifest_only = locations.landing_prefix(ONLY_MANIFESTS) + "cardnet-001.csv.manifest.json"
    s3.put_object(Bucket=locations.raw_bucket, Key=manifest_only, Body=b"{}")
    env = aws.subprocess_environment(settings) | {"FDQ_ENV_NAME": ENV}
    return {"locations": locations, "settings": settings, "s3": s3, "env": env}


def _keys(s3: Any, bucket: str) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_only_data_files_count_as_landed(where: dict[str, Any]) -> None:
    locations, settings = where["locations"], where["settings"]
    prefix = locations.landing_prefix(LANDED)
    assert require_landed(locations, LANDED, settings) == [prefix + "cardnet-001.csv"]
    for day in (ONLY_MANIFESTS, NEVER):
        with pytest.raises(NothingLanded) as refused:
            require_landed(locations, day, settings)
        uri = locations.s3_uri(locations.raw_bucket, locations.landing_prefix(day))
        assert str(refused.value) == f"nothing landed for {day} under {uri}"
        assert isinstance(refused.value, FileNotFoundError)  # what callers caught before


@pytest.mark.parametrize("days", ["1", "3"])
def test_pipeline_run_refuses_a_day_that_never_landed_without_a_traceback(
    where: dict[str, Any], run_fdq: Any, days: str
) -> None:
    ran = run_fdq(
        "pipeline",
        "run",
        "--business-date",
        NEVER.isoformat(),
        "--days",
        days,
        env=where["env"],
        timeout=120,
    )
    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert "Traceback" not in ran.stderr
    uri = where["locations"].s3_uri(
        where["locations"].raw_bucket, where["locations"].landing_prefix(NEVER)
    )
    assert ran.stderr.startswith("fdq: error: nothing landed for ")
    assert f"nothing landed for {NEVER} under {uri}" in ran.stderr
    assert len(ran.stderr.strip().splitlines()) == 1
    if days == "3":  # every missing day named before any day runs (the 27th did land)
        assert f"nothing landed for {ONLY_MANIFESTS} " in ran.stderr
        assert f"for {LANDED} " not in ran.stderr
    assert ran.stdout == ""  # no day ran
    assert _keys(where["s3"], where["locations"].audit_bucket) == []


def test_schema_diff_refuses_a_day_that_never_landed_and_stores_nothing(
    where: dict[str, Any], run_fdq: Any
) -> None:
    for day in (NEVER, ONLY_MANIFESTS):
        diffed = run_fdq("schema", "diff", "--date", day.isoformat(), env=where["env"], timeout=120)
        assert diffed.returncode == 2, diffed.stdout + diffed.stderr
        assert diffed.stderr.startswith(f"fdq: error: nothing landed for {day} under s3://")
        assert "Traceback" not in diffed.stderr and diffed.stdout == ""
    assert _keys(where["s3"], where["locations"].audit_bucket) == []


def test_fetch_copies_only_the_days_objects_and_refuses_a_day_without_any(
    where: dict[str, Any], run_fdq: Any, tmp_path: Path
) -> None:
    locations, s3 = where["locations"], where["s3"]
    processed, audit = locations.processed_bucket, locations.audit_bucket
    written = []
    for day in (LANDED, ONLY_MANIFESTS):
        partition = f"business_date={day}/"
        for bucket, key in (
            (processed, f"{locations.output_prefix('processed')}{partition}p.parquet"),
            (audit, f"{locations.results_prefix}{partition}run_id=r/results.json"),
            (audit, f"reports/{locations.dataset}/{partition}run_id=r/report.html"),
            (audit, f"{locations.schema_prefix}{partition}table_version=1/diff.json"),
        ):
            s3.put_object(Bucket=bucket, Key=key, Body=b"x")
            written.append((day, bucket, key))
    index = f"reports/{locations.dataset}/index.html"
    s3.put_object(Bucket=locations.audit_bucket, Key=index, Body=b"<html/>")
    try:
        fetched = run_fdq(
            "pipeline",
            "fetch",
            "--business-date",
            LANDED.isoformat(),
            "--to",
            str(tmp_path / "one"),
            env=where["env"],
            timeout=120,
        )
        assert fetched.returncode == 0, fetched.stderr
        assert f"4 objects of business date {LANDED} copied" in fetched.stdout
        copied = sorted(
            p.relative_to(tmp_path / "one").as_posix()
            for p in (tmp_path / "one").rglob("*")
            if p.is_file()
        )
        expected = [f"{b}/{k}" for d, b, k in written if d == LANDED]
        assert copied == sorted([*expected, f"{locations.audit_bucket}/{index}"])

        nothing = run_fdq(
            "pipeline",
            "fetch",
            "--business-date",
            NEVER.isoformat(),
            "--to",
            str(tmp_path / "none"),
            env=where["env"],
            timeout=120,
        )
        assert nothing.returncode == 2, nothing.stdout + nothing.stderr
        assert nothing.stderr.startswith(f"fdq: error: nothing stored for business date {NEVER}")
        assert not [p for p in (tmp_path / "none").rglob("*") if p.is_file()]
    finally:
        for _, bucket, key in written:
            s3.delete_object(Bucket=bucket, Key=key)
        s3.delete_object(Bucket=locations.audit_bucket, Key=index)
