"""Run logs in the emulator's bucket C: one run traced across components by its run id,
and every line scanned: no card number, no secret."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fintech_dq.masking import luhn_valid
from fintech_dq.pipeline.locations import PipelineLocations
from fintech_dq.run_logs import RunLog, read_run_log, run_prefix

CARD_LIKE = re.compile(r"(?<![0-9])(?:[0-9][ -]?){12,18}[0-9](?![0-9])")
PAN, SPACED_PAN = "4111111111111111", "5500 0055 5555 5559"
SECRETS = ("hunter2-very-secret", "AKIAABCDEFGHIJKLMNOP", "eyJhbGciOiJIUzI1NiJ9.payload")


def _card_numbers(text: str) -> list[str]:
    return [m for m in CARD_LIKE.findall(text) if luhn_valid(re.sub(r"[ -]", "", m))]


def test_one_run_is_traced_across_components_and_no_line_leaks(
    local_stack: Any, validated_run: dict[str, Any]
) -> None:
    locations = PipelineLocations(env_name="local", account=local_stack.account)
    run_id = validated_run["run_id"]
    ticks = iter(datetime(2026, 11, 28, 6, 0, tzinfo=UTC) + timedelta(seconds=i) for i in range(99))

    def clock() -> datetime:
        return next(ticks)

    dag = RunLog(locations, run_id, "airflow-daily", local_stack.settings, clock=clock)
    dag.info("validation job started", business_date=validated_run["business_date"])
    dag.flush()
    glue = RunLog(locations, run_id, "glue-validate", local_stack.settings, clock=clock)
    logger = logging.getLogger("fdq.test.glue")
    logger.setLevel(logging.INFO)
    with pytest.raises(RuntimeError), glue.capturing(logger):
        logger.info("row with card %s and %s", PAN, SPACED_PAN)
        for rule in validated_run["rule_results"]:  # the engine's own failure messages
            for sample in rule["samples"]:
                logger.warning("%s: %s", rule["rule_id"], sample["message"])
        logger.info("connecting", extra={"unused": True})
        glue.info(
            "settings",
            password=SECRETS[0],
            aws_access_key_id=SECRETS[1],
            headers={"Authorization": f"Bearer {SECRETS[2]}"},
            note=f"token={SECRETS[0]}",
        )
        raise RuntimeError(f"failed on card {PAN}")
    handler = RunLog(
        locations, run_id, "lambda-validation-issue-handler", local_stack.settings, clock=clock
    )
    handler.info("alert opened", detail={"sample": f"pan {PAN}"}, key_id=SECRETS[1])
    handler.flush()

    s3 = local_stack.client("s3")
    keys = [
        o["Key"]
        for o in s3.list_objects_v2(
            Bucket=locations.audit_bucket, Prefix=run_prefix(locations, run_id)
        )["Contents"]
    ]
    assert {k.split("/")[3] for k in keys} == {
        "airflow-daily",
        "glue-validate",
        "lambda-validation-issue-handler",
    }
    lines = read_run_log(locations, run_id, local_stack.settings)
    assert [line["component"] for line in (lines[0], lines[-1])] == [
        "airflow-daily",
        "lambda-validation-issue-handler",
    ]
    assert all(line["run_id"] == run_id for line in lines)
    assert any("411111******1111" in line["message"] for line in lines)
    assert any(line["level"] == "ERROR" and "RuntimeError" in line["error"] for line in lines)
    # The scan: every byte of every log object of the run.
    for key in keys:
        raw = s3.get_object(Bucket=locations.audit_bucket, Key=key)["Body"].read().decode()
        for text in raw.splitlines():
            json.loads(text)  # each line is one JSON document
            # The run id is random digits and hex after the date; "2026-11-27-325987..."
            # can pass this loose test, so it is taken out first (it is no card number).
            assert _card_numbers(text.replace(run_id, "<run id>")) == [], text
            for secret in SECRETS:
                assert secret not in text, text
