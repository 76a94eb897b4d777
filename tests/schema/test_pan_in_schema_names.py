"""A column named by a card number: `fdq schema crawl` and `fdq schema diff` print it masked
and the diff document stored in bucket C (Object Lock: never erased) holds it masked."""

from __future__ import annotations

import contextlib
import csv
import io
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fintech_dq.cli import main
from fintech_dq.infra import aws
from fintech_dq.pipeline.locations import PipelineLocations
from fintech_dq.pipeline.staging import upload_tree
from fintech_dq.rules import rules_path
from fintech_dq.sample import DefectMix, generate_day

DAY = date(2026, 11, 21)
PAN = "4111111111111111"


def _day_with_a_pan_column(root: Path) -> Path:
    generate_day(root, DAY, 20, 11, DefectMix.named("none"), formats=("csv",))
    folder = root / "transactions" / f"ingest_date={DAY.isoformat()}"
    for manifest in folder.glob("*.manifest.json"):
        manifest.unlink()
    (data,) = folder.glob("*.csv")
    with data.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, [*rows[0], PAN])
        writer.writeheader()
        writer.writerows({**row, PAN: "x"} for row in rows)
    return folder


def _fdq(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue() + err.getvalue()


def test_crawl_and_diff_mask_a_column_named_by_a_card_number(
    local_stack: Any, spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where = PipelineLocations(env_name="local", account=local_stack.account, dataset="pan_names")
    rules_copy = tmp_path / "pan_names.yaml"
    shutil.copyfile(rules_path("transactions"), rules_copy)
    s3 = local_stack.client("s3")
    upload_tree(s3, _day_with_a_pan_column(tmp_path / "day"), where.raw_bucket,
                where.landing_prefix(DAY))  # fmt: skip
    for name, value in aws.subprocess_environment(local_stack.settings).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FDQ_ENV_NAME", "local")
    common = ["--date", DAY.isoformat(), "--dataset", "pan_names", "--rules", str(rules_copy)]

    code, crawl = _fdq("schema", "crawl", *common)
    assert code == 0, crawl[-2000:]
    assert "411111******1111" in crawl
    code, diff = _fdq("schema", "diff", *common, "--run-id", "pan-1")
    assert code == 0, diff[-2000:]
    assert "column 411111******1111" in diff
    code, as_json = _fdq("schema", "diff", *common, "--run-id", "pan-2", "--json")
    assert PAN not in crawl + diff + as_json

    listed = s3.list_objects_v2(Bucket=where.audit_bucket, Prefix=where.schema_prefix)
    keys = [o["Key"] for o in listed.get("Contents", []) if o["Key"].endswith("diff.json")]
    assert keys
    for key in keys:
        stored = s3.get_object(Bucket=where.audit_bucket, Key=key)["Body"].read().decode()
        assert "411111******1111" in stored
        assert PAN not in stored
