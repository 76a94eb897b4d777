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


def test_a_cleared_run_is_a_persons_rerun_and_checks_the_day() -> None:
    """Clear is the documented way to rerun a day: a cleared scheduled or arrival run
    (Airflow counts each Clear in the dag run's clear_number) neither waits nor skips."""
    from fintech_dq.orchestration import batch_state as bs
    from fintech_dq.orchestration.steps import needs_check

    scheduled = "scheduled__2026-11-27T00:00:00+00:00"
    assert bs.is_routine(scheduled, "scheduled", {}, clear_number=0)
    assert not bs.is_routine(scheduled, "scheduled", {}, clear_number=1)
    assert not bs.is_routine("arrival__2026-11-26", "manual", {}, clear_number=2)
    # a run whose plan said "routine" but that was cleared from skip_if_checked on checks
    # before anything is read (no S3 call: this needs no emulator)
    plan = {"routine": "yes", "business_date": "2026-11-26"}
    assert needs_check(plan, {"fingerprint": "f"}, clear_number=1) is True


def test_a_corrected_reference_table_makes_a_routine_run_check_the_day() -> None:
    from fintech_dq.orchestration import batch_state as bs

    now = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    files = [bs.LandedObject("transactions/ingest_date=2026-11-26/a.csv", 10, "e1", now)]
    merchants = [bs.LandedObject("reference/merchants/merchants.csv", 99, "m1", now)]
    corrected = [bs.LandedObject("reference/merchants/merchants.csv", 99, "m2", now)]
    settled = bs.summary(files, merchants)
    assert settled["files"] == 1 and settled["reference_files"] == 1
    last = {**settled, "run_id": "r", "rules_sha256": "s1"}
    assert bs.why_check(last, settled, "s1") is None
    assert bs.why_check(last, bs.summary(files, corrected), "s1") == (
        "the reference data (reference/merchants/) changed since the day's last check"
    )
    # a record from before the reference data was recorded: checked again, once
    older = {k: v for k, v in last.items() if not k.startswith("reference_")}
    assert bs.why_check(older, settled, "s1") is not None


def test_a_missed_deadline_names_the_run_its_state_its_link_and_what_it_waits_for() -> None:
    run = {
        "dag_id": "transactions_dq_daily",
        "dag_run_id": "scheduled__2026-11-28T00:00:00+00:00",
        "data_interval_start": "2026-11-28T00:00:00Z",
        "conf": {},
        "state": "running",
    }
    deadline = {"id": "d-1", "deadline_time": "2026-11-29T06:00:00Z"}
    waits = "no file of the day has landed in s3://raw/x/: the run waits in wait_for_batch"
    fields = sla_missed_fields(
        {"dag_run": run, "deadline": deadline}, base_url="http://af:8080/", waiting_for=waits
    )
    assert fields is not None
    assert fields["links"] == {
        "airflow": "http://af:8080/dags/transactions_dq_daily/runs/"
        "scheduled__2026-11-28T00%3A00%3A00%2B00%3A00"
    }
    assert "still running" in fields["summary"] and waits in fields["summary"]
    assert fields["payload"]["run_state"] == "running"
    assert fields["payload"]["waiting_for"] == waits
    # Airflow 3.3 keeps a failed run's deadline: no "not finished" page for a finished run
    for state in ("failed", "success"):
        assert sla_missed_fields({"dag_run": {**run, "state": state}, "deadline": deadline}) is None
    # a run without a readable business date is dated by its logical date, not "unknown"
    bad = {**run, "conf": {"business_date": "2026-13-45"}, "data_interval_start": None,
           "logical_date": "2026-11-30T14:24:00Z", "dag_run_id": "manual__revA-bad"}  # fmt: skip
    dated = sla_missed_fields({"dag_run": bad, "deadline": deadline})
    assert dated is not None and dated["business_date"] == date(2026, 11, 30)
    assert "dated by its logical date" in dated["summary"]
    assert "links" in dated and dated["links"] == {}  # no base URL configured: no link


def test_the_deadline_callback_sends_nothing_for_a_run_that_already_failed() -> None:
    from fintech_dq.orchestration.deadline import emit_sla_missed

    context = {"dag_run": {"dag_run_id": "manual__x", "state": "failed", "conf": {}}}
    # no bus, no emulator needed: nothing is published
    assert emit_sla_missed(context) == "no sla.missed: the run was already failed at its deadline"


def test_a_failed_run_becomes_a_run_failed_event_naming_the_failed_task() -> None:
    from fintech_dq.orchestration.run_alerts import failed_tasks_of, run_failed_fields

    run = {
        "dag_id": "transactions_dq_daily",
        "run_id": "manual__revA-bad",
        "conf": {"business_date": "2026-13-45"},
        "data_interval_start": None,
        "logical_date": None,
        "run_after": datetime(2026, 11, 30, 14, 24, tzinfo=UTC),
        "clear_number": 0,
    }
    states = {"manual__revA-bad": {"plan_run": "failed", "crawl": "upstream_failed",
                                   "run_outcome": "running"}}  # fmt: skip
    failed = failed_tasks_of(states, "manual__revA-bad", "run_outcome")
    assert failed == ["plan_run"]
    fields = run_failed_fields(run, failed, "http://af")
    assert fields["event_type"] == "run.failed"  # routed: alert dispatcher, its own alert
    assert fields["payload"]["status"] == "run_failed"
    assert fields["payload"]["failed_tasks"] == ["plan_run"]
    assert fields["business_date"] == date(2026, 11, 30)  # by when it was to run
    assert "FAILED in plan_run" in fields["summary"] and "not a data outcome" in fields["summary"]
    assert (
        fields["links"]["airflow"] == "http://af/dags/transactions_dq_daily/runs/manual__revA-bad"
    )
    # the same run failing again after a Clear is a recurrence, not a dropped duplicate
    again = run_failed_fields({**run, "clear_number": 1}, failed)
    from fintech_dq.events import PipelineEvent

    ids = {PipelineEvent(dataset="transactions", **f).event_id for f in (fields, again)}
    assert len(ids) == 2


def test_a_reprocess_audits_each_days_run_state_and_fails_when_a_day_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from fintech_dq.orchestration import reprocess

    request = parse_request(
        {"start": "2026-11-01", "end": "2026-11-02", "requested_by": "jane.doe",
         "reason": "rule fixed in rules v1.4 (DQ-123)"}, "reprocess-1",
    )  # fmt: skip

    class _S3:
        class exceptions:
            NoSuchKey = KeyError

        def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
            import io

            return {"Body": io.BytesIO(b'{"status": "passed"}')}

    monkeypatch.setattr(aws, "client", lambda *_a, **_k: _S3())
    monkeypatch.setattr(aws, "account_id", lambda *_a, **_k: "123456789012")
    states = {request.daily_run_id(request.start): "success"}
    found = reprocess.outcomes(request, states.get)
    assert found["2026-11-01"]["run_state"] == "success"
    assert found["2026-11-01"]["status"] == "passed"
    # a day whose run failed (or never ran) names no status: its document may be older
    assert found["2026-11-02"] == {
        "run_id": request.daily_run_id(date(2026, 11, 2)),
        "run_state": "not run",
    }
    assert reprocess.failed_days(found) == ["2026-11-02"]
