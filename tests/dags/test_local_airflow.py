"""The local Airflow for real: `airflow standalone` (scheduler, DAG processor, triggerer,
API server) started the way `fdq local airflow up` starts it, against the session's
local stack. Proves what dag.test cannot:

* a file landing in bucket A reaches the DAGs through S3 -> EventBridge -> SQS -> the
  asset watcher, and the same file announced twice starts one daily run;
* a reprocess request (the UI's trigger with who and why) reruns the day through a
  deferred trigger-and-wait and audits the request and the day's outcome;
* the daily DAG's deadline: a run that cannot finish in time (its batch never lands) is
  found late by the scheduler, whose callback (in the triggerer) emits `sla.missed`;
* the UI shows a run as successful (headless Chromium, when the browser fixture exists).
"""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.parse
from collections.abc import Iterator
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from fintech_dq.infra import emulator
from fintech_dq.orchestration import local_airflow as la
from fintech_dq.pipeline.landing import land_sample_day

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
ARRIVAL_DAY = date(2026, 11, 26)
LATE_DAY = date(2026, 10, 1)  # nothing lands for it: the run waits past its deadline
DEADLINE_SECONDS = 20


@pytest.fixture(scope="module")
def standalone(
    local_stack: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[la.AirflowRecord, la.AirflowApi, Any]]:
    from fintech_dq.pipeline.locations import PipelineLocations

    home = tmp_path_factory.mktemp("airflow-standalone")
    port = emulator.free_port()
    queue_url = la.find_landing_queue_url(local_stack.settings, "local")
    assert queue_url and "landing-events" in queue_url
    environment = la.airflow_environment(
        home, local_stack.settings, port=port, landing_queue_url=queue_url,
        dags_folder=DAGS_FOLDER, paused_at_creation=True,
        emulator_state_dir=local_stack.emulator.state_dir,
    )  # fmt: skip
    environment["FDQ_DAILY_DEADLINE_SECONDS"] = str(DEADLINE_SECONDS)
    environment["FDQ_LANDING_POLL_SECONDS"] = "3"
    environment["AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC"] = "2"
    record, started = la.start(home, environment, port, timeout=300)
    assert started
    try:
        api = la.AirflowApi(record)
        for dag_id in ("transactions_dq_daily", "transactions_dq_on_arrival"):
            api.wait_for_dag(dag_id)
        yield record, api, PipelineLocations(env_name="local", account=local_stack.account)
    finally:
        stopped = la.stop(home)
        assert stopped is not None and la.running_record(home) is None


def _wait(what: str, check: Any, timeout: float = 240.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(3)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_landed_day_starts_one_daily_run_even_when_announced_twice(
    standalone: Any, local_stack: Any
) -> None:
    _record, api, locations = standalone
    # earlier tests of the session landed days too: their announcements are not this test's
    sqs = local_stack.client("sqs")
    sqs.purge_queue(QueueUrl=la.find_landing_queue_url(local_stack.settings, "local"))
    api.unpause("transactions_dq_on_arrival")
    keys = land_sample_day(locations, ARRIVAL_DAY, 50, "none", local_stack.settings)
    data_key = next(k for k in keys if "ingest_date=" in k)
    run_id = f"arrival__{ARRIVAL_DAY.isoformat()}"

    daily = _wait(
        "the arrival-triggered daily run",
        lambda: [r for r in api.runs("transactions_dq_daily") if r["dag_run_id"] == run_id],
    )
    assert daily[0]["conf"]["business_date"] == ARRIVAL_DAY.isoformat()
    _wait("the first arrival runs to finish", lambda: _arrivals_done(api))

    # The same file announced again (a sender re-uploads it): another event, no new run.
    s3 = local_stack.client("s3")
    s3.copy_object(
        Bucket=locations.raw_bucket, Key=data_key, MetadataDirective="REPLACE",
        CopySource={"Bucket": locations.raw_bucket, "Key": data_key}, Metadata={"again": "1"},
    )  # fmt: skip
    before = len(api.runs("transactions_dq_on_arrival"))
    day_runs = {str(r["dag_run_id"]) for r in _day_runs(api)}
    _wait("the second announcement's arrival run", lambda: _arrivals_done(api, more_than=before))
    # A later announcement of the day gets a daily run of its own, named after its keys
    # (it finds the day unchanged: the next tests). The first landing's keys may have come
    # in more than one announcement, so only what this one added is counted.
    added = {str(r["dag_run_id"]) for r in _day_runs(api)} - day_runs
    assert run_id in day_runs and len(added) == 1, (day_runs, added)
    assert next(iter(added)).startswith(run_id + "__"), added
    arrivals = api.runs("transactions_dq_on_arrival")
    assert all(r["state"] == "success" for r in arrivals), arrivals


def _day_runs(api: la.AirflowApi, prefix: str = "arrival__") -> list[dict[str, Any]]:
    day = ARRIVAL_DAY.isoformat()
    return [
        r
        for r in api.runs("transactions_dq_daily")
        if r["conf"].get("business_date") == day and str(r["dag_run_id"]).startswith(prefix)
    ]


def _arrivals_done(api: la.AirflowApi, more_than: int = 0) -> bool:
    runs = api.runs("transactions_dq_on_arrival")
    return len(runs) > more_than and all(r["state"] in ("success", "failed") for r in runs)


def test_a_reprocess_request_reruns_the_day_and_is_audited(
    standalone: Any, local_stack: Any
) -> None:
    """As an operator does it in the UI: the reprocess DAG triggered with who and why runs
    the daily check again for the landed day (a deferred trigger-and-wait, so the triggerer
    is part of the proof) and records the request and each day's outcome."""
    from fintech_dq.audit import AuditTrail

    _record, api, locations = standalone
    # The daily DAG runs one day at a time, and unpausing it schedules yesterday's run,
    # whose batch this session never lands: it would hold the slot for the sensor's 12
    # hours, and the reprocessed day queue behind it. As docs/operations.md tells an
    # operator, its waiting task is marked failed; the run then ends failed (run_outcome)
    # and frees the slot. (This test also runs before the deadline test, which leaves a run
    # waiting on purpose.)
    api.unpause("transactions_dq_daily")
    scheduled = _wait(
        "the scheduled run that unpausing creates",
        lambda: [r for r in api.runs("transactions_dq_daily") if r["run_type"] == "scheduled"],
    )
    for waiting in scheduled:
        run_id = str(waiting["dag_run_id"])
        if waiting["state"] in ("queued", "running"):
            _wait("the scheduled run to wait for its batch", partial(_deferred, api, run_id))
            plan = _task_result(api, run_id, "plan_run")
            assert plan["routine"] == "yes", plan  # a scheduled run waits for a quiet partition
            api.set_task_state("transactions_dq_daily", run_id, "wait_for_batch", "failed")
            ended = api.wait_for_run("transactions_dq_daily", run_id, timeout=300)
            assert ended["state"] == "failed", ended
            assert _task_states(api, run_id)["run_outcome"] == "failed"
    api.wait_for_dag("transactions_dq_reprocess")
    api.unpause("transactions_dq_reprocess")
    day = ARRIVAL_DAY.isoformat()
    conf = {"start": day, "end": day, "requested_by": "ops.oncall",
            "reason": "rules fix FDQ-142, rerun the day"}  # fmt: skip
    api.trigger("transactions_dq_reprocess", "reprocess-proof", conf)
    run = api.wait_for_run("transactions_dq_reprocess", "reprocess-proof", timeout=600)
    assert run["state"] == "success", _explained(api, "transactions_dq_reprocess", run)

    daily_id = f"reprocess__{day}__reprocess-proof"
    daily = api.get(f"/dags/transactions_dq_daily/dagRuns/{daily_id}")
    assert daily["state"] == "success", daily
    assert daily["conf"] == {"business_date": day, "reprocess_request": "reprocess-proof",
                             "requested_by": "ops.oncall", "reason": conf["reason"]}  # fmt: skip
    trail = AuditTrail(locations, local_stack.settings)
    mine = [r for r in trail.records("operators") if r.run_id == "reprocess-proof"]
    assert [r.action for r in mine] == ["reprocess.requested", "reprocess.completed"]
    assert {r.actor for r in mine} == {"ops.oncall"}
    assert mine[0].details == {"reason": conf["reason"], "days": [day], "attempt": 1}
    # the outcome: the day's run succeeded, and its own results document says passed
    outcome = {"run_id": daily_id, "run_state": "success", "status": "passed"}
    assert mine[1].details == {"reason": conf["reason"], "outcomes": {day: outcome},
                               "attempt": 1}  # fmt: skip
    assert trail.verify("operators") == []

    # Cleared (to retry it), the request reruns its day: the daily run is cleared and run
    # again (reset_dag_run), and the second attempt is audited as what it was.
    first_end = daily["end_date"]
    api.clear_run("transactions_dq_reprocess", "reprocess-proof")
    run = api.wait_for_run("transactions_dq_reprocess", "reprocess-proof", timeout=600)
    assert run["state"] == "success", _explained(api, "transactions_dq_reprocess", run)
    again = api.get(f"/dags/transactions_dq_daily/dagRuns/{daily_id}")
    assert again["state"] == "success" and again["end_date"] > first_end, again
    assert _task_states(api, daily_id)["validate"] == "success"
    mine = [r for r in trail.records("operators") if r.run_id == "reprocess-proof"]
    assert [(r.action, r.details["attempt"]) for r in mine[2:]] == [
        ("reprocess.requested", 2), ("reprocess.completed", 2)]  # fmt: skip
    assert mine[3].details["outcomes"] == {day: outcome}


def test_a_day_announced_again_is_not_checked_again_but_a_late_file_is(
    standalone: Any, local_stack: Any
) -> None:
    """The contract's late files and resends: the re-announced day (same files) is skipped
    after its quiet wait; a new file for the day starts a run that checks the whole day."""
    _record, api, locations = standalone
    announced = [str(r["dag_run_id"]) for r in _day_runs(api)]
    for run_id in announced:
        api.wait_for_run("transactions_dq_daily", run_id, timeout=600)
    states = {run_id: _task_states(api, run_id) for run_id in announced}
    checked = [run_id for run_id in announced if states[run_id]["validate"] == "success"]
    assert len(checked) == 1, states  # the others found the files of that check
    for run_id in set(announced) - set(checked):
        assert states[run_id]["settle_batch"] == "success", states[run_id]
        assert states[run_id]["skip_if_checked"] == "success", states[run_id]
        skipped = {states[run_id][t] for t in ("crawl", "validate", "publish", "report")}
        assert skipped == {"skipped"}, states[run_id]

    s3 = local_stack.client("s3")
    prefix = locations.landing_prefix(ARRIVAL_DAY)
    source = next(k for k in _keys(s3, locations.raw_bucket, prefix) if k.endswith(".csv"))
    late_key = prefix + "late-009.csv"
    known = {str(r["dag_run_id"]) for r in _day_runs(api)}
    s3.copy_object(Bucket=locations.raw_bucket, Key=late_key,
                   CopySource={"Bucket": locations.raw_bucket, "Key": source})  # fmt: skip
    late = _wait(
        "the late file's daily run",
        lambda: [r for r in _day_runs(api) if str(r["dag_run_id"]) not in known],
    )
    late_id = str(late[0]["dag_run_id"])
    run = api.wait_for_run("transactions_dq_daily", late_id, timeout=600)
    assert run["state"] == "success", run
    assert _task_states(api, late_id)["validate"] == "success"
    key = locations.results_key(ARRIVAL_DAY, late_id)
    results = json.loads(s3.get_object(Bucket=locations.audit_bucket, Key=key)["Body"].read())
    inputs = [str(i["path"]) for i in results["inputs"]]
    assert any(p.endswith("/late-009.csv") for p in inputs), inputs
    assert any(p.endswith("/" + source.rsplit("/", 1)[1]) for p in inputs), inputs
    # the late copy repeats every id of its source: the whole day was checked together
    unique = next(
        r for r in results["rule_results"] if r["rule_id"] == "transaction_id.unique_in_batch"
    )
    assert unique["failures"] > 0, unique


def test_clearing_a_routine_run_that_skipped_checks_the_day_again(
    standalone: Any, local_stack: Any
) -> None:
    """Clear is the documented way to rerun a day: a cleared arrival run whose files are
    unchanged checks the day again instead of skipping it (a person asked for it)."""
    _record, api, _locations = standalone
    skipped = [
        str(r["dag_run_id"])
        for r in _day_runs(api)
        if r["state"] == "success"
        and _task_states(api, str(r["dag_run_id"]))["validate"] == "skipped"
    ]
    assert skipped, "no arrival run of the day found it unchanged"
    run_id = skipped[0]
    api.clear_run("transactions_dq_daily", run_id)
    run = api.wait_for_run("transactions_dq_daily", run_id, timeout=600)
    assert run["state"] == "success", run
    states = _task_states(api, run_id)
    assert states["skip_if_checked"] == "success" and states["validate"] == "success", states
    assert _task_result(api, run_id, "plan_run")["routine"] == "no"


def _task_states(api: la.AirflowApi, run_id: str) -> dict[str, str]:
    answer = api.get(f"/dags/transactions_dq_daily/dagRuns/{run_id}/taskInstances")
    return {str(t["task_id"]): str(t["state"]) for t in answer["task_instances"]}  # type: ignore[union-attr]


def _explained(api: la.AirflowApi, dag_id: str, run: dict[str, Any]) -> str:
    """A finished run as an assertion message: each task's state, and the end of the log of
    each failed one (a red run in CI then says why without the Airflow home)."""
    run_id = urllib.parse.quote(str(run["dag_run_id"]), safe="")
    answer = api.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")
    lines = [f"{dag_id} {run['dag_run_id']}: {run.get('state')}"]
    for ti in answer["task_instances"]:  # type: ignore[union-attr]
        lines.append(f"  {ti['task_id']}[{ti.get('map_index', -1)}]: {ti['state']}")
        if ti["state"] != "failed":
            continue
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{ti['task_id']}/logs/"
        path += f"{ti.get('try_number') or 1}?full_content=true&map_index={ti.get('map_index', -1)}"
        try:
            content = json.dumps(api.get(path).get("content"))
        except Exception as problem:  # the explanation must not hide the failure
            content = f"(log not readable: {problem!r})"
        lines.append("    " + content[-3000:])
    return "\n".join(lines)


def _deferred(api: la.AirflowApi, run_id: str) -> bool:
    return _task_states(api, run_id).get("wait_for_batch") == "deferred"


def _task_result(api: la.AirflowApi, run_id: str, task_id: str) -> dict[str, Any]:
    """A task's return value (its XCom), as the API gives it."""
    path = f"/dags/transactions_dq_daily/dagRuns/{run_id}/taskInstances/{task_id}"
    answer = api.get(f"{path}/xcomEntries/return_value?deserialize=true&stringify=false")
    value = answer.get("value")
    return dict(value) if isinstance(value, dict) else json.loads(str(value))


def _keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return sorted(str(item["Key"]) for item in listed)


def test_a_late_daily_run_misses_its_deadline_and_emits_sla_missed(
    standalone: Any, local_stack: Any
) -> None:
    record, api, _ = standalone
    api.unpause("transactions_dq_daily")
    run_id = f"deadline-proof__{LATE_DAY.isoformat()}"
    api.trigger("transactions_dq_daily", run_id, {"business_date": LATE_DAY.isoformat()})
    database = Path(record.home) / "airflow.db"

    def missed() -> list[tuple[Any, ...]]:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
            return db.execute(
                "SELECT d.missed, c.state, c.output, c.data FROM deadline d "
                "JOIN dag_run r ON r.id = d.dagrun_id JOIN callback c ON c.id = d.callback_id "
                "WHERE r.run_id = ? AND d.missed = 1 AND c.state IN ('success', 'failed')",
                (run_id,),
            ).fetchall()

    [(was_missed, state, output, data)] = _wait("the missed deadline's callback", missed, 300)
    assert was_missed == 1
    # the context the scheduler handed the callback: this run, still waiting for its batch
    assert f'"dag_run_id": "{run_id}"' in data
    assert '"state": "running"' in data or '"state": "queued"' in data
    assert "fintech_dq.orchestration.deadline.open_sla_missed_alert" in data
    assert state == "success", output
    # the events path opened an alert for it (the escalation policy takes it from there)
    table = standalone[2].alerts_table
    items = local_stack.client("dynamodb").scan(TableName=table)["Items"]
    opened = [i for i in items if "sla.missed" in str(i) and "deadline-proof" in str(i)]
    assert opened, "no sla.missed alert opened"
    # and the escalation policy's first tier was e-mailed (the local SMTP inbox)
    from fintech_dq.notify.inbox import messages

    inbox = local_stack.emulator.state_dir / "mail"
    day = LATE_DAY.isoformat()
    mails = _wait("the tier-1 e-mail", lambda: [m for m in messages(inbox) if day in str(m)])
    assert mails


def test_the_ui_shows_the_event_driven_run_as_successful(
    standalone: Any, browser: Any, tmp_path: Path
) -> None:
    """Logged in through the UI's own login form, the run's page says it succeeded."""
    import re

    record, api, _ = standalone
    runs = [r for r in api.runs("transactions_dq_on_arrival") if r["state"] == "success"]
    assert runs, "no successful event-driven run to look at"
    run_id = str(runs[0]["dag_run_id"])
    password = la.admin_password(Path(record.home))
    page = browser.new_page()
    try:
        page.goto(f"{record.url}/auth/login/", wait_until="networkidle")
        page.locator("input[name=username]").fill("admin")
        page.locator("input[type=password]").fill(str(password))
        page.locator("button[type=submit]").click()
        page.wait_for_url(re.compile(r"^(?!.*/auth/login).*$"), timeout=30_000)
        page.goto(
            f"{record.url}/dags/transactions_dq_on_arrival/runs/{run_id}",
            wait_until="networkidle",
        )
        page.get_by_text(run_id).first.wait_for(timeout=60_000)
        page.get_by_text(re.compile(r"^\s*success\s*$", re.IGNORECASE)).first.wait_for(
            timeout=60_000
        )
        body = page.locator("body").inner_text()
        page.screenshot(path=str(tmp_path / "run.png"), full_page=True)
        assert re.search(r"\bsuccess\b", body, re.IGNORECASE), body[:2000]
        assert not re.search(r"\bfailed\b", body, re.IGNORECASE), body[:2000]
    finally:
        page.close()
