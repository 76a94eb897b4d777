"""`fdq audit show --date` selects the UTC day a record was written, `--business-date` the
business date a record is about; when nothing matches, stderr says so and names the days
that hold records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fintech_dq.audit import AuditRecord, AuditTrail
from fintech_dq.audit.record import day_subject, range_subject
from fintech_dq.cli.audit import _nothing_shown_hint
from fintech_dq.infra import aws
from fintech_dq.pipeline.locations import PipelineLocations


def test_the_hint_says_what_date_means_and_where_the_records_are() -> None:
    hint = _nothing_shown_hint("runs", "2026-11-29", "", ["2026-11-30", "2026-12-01"])
    assert "no runs records written on 2026-11-29 (UTC)" in hint
    assert "not the business date" in hint
    assert hint.endswith("2 day(s): 2026-11-30, 2026-12-01")
    many = [f"2026-11-{d:02d}" for d in range(1, 21)]
    assert _nothing_shown_hint("runs", "2026-12-01", "", many).endswith(
        "20 day(s): 2026-11-01, 2026-11-02, 2026-11-03, ..., 2026-11-20"
    )
    assert _nothing_shown_hint("alerts", None, " of run r1", ["2026-11-30"]) == (
        "fdq audit show: no alerts records of run r1; the stream holds records of 2026-11-30"
    )
    assert _nothing_shown_hint("operators", "2026-11-29", "", []) == (
        "fdq audit show: stream operators holds no records"
    )


def test_show_for_a_business_date_with_no_records_written_that_day_hints(
    local_emulator: Any, run_fdq: Any
) -> None:
    settings = local_emulator.settings
    locations = PipelineLocations(env_name="auditshow", account=aws.account_id(settings))
    local_emulator.client("s3").create_bucket(Bucket=locations.audit_bucket)
    ticks = iter(datetime(2026, 11, 30, 6, 0, tzinfo=UTC) + timedelta(days=i) for i in range(2))
    trail = AuditTrail(locations, settings, clock=lambda: next(ticks))
    for business_date in ("2026-11-29", "2026-11-30"):  # recorded 2026-11-30 and 2026-12-01
        trail.append(
            "runs",
            "validation.run",
            "pipeline",
            run_id=f"run-{business_date}",
            subject={"dataset": "transactions", "business_date": business_date},
        )
    assert trail.days("runs") == ["2026-11-30", "2026-12-01"]
    assert trail.days("alerts") == []
    env = aws.subprocess_environment(settings) | {"FDQ_ENV_NAME": locations.env_name}

    def show(*extra: str) -> Any:
        return run_fdq("audit", "show", "--stream", "runs", *extra, env=env, timeout=60)

    shown = show("--date", "2026-11-29")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == ""
    assert "--date is the day a record was written, not the business date" in shown.stderr
    assert shown.stderr.strip().endswith("2 day(s): 2026-11-30, 2026-12-01")

    found = show("--date", "2026-11-30")
    assert found.returncode == 0 and found.stderr == ""
    assert [line.count('"business_date":"2026-11-29"') for line in found.stdout.splitlines()] == [1]

    refused = show("--date", "29.11.2026")
    assert refused.returncode == 2 and "not a date (YYYY-MM-DD)" in refused.stderr

    about = show("--business-date", "2026-11-30")
    assert about.returncode == 0, about.stderr
    assert [line.count('"run_id":"run-2026-11-30"') for line in about.stdout.splitlines()] == [1]
    none = show("--business-date", "2026-10-01")
    assert none.stdout == "" and "no runs records about business date 2026-10-01" in none.stderr
    assert none.stderr.strip().endswith("they are about business dates 2026-11-29, 2026-11-30")


def record_about(subject: object) -> AuditRecord:
    return AuditRecord("runs", 1, "2026-12-01T06:00:00Z", "a", "b", None, subject, {}, "", "")


def test_a_record_is_about_the_business_dates_its_subject_names() -> None:
    day = "2026-11-29"
    assert record_about({"dataset": "transactions", "business_date": day}).is_about(day)
    assert record_about({"alert_id": "x", "business_date": day, "issue": "i"}).is_about(day)
    assert record_about(f"transactions/{day}").is_about(day)  # a schema diff
    assert record_about("transactions 2026-11-20..2026-11-29").is_about(day)  # reprocessing
    # the subjects as the schema check and the reprocess request write them
    assert record_about(day_subject("transactions", day)).is_about(day)
    assert record_about(range_subject("transactions", "2026-11-29", "2026-11-30")).is_about(day)
    assert not record_about("transactions 2026-11-20..2026-11-28").is_about(day)
    assert not record_about("transactions/2026-11-30").is_about(day)
    assert not record_about("transactions rules 1.0.0 -> 1.1.0").is_about(day)
    assert not record_about(None).is_about(day)
    assert record_about(
        range_subject("transactions", "2026-11-29", "2026-11-30")
    ).business_days() == ("2026-11-29..2026-11-30")
    assert record_about({"business_date": day}).business_days() == day
    assert record_about("transactions rules 1.0.0 -> 1.1.0").business_days() is None
