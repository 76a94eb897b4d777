"""The validate task's log says where the validation job's own log is."""

from __future__ import annotations

import io
import json
import logging
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fintech_dq.pipeline import validation_job
from fintech_dq.pipeline.locations import PipelineLocations


class _S3:
    def get_object(self, **_: Any) -> dict[str, Any]:
        return {"Body": io.BytesIO(json.dumps({"status": "passed"}).encode())}


def test_the_task_log_names_the_jobs_run_log(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    where = PipelineLocations(env_name="local", account="123456789012")
    monkeypatch.setattr(validation_job.aws, "client", lambda *_, **__: _S3())
    monkeypatch.setattr(validation_job, "_stage", lambda *_: None)
    monkeypatch.setattr(validation_job, "_run_in_process", lambda *_: None)
    monkeypatch.setattr(validation_job, "_publish_partitions", lambda *_: None)
    with caplog.at_level(logging.INFO, logger="fintech_dq.pipeline.validation_job"):
        validation_job.run_validation_job_locally(
            where, date(2026, 11, 29), "manual__r-1", workdir=tmp_path, in_process=True
        )
    expected = (
        "s3://fdq-local-audit-123456789012/logs/transactions/run_id=manual__r-1/glue-validate/"
    )
    assert validation_job.job_log_uri(where, "manual__r-1") == expected
    assert f"its run log is {expected}" in caplog.text
