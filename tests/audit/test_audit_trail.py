"""The audit trail against the emulator's S3 (real HTTP): appends chain, `fdq audit verify`
names an altered, removed or reordered record, concurrent appenders do not fork, and the
deployed bucket C refuses to delete or replace a record inside its retention."""

from __future__ import annotations

import itertools
import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fintech_dq.audit import AuditTrail
from fintech_dq.audit.layout import claim_key, record_key
from fintech_dq.infra import aws
from fintech_dq.pipeline.locations import PipelineLocations

_names = itertools.count(1)
PAN = "4111111111111111"


def _locked_environment(local_stack: Any) -> PipelineLocations:
    """A bucket C of its own, so a test may tamper with it without touching the shared
    environment's trail."""
    locations: PipelineLocations = local_stack.locked_environment(f"audit{next(_names)}")
    return locations


def _trail_with_records(local_stack: Any, count: int = 4) -> tuple[AuditTrail, list[Any]]:
    locations = _locked_environment(local_stack)
    start = datetime(2026, 11, 27, 23, 59, tzinfo=UTC)
    ticks = iter(start + timedelta(minutes=i) for i in range(100))
    trail = AuditTrail(locations, local_stack.settings, clock=lambda: next(ticks))
    records = [
        trail.append(
            "alerts",
            "alert.acknowledged",
            f"analyst{i}@bank.example",
            run_id=f"run-{i}",
            subject=f"alert-{i}",
            details={"note": f"n{i}"},
        )
        for i in range(1, count + 1)
    ]
    return trail, records


def _verify(local_stack: Any, run_fdq: Any, locations: PipelineLocations) -> Any:
    env = aws.subprocess_environment(local_stack.settings)
    return run_fdq("audit", "verify", "--env", locations.env_name, env=env, timeout=60)


def test_appends_chain_records_partitioned_by_day_and_verify_is_clean(
    local_stack: Any, run_fdq: Any
) -> None:
    trail, records = _trail_with_records(local_stack)
    assert [r.sequence for r in records] == [1, 2, 3, 4]
    assert records[0].prev_hash == "0" * 64
    assert [r.prev_hash for r in records[1:]] == [r.hash for r in records[:-1]]
    keys = [
        o["Key"]
        for o in local_stack.client("s3").list_objects_v2(
            Bucket=trail.bucket, Prefix="audit/alerts/date="
        )["Contents"]
    ]
    assert keys == [
        "audit/alerts/date=2026-11-27/000000000001.jsonl",
        "audit/alerts/date=2026-11-28/000000000002.jsonl",
        "audit/alerts/date=2026-11-28/000000000003.jsonl",
        "audit/alerts/date=2026-11-28/000000000004.jsonl",
    ]
    assert trail.records("alerts", "2026-11-28") == records[1:]
    assert trail.head("alerts") == records[-1]
    assert trail.verify() == []
    checked = _verify(local_stack, run_fdq, trail.locations)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "alerts: 4 records" in checked.stdout and "0 problem(s)" in checked.stdout
    env = aws.subprocess_environment(local_stack.settings)
    shown = run_fdq(
        "audit",
        "show",
        "--stream",
        "alerts",
        "--env",
        trail.locations.env_name,
        "--date",
        "2026-11-28",
        env=env,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [r.to_json() for r in records[1:]]


def test_a_card_number_never_reaches_the_trail(local_stack: Any) -> None:
    trail, _ = _trail_with_records(local_stack, 0)
    record = trail.append("operators", "note", "ops", details={"text": f"card {PAN} seen"})
    body = (
        local_stack.client("s3")
        .get_object(Bucket=trail.bucket, Key=claim_key(trail.prefix, "operators", 1))["Body"]
        .read()
    )
    assert PAN.encode() not in body and b"411111******1111" in body
    assert record.details == {"text": "card 411111******1111 seen"}


def test_verify_names_an_altered_record(local_stack: Any, run_fdq: Any) -> None:
    trail, records = _trail_with_records(local_stack)
    s3 = local_stack.client("s3")
    key = record_key(trail.prefix, "alerts", records[1].business_day, 2)
    forged = json.loads(records[1].to_json()) | {"actor": "someone-else"}
    s3.put_object(Bucket=trail.bucket, Key=key, Body=json.dumps(forged).encode())
    checked = _verify(local_stack, run_fdq, trail.locations)
    assert checked.returncode == 1
    assert f"alerts #2 [altered] content no longer matches its hash ({key})" in checked.stdout
    assert "alerts #2 [overwritten]" in checked.stdout
    assert "#1 " not in checked.stdout and "#3 " not in checked.stdout


def test_verify_names_a_rehashed_forgery_by_its_broken_chain(local_stack: Any) -> None:
    trail, records = _trail_with_records(local_stack)
    from fintech_dq.audit.record import new_record

    fields = json.loads(records[2].to_json())
    fields.update(actor="someone-else", details={"note": "rewritten"})
    fields.pop("hash")
    forged = new_record(**fields)
    s3 = local_stack.client("s3")
    for key in (
        claim_key(trail.prefix, "alerts", 3),
        record_key(trail.prefix, "alerts", forged.business_day, 3),
    ):
        s3.put_object(Bucket=trail.bucket, Key=key, Body=forged.to_json().encode())
    kinds = {(p.sequence, p.kind) for p in trail.verify("alerts")}
    assert kinds == {(3, "overwritten"), (4, "broken_chain")}


def test_verify_names_a_removed_record(local_stack: Any, run_fdq: Any) -> None:
    trail, records = _trail_with_records(local_stack)
    s3 = local_stack.client("s3")
    key = record_key(trail.prefix, "alerts", records[2].business_day, 3)
    assert s3.delete_object(Bucket=trail.bucket, Key=key)["DeleteMarker"] is True
    checked = _verify(local_stack, run_fdq, trail.locations)
    assert checked.returncode == 1
    assert f"alerts #3 [removed] hidden behind a delete marker ({key})" in checked.stdout
    # The last record, claim and copy both hidden: the tail cannot be cut silently.
    last = records[3]
    for hidden in (
        claim_key(trail.prefix, "alerts", 4),
        record_key(trail.prefix, "alerts", last.business_day, 4),
    ):
        s3.delete_object(Bucket=trail.bucket, Key=hidden)
    assert (4, "removed") in {(p.sequence, p.kind) for p in trail.verify("alerts")}


def test_verify_names_reordered_records(local_stack: Any, run_fdq: Any) -> None:
    trail, records = _trail_with_records(local_stack)
    s3 = local_stack.client("s3")
    second, third = records[1], records[2]
    s3.put_object(
        Bucket=trail.bucket,
        Body=third.to_json().encode(),
        Key=record_key(trail.prefix, "alerts", second.business_day, 2),
    )
    s3.put_object(
        Bucket=trail.bucket,
        Body=second.to_json().encode(),
        Key=record_key(trail.prefix, "alerts", third.business_day, 3),
    )
    checked = _verify(local_stack, run_fdq, trail.locations)
    assert checked.returncode == 1
    assert "alerts #2 [reordered] holds alerts #3, its place is alerts #2" in checked.stdout
    assert "alerts #3 [reordered] holds alerts #2, its place is alerts #3" in checked.stdout


def test_concurrent_appenders_queue_up_instead_of_forking(local_stack: Any) -> None:
    locations = _locked_environment(local_stack)

    def append(i: int) -> int:
        trail = AuditTrail(locations, local_stack.settings)
        return trail.append("runs", "validation.run", f"worker{i}", run_id=f"r{i}").sequence

    with ThreadPoolExecutor(max_workers=6) as pool:
        sequences = sorted(pool.map(append, range(12)))
    assert sequences == list(range(1, 13))
    trail = AuditTrail(locations, local_stack.settings)
    assert trail.verify("runs") == []
    assert sorted(str(r.run_id) for r in trail.records("runs")) == sorted(
        f"r{i}" for i in range(12)
    )


def test_an_appender_with_a_stale_head_loses_the_race_and_chains_after_the_winner(
    local_stack: Any,
) -> None:
    """Deterministic: A read the head before B appended; A's conditional put of place 1 is
    refused by the emulator (412) and A retries at place 2, after B's record."""
    locations = _locked_environment(local_stack)
    first, second = (AuditTrail(locations, local_stack.settings) for _ in range(2))
    real_head, reads = first.head, []

    def stale_then_real(stream: str) -> Any:
        reads.append(stream)
        return None if len(reads) == 1 else real_head(stream)

    first.head = stale_then_real  # type: ignore[method-assign]
    winner = second.append("operators", "ack", "bob")
    loser = first.append("operators", "resolve", "alice")
    assert (winner.sequence, loser.sequence) == (1, 2) and len(reads) == 2
    assert loser.prev_hash == winner.hash
    assert first.verify("operators") == []


def test_deployed_bucket_c_keeps_an_audit_record_for_seven_years(local_stack: Any) -> None:
    """The environment's own bucket C, written by AuditTrail: the record's versions cannot
    be deleted (even with the governance bypass) and a conditional overwrite is refused."""
    locations = PipelineLocations(env_name="local", account=local_stack.account)
    trail = AuditTrail(locations, local_stack.settings)
    record = trail.append("operators", "retention.proven", "test-suite", subject="object lock")
    s3 = local_stack.client("s3")
    for key in (
        claim_key(trail.prefix, "operators", record.sequence),
        record_key(trail.prefix, "operators", record.business_day, record.sequence),
    ):
        head = s3.head_object(Bucket=trail.bucket, Key=key)
        assert head["ObjectLockMode"] == "COMPLIANCE"
        years = (head["ObjectLockRetainUntilDate"].timestamp() - time.time()) / (365.25 * 86400)
        assert 6.99 < years <= 7.01
        for bypass in (False, True):
            with pytest.raises(s3.exceptions.ClientError) as refused:
                s3.delete_object(
                    Bucket=trail.bucket,
                    Key=key,
                    VersionId=head["VersionId"],
                    BypassGovernanceRetention=bypass,
                )
            assert refused.value.response["Error"]["Code"] == "AccessDenied"
        with pytest.raises(s3.exceptions.ClientError) as refused:
            s3.put_object(Bucket=trail.bucket, Key=key, Body=b"{}", IfNoneMatch="*")
        assert refused.value.response["Error"]["Code"] == "PreconditionFailed"
        body = s3.get_object(Bucket=trail.bucket, Key=key, VersionId=head["VersionId"])["Body"]
        assert body.read().decode().strip() == record.to_json()
    assert trail.verify("operators") == []


def test_unknown_stream_is_refused(local_stack: Any) -> None:
    trail = AuditTrail(PipelineLocations("local", local_stack.account), local_stack.settings)
    with pytest.raises(ValueError, match="unknown audit stream 'payments'"):
        trail.append("payments", "x", "y")
