"""The escalation policy file and the timing decisions (pure; a clock passed in)."""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from fintech_dq.alerts.escalation import (
    PAGE,
    REPEAT,
    RESCHEDULE,
    decide,
    next_time,
    notification_kind,
)
from fintech_dq.alerts.model import ACKNOWLEDGED, OPEN, RESOLVED, Alert
from fintech_dq.alerts.policy import POLICY_VARIABLE, PolicyError, load_policy, parse_policy

OPENED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def alert(**changes: object) -> Alert:
    base = Alert(
        alert_id="transactions/2026-11-27/validation.failed",
        dataset="transactions",
        business_date="2026-11-27",
        issue="validation.failed",
        severity="error",
        state=OPEN,
        summary="failed",
        opened_at=OPENED,
        updated_at=OPENED,
        last_seen_at=OPENED,
        notified_tier=1,
        last_notified_at=OPENED,
        next_escalation_at=OPENED + timedelta(hours=1),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_the_packaged_policy_tells_tier_1_at_once_and_escalates_in_order() -> None:
    policy = load_policy()
    critical = policy.for_severity("critical")
    assert critical.tier_after == {
        1: timedelta(0),
        2: timedelta(minutes=15),
        3: timedelta(hours=1),
    }
    assert critical.repeat_every == timedelta(minutes=30)
    assert policy.for_severity("warn").quiet_hours is not None


PACKAGED = (resources.files("fintech_dq.alerts") / "policy.yaml").read_text("utf-8")
QUIET = 'quiet_hours: {start: "20:00", end: "07:00"}'
ERROR_TIER_2 = "      - {tier: 2, after: 1h}\n"


def edited(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    """The packaged policy with a lead's edits (each `old` must be in it)."""
    text = PACKAGED
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (  # YAML 1.1 reads 20:00 unquoted as 1200, and time.fromisoformat("1200") is 12:00
            (QUIET, "quiet_hours: {start: 20:00, end: 07:00}"),
            "severities.warn.quiet_hours.start: 1200 is a number, not a time of day; write it "
            'quoted: "20:00" (YAML reads an unquoted 20:00 as 1200)',
        ),
        (
            (QUIET, 'quiet_hours: {start: "1200", end: "07:00"}'),
            "severities.warn.quiet_hours.start: '1200' is not a time of day; write it quoted, "
            'like "20:00"',
        ),
        (
            (QUIET, 'quiet_hours: {start: "20:00", end: "20:00"}'),
            "severities.warn.quiet_hours: start and end are the same: an empty window; remove "
            "quiet_hours",
        ),
        (
            (QUIET, 'quiet_hours: {start: "20:00", stop: "07:00"}'),
            "severities.warn.quiet_hours.stop: unknown key (expected start, end)\n"
            'p.yaml: severities.warn.quiet_hours.end: missing; a quoted UTC time like "07:00"',
        ),
        (
            ("repeat_every: 2h", "repeat_every: 2x"),
            "severities.error.repeat_every: '2x' is not a duration like 90s, 15m, 4h, 1d",
        ),
        (
            ("repeat_every: 2h", "repeat_evry: 2h"),
            "severities.error.repeat_evry: unknown key (did you mean 'repeat_every'?)",
        ),
        (
            ("repeat_every: 30m", "repeat_every: 0s"),
            "severities.critical.repeat_every: 0s would repeat at every check; use null",
        ),
        (
            ("{tier: 2, after: 1h}", "{tier: 2, after: -1h}"),
            "severities.error.tiers[1].after: '-1h' is negative; durations count forward from 0s",
        ),
        (
            ("{tier: 1, after: 0s}", "{tier: 1, after: 5x}"),
            "severities.critical.tiers[0].after: '5x' is not a duration like 90s, 15m, 4h, 1d",
        ),
        (
            ("{tier: 1, after: 0s}", "{tier: 1, after: 5m}"),
            "severities.critical.tiers: tier 1 must be told at once (after: 0s)",
        ),
        (
            ("{tier: 2, after: 1h}", "{tier: 2, after: 5h}"),
            "severities.error.tiers: tier 3 (after 4h) comes before tier 2 (after 5h); a later "
            "tier is told later",
        ),
        (
            (ERROR_TIER_2, ""),
            "severities.error.tiers: tier 2 is missing; tiers are 1, then 2, then 3",
        ),
        (
            ("{tier: 2, after: 1h}", "{tier: two, after: 1h}"),
            "severities.error.tiers[1].tier: 'two': expected 1, 2 or 3, each once",
        ),
        (
            ("{tier: 2, after: 1h}", "{tier: 2, afer: 1h}"),
            "severities.error.tiers[1].afer: unknown key (did you mean 'after'?)\n"
            "p.yaml: severities.error.tiers[1].after: missing; a duration from opening, like "
            "0s or 1h",
        ),
        (
            ("  warn:", "  warning:"),
            "severities.warning: unknown key (did you mean 'warn'?)\n"
            "p.yaml: severities.warn: missing; every severity that opens alerts needs one",
        ),
        (
            ("version: 1", "version: 1\nescalation: {}"),
            "escalation: unknown key (expected version, severities)",
        ),
        (("version: 1", "version: 2"), "expected a mapping with `version: 1`"),
    ],
)
def test_a_broken_policy_is_an_error_naming_the_file_and_the_key(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = edited(tmp_path, change)
    with pytest.raises(PolicyError) as raised:
        load_policy(path)
    assert str(raised.value) == f"{path}: {message}".replace("p.yaml", str(path))


def test_every_problem_of_a_policy_file_is_reported_at_once(tmp_path: Path) -> None:
    path = edited(
        tmp_path, ("repeat_every: 2h", "repeat_every: 2x"), (QUIET, "quiet_hours: {start: 20:00}")
    )
    with pytest.raises(PolicyError) as raised:
        load_policy(path)
    assert str(raised.value).splitlines() == [
        f"{path}: severities.error.repeat_every: '2x' is not a duration like 90s, 15m, 4h, 1d",
        f"{path}: severities.warn.quiet_hours.start: 1200 is a number, not a time of day; "
        'write it quoted: "20:00" (YAML reads an unquoted 20:00 as 1200)',
        f'{path}: severities.warn.quiet_hours.end: missing; a quoted UTC time like "07:00"',
    ]


def test_a_policy_file_that_is_not_yaml_or_not_there_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = edited(tmp_path, ("    tiers:\n", "    tiers: [\n"))
    with pytest.raises(PolicyError, match=rf"^{re.escape(str(path))}:\d+:\d+: not valid YAML"):
        load_policy(path)
    missing = tmp_path / "nope.yaml"
    monkeypatch.setenv(POLICY_VARIABLE, str(missing))
    with pytest.raises(PolicyError) as raised:
        load_policy()
    assert str(raised.value) == (
        f"{missing} (named by FDQ_ALERT_POLICY): cannot read: No such file or directory"
    )


def test_fdq_alerts_with_a_broken_policy_says_why_and_exits_2(tmp_path: Path, run_fdq: Any) -> None:
    path = edited(tmp_path, ("repeat_every: 2h", "repeat_every: 2x"))
    # No emulator needed: the policy is read before any AWS call.
    env = {"FDQ_ALERT_POLICY": str(path), "FDQ_RUNTIME": "local"}
    for verb in (["check"], ["list"]):
        answer = run_fdq("alerts", *verb, env=env, timeout=60)
        assert answer.returncode == 2, answer.stderr
        assert answer.stderr == (
            f"fdq: error: {path}: severities.error.repeat_every: '2x' is not a duration like "
            "90s, 15m, 4h, 1d\n"
        )
        assert answer.stdout == ""


def test_tier_2_is_due_exactly_at_its_time_and_only_once() -> None:
    policy = load_policy().for_severity("error")  # tier 2 after 1h, repeat every 2h
    before = decide(alert(), policy, OPENED + timedelta(minutes=59, seconds=59))
    assert before is None
    step = decide(alert(), policy, OPENED + timedelta(hours=1))
    assert step is not None and (step.kind, step.tier) == (PAGE, 2)
    assert step.next_at == OPENED + timedelta(hours=3)  # min(tier 3 at 4h, repeat at 1h+2h)
    told = alert(notified_tier=2, last_notified_at=OPENED + timedelta(hours=1))
    told = replace(told, next_escalation_at=step.next_at)
    assert decide(told, policy, OPENED + timedelta(hours=2)) is None


def test_an_open_alert_repeats_an_acknowledged_one_does_not_but_still_escalates() -> None:
    policy = load_policy().for_severity("critical")  # tier 2 at 15m, 3 at 1h, repeat 30m
    told_tier2 = alert(
        severity="critical",
        notified_tier=2,
        last_notified_at=OPENED + timedelta(minutes=15),
        next_escalation_at=OPENED + timedelta(minutes=45),
    )
    repeat = decide(told_tier2, policy, OPENED + timedelta(minutes=45))
    assert repeat is not None and (repeat.kind, repeat.tier) == (REPEAT, 2)
    acknowledged = replace(told_tier2, state=ACKNOWLEDGED)
    quiet = decide(acknowledged, policy, OPENED + timedelta(minutes=45))
    assert quiet is not None and quiet.kind == RESCHEDULE
    assert quiet.next_at == OPENED + timedelta(hours=1)
    later = decide(replace(acknowledged, next_escalation_at=quiet.next_at), policy, quiet.next_at)
    assert later is not None and (later.kind, later.tier) == (PAGE, 3)


def test_a_resolved_alert_is_never_due() -> None:
    policy = load_policy().for_severity("error")
    resolved = alert(state=RESOLVED)
    assert decide(resolved, policy, OPENED + timedelta(days=3)) is None


def test_warnings_wait_for_the_end_of_quiet_hours() -> None:
    policy = load_policy().for_severity("warn")  # quiet 20:00-07:00
    night = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)
    assert policy.deferred(night) == datetime(2026, 11, 29, 7, 0, tzinfo=UTC)
    assert policy.deferred(datetime(2026, 11, 28, 12, 0, tzinfo=UTC)).hour == 12
    fresh = alert(severity="warn", notified_tier=0, last_notified_at=None, opened_at=night)
    step = decide(replace(fresh, next_escalation_at=night), policy, night)
    assert step is not None and step.kind == RESCHEDULE
    assert step.next_at == datetime(2026, 11, 29, 7, 0, tzinfo=UTC)


def test_nothing_more_after_the_last_tier_without_repeats() -> None:
    policy = with_error({"tiers": [{"tier": 1, "after": "0s"}]})
    assert next_time(alert(), policy) is None


def with_error(body: dict[str, Any]) -> Any:
    """The packaged policy with another `error` entry."""
    document = copy.deepcopy(yaml.safe_load(PACKAGED))
    document["severities"]["error"] = body
    return parse_policy(document).for_severity("error")


def error_policy(tier_2: str, tier_3: str = "4h") -> Any:
    tiers = [{"tier": 1, "after": "0s"}, {"tier": 2, "after": tier_2}, {"tier": 3, "after": tier_3}]
    return with_error({"tiers": tiers, "repeat_every": "2h"})


def test_a_changed_policy_reaches_alerts_already_open() -> None:
    # Opened under the packaged policy (tier 2 after 1h): its stored next time is 10:00.
    opened_under_1h = alert()
    assert opened_under_1h.next_escalation_at == OPENED + timedelta(hours=1)
    sooner = error_policy("5m")  # the on-call lead lowers tier 2 to 5 minutes
    step = decide(opened_under_1h, sooner, OPENED + timedelta(minutes=7))
    assert step is not None and (step.kind, step.tier) == (PAGE, 2)
    later = error_policy("2h", "4h")  # or raises it: nobody is told at the old time
    moved = decide(opened_under_1h, later, OPENED + timedelta(hours=1))
    assert moved is not None and moved.kind == RESCHEDULE
    assert moved.next_at == OPENED + timedelta(hours=2)
    assert decide(replace(opened_under_1h, next_escalation_at=moved.next_at), later,
                  OPENED + timedelta(hours=1, minutes=1)) is None  # fmt: skip


def test_an_alert_held_back_by_quiet_hours_is_not_rewritten_at_every_check() -> None:
    policy = load_policy().for_severity("warn")  # quiet 20:00-07:00
    night = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)
    held = alert(severity="warn", notified_tier=0, last_notified_at=None, opened_at=night,
                 next_escalation_at=datetime(2026, 11, 29, 7, 0, tzinfo=UTC))  # fmt: skip
    assert decide(held, policy, night + timedelta(hours=2)) is None
    step = decide(held, policy, datetime(2026, 11, 29, 7, 0, tzinfo=UTC))
    assert step is not None and (step.kind, step.tier) == (PAGE, 1)


def test_an_e_mail_names_the_first_failing_rules_and_says_how_many_more() -> None:
    from fintech_dq.alerts.messages import RULES_SHOWN, Notification

    failing = [{"rule_id": f"rule_{n:02d}"} for n in range(RULES_SHOWN + 10)]
    body = Notification(alert(details={"failing_rules": failing}), 1, "opened").body
    line = next(x for x in body.splitlines() if x.startswith("rules "))
    assert line.count("rule_") == RULES_SHOWN and "rule_19" in line and "rule_20" not in line
    assert line.endswith("and 10 more (see the report)")
    few = Notification(alert(details={"failing_rules": failing[:2]}), 1, "opened").body
    assert "rules      rule_00, rule_01\n" in few


def test_an_e_mail_names_the_breaking_changes_and_the_blocking_rules_plainly() -> None:
    from fintech_dq.alerts.messages import Notification

    change = {"message": "contract column settled_at (timestamp) is missing", "against": "contract"}
    details = {"breaking_changes": [change], "blocked_by": ["card_number.unmasked"]}
    body = Notification(alert(details=details), 1, "opened").body
    assert "breaking   contract column settled_at (timestamp) is missing (vs contract)" in body
    assert "blocked by card_number.unmasked\n" in body


def test_an_escalation_of_an_acknowledged_alert_says_who_acknowledged_it_and_why() -> None:
    from fintech_dq.alerts.messages import Notification

    acked = alert(
        state=ACKNOWLEDGED,
        acknowledged_by="jane.doe",
        acknowledged_at=OPENED + timedelta(minutes=5),
        acknowledge_reason="looking at the sender's file",
    )
    body = Notification(acked, 3, "escalated").body
    assert "acked      by jane.doe at 2026-11-28T09:05:00Z: looking at the sender's file" in body
    assert "acked" not in Notification(alert(), 1, "opened").body


def test_an_sla_e_mail_names_the_run_as_the_airflow_ui_does() -> None:
    from fintech_dq.alerts.messages import Notification
    from fintech_dq.alerts.store import _details_of
    from fintech_dq.events import PipelineEvent
    from fintech_dq.orchestration.deadline import sla_missed_fields

    run = {"dag_id": "transactions_dq_daily", "dag_run_id": "manual__2026-11-30T08:37:17+00:00",
           "conf": {"business_date": "2026-11-29"}, "state": "running"}  # fmt: skip
    fields = sla_missed_fields({"dag_run": run, "deadline": {"deadline_time": "09:00"}})
    assert fields is not None  # the run is still running
    event = PipelineEvent(dataset="transactions", **fields)
    body = Notification(alert(details=_details_of(event)), 1, "opened").body
    assert "runs       " in body  # the key-safe id the pipeline stores its documents under
    assert "airflow    transactions_dq_daily run manual__2026-11-30T08:37:17+00:00" in body


def test_a_reopened_alert_held_by_quiet_hours_is_still_told_it_reopened() -> None:
    policy = load_policy().for_severity("warn")  # quiet 20:00-07:00
    morning = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)
    held = alert(
        severity="warn", notified_tier=0, last_notified_at=None, next_escalation_at=morning
    )
    step = decide(held, policy, morning)
    assert step is not None and (step.kind, step.tier) == (PAGE, 1)
    assert notification_kind(step, replace(held, notifications=0)) == "opened"
    assert notification_kind(step, replace(held, notifications=3)) == "reopened"  # told before


def test_an_sms_is_one_segment_with_what_happened_and_how_to_acknowledge() -> None:
    from fintech_dq.alerts.messages import SMS_LENGTH, Notification

    summary = "transactions 2026-11-27: failed; 100 rows in, 7 quarantined"
    sms = Notification(alert(summary=summary), 2, "escalated").sms
    assert sms.splitlines() == [
        f"fdq T2 ERROR escalated: {summary}",
        "fdq alerts ack 'transactions/2026-11-27/validation.failed' --reason ...",
    ]
    assert len(sms) <= SMS_LENGTH


def test_a_long_sms_summary_is_cut_after_masking_and_kept_plain() -> None:
    from fintech_dq.alerts.messages import SMS_LENGTH, Notification

    card = "4111 1111 1111 1111"  # a test PAN (Luhn-valid)
    long = f"transactions 2026-11-27 (café): {card} in the merchant name, " + "x" * 300
    sms = Notification(alert(summary=long, severity="critical"), 1, "opened").sms
    first, ack = sms.splitlines()
    assert len(sms) <= SMS_LENGTH and first.endswith("...")
    assert "(cafe): 411111******1111 in the" in first and sms.isascii()
    assert ack == "fdq alerts ack 'transactions/2026-11-27/validation.failed' --reason ..."
    # The cut falls inside the card number: masked first, so no bare digits survive it.
    straddling = Notification(alert(summary="y" * 55 + " 4111111111111111 end"), 1, "opened")
    assert "411111*" in straddling.sms and "4111111" not in straddling.sms
