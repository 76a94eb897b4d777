"""The orchestration's pure parts: which day a run is for, one run per announced day, the
sla.missed event of a late run, reprocess requests, the local Airflow's environment."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from fintech_dq.infra import aws
from fintech_dq.orchestration import arrival, local_airflow, runtime
from fintech_dq.orchestration.deadline import sla_missed_fields
from fintech_dq.orchestration.reprocess import parse_request
from fintech_dq.orchestration.run_plan import (
    RunPlanError,
    business_date_for,
    business_date_of_key,
    storage_run_id,
)


def test_the_business_date_is_the_conf_s_else_the_data_interval_start_s() -> None:
    start = datetime(2026, 11, 27, tzinfo=UTC)
    assert business_date_for({}, start) == date(2026, 11, 27)
    assert business_date_for({"business_date": "2026-11-01"}, start) == date(2026, 11, 1)
    assert business_date_for(None, "2026-11-27T00:00:00+00:00") == date(2026, 11, 27)
    with pytest.raises(RunPlanError, match="business_date"):
        business_date_for({}, None)
    with pytest.raises(RunPlanError, match="not a date"):
        business_date_for({"business_date": "27.11.2026"}, start)


def test_run_ids_become_safe_for_keys_and_stay_stable() -> None:
    run_id = "scheduled__2026-11-28T00:00:00+00:00"
    assert storage_run_id(run_id) == "scheduled__2026-11-28T00-00-00-00-00"
    assert storage_run_id(run_id) == storage_run_id(run_id)


def _event(*keys: str, etag: str = "e1") -> SimpleNamespace:
    """An asset event holding S3 "Object Created" events as the emulator sends them."""
    batch = [
        {
            "Body": json.dumps(
                {"detail": {"bucket": {"name": "raw"}, "object": {"key": k, "eTag": etag}}}
            )
        }
        for k in keys
    ]
    return SimpleNamespace(extra={"from_trigger": True, "payload": {"message_batch": batch}})


def test_a_file_announced_twice_gives_one_daily_run_per_day() -> None:
    key = "transactions/ingest_date=2026-11-26/cardnet-001.csv"
    other = "transactions/ingest_date=2026-11-27/ledger-001.parquet"
    events = {"asset": [_event(key), _event(key, other), _event("reference/merchants/m.csv")]}
    runs = arrival.daily_runs(events, lambda run_id: False)
    assert [r["trigger_run_id"] for r in runs] == ["arrival__2026-11-26", "arrival__2026-11-27"]
    assert runs[0]["conf"] == {"business_date": "2026-11-26", "announced_keys": [key]}
    assert business_date_of_key("reference/merchants/m.csv") is None
    no_day = arrival.daily_runs({"asset": [_event("reference/merchants/m.csv")]}, bool)
    assert no_day == []


def test_a_later_announcement_of_a_day_gets_its_own_run_named_by_its_keys() -> None:
    late = "transactions/ingest_date=2026-11-26/cardnet-009.csv"
    again = "transactions/ingest_date=2026-11-26/cardnet-001.csv"
    existing = {"arrival__2026-11-26"}
    [first] = arrival.daily_runs({"a": [_event(late)]}, existing.__contains__)
    [same] = arrival.daily_runs({"a": [_event(late), _event(late)]}, existing.__contains__)
    [other] = arrival.daily_runs({"a": [_event(again)]}, existing.__contains__)
    assert first["trigger_run_id"].startswith("arrival__2026-11-26__")
    assert same["trigger_run_id"] == first["trigger_run_id"]  # delivered twice: one run
    assert other["trigger_run_id"] not in (first["trigger_run_id"], "arrival__2026-11-26")
    assert first["conf"] == {"business_date": "2026-11-26", "announced_keys": [late]}
    # the same file corrected again (same key, new content): a run of its own, not skipped
    [corrected] = arrival.daily_runs({"a": [_event(late, etag="e2")]}, existing.__contains__)
    assert corrected["trigger_run_id"] not in (first["trigger_run_id"], "arrival__2026-11-26")
    assert corrected["conf"] == first["conf"]


def test_only_routine_runs_wait_and_skip_and_the_fingerprint_ignores_times() -> None:
    from datetime import UTC, datetime, timedelta

    from fintech_dq.orchestration import batch_state as bs

    assert bs.is_routine("scheduled__2026-11-27T00:00:00+00:00", "scheduled", {})
    # what a task's context["dag_run"].run_type is (its str() is "DagRunType.SCHEDULED")
    from airflow.sdk.api.datamodels._generated import DagRunType

    assert bs.is_routine("scheduled__2026-11-27T00:00:00+00:00", DagRunType.SCHEDULED, {})
    assert not bs.is_routine("manual__2026-11-27", DagRunType.MANUAL, {})
    assert bs.is_routine("arrival__2026-11-26", "manual", {"business_date": "2026-11-26"})
    assert not bs.is_routine("manual__2026-11-27", "manual", {"business_date": "2026-11-26"})
    reprocess = {"business_date": "2026-11-26", "reprocess_request": "r1"}
    assert not bs.is_routine("arrival__2026-11-26", "manual", reprocess)
    now = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    one = bs.LandedObject("t/a.csv", 10, "e1", now - timedelta(seconds=40))
    two = bs.LandedObject("t/b.csv", 20, "e2", now - timedelta(seconds=5))
    assert bs.quiet_for([one, two], now) == timedelta(seconds=5)
    assert bs.quiet_for([], now) == timedelta(0)
    touched = bs.LandedObject("t/a.csv", 10, "e1", now)  # copied onto itself
    assert bs.fingerprint([two, one]) == bs.fingerprint([touched, two])
    corrected = bs.LandedObject("t/a.csv", 10, "e9", now)  # same name and size, new bytes
    assert bs.fingerprint([one, two]) != bs.fingerprint([corrected, two])
    assert bs.fingerprint([one, two]) != bs.fingerprint([one])


def test_a_late_run_becomes_an_sla_missed_event() -> None:
    context = {
        "dag_run": {
            "dag_id": "transactions_dq_daily",
            "dag_run_id": "scheduled__2026-11-28T00:00:00+00:00",
            "data_interval_start": "2026-11-28T00:00:00Z",
            "conf": {},
            "state": "running",
        },
        "deadline": {"id": "d-1", "deadline_time": "2026-11-29T06:00:00Z"},
    }
    now = datetime(2026, 11, 29, 6, 0, 5, tzinfo=UTC)
    fields = sla_missed_fields(context, now)
    assert fields["event_type"] == "sla.missed"
    assert fields["business_date"] == date(2026, 11, 28)
    assert fields["run_id"] == "scheduled__2026-11-28T00-00-00-00-00"
    assert "2026-11-29T06:00:00Z" in fields["summary"] and fields["occurred_at"] == now
    assert fields["payload"]["deadline_id"] == "d-1"
    assert sla_missed_fields({"dag_run": {"dag_run_id": "x"}}, now)["business_date"] is None


def test_a_reprocess_request_names_who_why_and_every_day() -> None:
    request = parse_request(
        {"start": "2026-11-01", "end": "2026-11-03", "requested_by": "jane.doe",
         "reason": "rule fixed in rules v1.4 (DQ-123)"},
        "manual__2026-11-29T08:00:00+00:00",
    )  # fmt: skip
    assert request.days == [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]
    kwargs = request.trigger_kwargs()
    assert kwargs[0]["trigger_run_id"].startswith("reprocess__2026-11-01__manual__")
    assert kwargs[2]["conf"]["business_date"] == "2026-11-03"
    assert kwargs[0]["conf"]["requested_by"] == "jane.doe"
    with pytest.raises(RunPlanError) as error:
        parse_request({"start": "2026-11-03", "end": "2026-11-01"}, "r")
    message = str(error.value)
    assert "requested_by is required" in message and "reason is required" in message
    with pytest.raises(RunPlanError, match="before start"):
        parse_request(
            {"start": "2026-11-03", "end": "2026-11-01", "requested_by": "a",
             "reason": "a good reason"}, "r",
        )  # fmt: skip


def test_parse_time_settings_come_from_the_environment_only() -> None:
    env = {"FDQ_RUNTIME": "aws", "FDQ_ENV_NAME": "prod", "AWS_REGION": "eu-central-1",
           "FDQ_AWS_ACCOUNT_ID": "111122223333"}  # fmt: skip
    assert runtime.is_aws(env) and runtime.env_name(env) == "prod"
    assert runtime.landing_queue_url(env) == (
        "https://sqs.eu-central-1.amazonaws.com/111122223333/fdq-prod-landing-events"
    )
    assert runtime.landing_queue_url({"FDQ_RUNTIME": "local"}) is None
    assert runtime.daily_deadline({}) == timedelta(hours=6)
    assert runtime.daily_deadline({"FDQ_DAILY_DEADLINE_SECONDS": "20"}) == timedelta(seconds=20)
    with pytest.raises(ValueError):
        runtime.daily_deadline({"FDQ_DAILY_DEADLINE_SECONDS": "0"})
    assert runtime.landing_quiet_seconds(env) == 300
    assert runtime.landing_quiet_seconds({"FDQ_RUNTIME": "local"}) == 10
    assert runtime.landing_quiet_seconds({"FDQ_LANDING_QUIET_SECONDS": "0"}) == 0
    with pytest.raises(ValueError):
        runtime.landing_quiet_seconds({"FDQ_LANDING_QUIET_SECONDS": "-1"})


def test_the_local_airflow_gets_the_dags_sqlite_and_the_aws_fdq_connection(
    tmp_path: Path,
) -> None:
    settings = aws.settings({"FDQ_RUNTIME": "local"}).with_endpoint("http://127.0.0.1:4599")
    env = local_airflow.airflow_environment(
        tmp_path, settings, port=8099, landing_queue_url="http://q", base={"PATH": "/usr/bin"}
    )
    assert env["AIRFLOW_HOME"] == str(tmp_path)
    assert env["AIRFLOW__CORE__DAGS_FOLDER"].endswith("/dags")
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("sqlite:///")
    assert env["PATH"].split(":")[0].endswith("/bin") and env["PATH"].endswith("/usr/bin")
    connection = json.loads(env["AIRFLOW_CONN_AWS_FDQ"])
    assert connection["conn_type"] == "aws"
    assert connection["extra"]["endpoint_url"] == "http://127.0.0.1:4599"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4599" and env["FDQ_RUNTIME"] == "local"
    assert env["FDQ_LANDING_QUEUE_URL"] == "http://q"


def test_fdq_local_airflow_status_says_when_nothing_runs(run_fdq: Any, tmp_path: Path) -> None:
    answer = run_fdq("local", "airflow", "status", "--home", str(tmp_path))
    assert answer.returncode == 1 and "not running" in answer.stdout
    answer = run_fdq("local", "airflow", "down", "--home", str(tmp_path))
    assert answer.returncode == 0 and "no local airflow recorded" in answer.stdout


def test_the_business_day_of_a_run_as_the_api_shows_it() -> None:
    from fintech_dq.orchestration.local_airflow import business_day_of

    scheduled = {"conf": {}, "run_type": "scheduled",
                 "data_interval_start": "2026-11-29T00:00:00Z"}  # fmt: skip
    assert business_day_of(scheduled) == "2026-11-29"
    arrival = {"conf": {"business_date": "2026-11-28"}, "run_type": "manual",
               "data_interval_start": None}  # fmt: skip
    assert business_day_of(arrival) == "2026-11-28"
    assert business_day_of({"conf": {}, "run_type": "manual"}) is None


def test_an_unreadable_check_record_means_the_day_is_checked_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import io

    from fintech_dq.orchestration import batch_state as bs
    from fintech_dq.pipeline.locations import PipelineLocations

    class _S3:  # get_object only, as boto3 answers it
        class exceptions:  # boto3 names it so
            NoSuchKey = KeyError

        def __init__(self, body: bytes | None) -> None:
            self.body = body

        def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
            if self.body is None:
                raise KeyError(Key)
            return {"Body": io.BytesIO(self.body)}

    where = PipelineLocations(env_name="local", account="123456789012")
    day = date(2026, 11, 26)
    assert bs.read_checked(_S3(None), where, day) is None
    assert bs.read_checked(_S3(b'{"fingerprint": "f"}'), where, day) == {"fingerprint": "f"}
    assert bs.read_checked(_S3(b"{trunc"), where, day) is None
    assert bs.checked_key(where.results_prefix, day) in caplog.text
    assert bs.read_checked(_S3(b"[1, 2]"), where, day) is None


def test_a_routine_run_checks_a_day_again_when_its_files_or_the_rules_changed() -> None:
    from fintech_dq.orchestration.batch_state import why_check

    settled = {"fingerprint": "f1", "files": 3}
    last = {"fingerprint": "f1", "files": 3, "run_id": "r", "rules_sha256": "s1"}
    assert why_check(last, settled, "s1") is None
    assert why_check(None, settled, "s1") == "no completed check of the day is recorded"
    assert why_check(last, {**settled, "fingerprint": "f2"}, "s1") == (
        "the day's files changed since its last check"
    )
    assert why_check(last, settled, "s2") == "the rules changed since the day's last check"
    # a record written before the rules were recorded: checked again, once
    older = {k: v for k, v in last.items() if k != "rules_sha256"}
    assert why_check(older, settled, "s1") == "the rules changed since the day's last check"
