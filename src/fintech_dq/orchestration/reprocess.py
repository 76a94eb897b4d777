"""A reprocess request: which days, who asked, why; checked before anything runs and
recorded in the audit trail (stream `operators`) before and after.

Reprocessing a day runs the daily check again from the landed files with the rules as
they are now, so rows quarantined under an old rule are validated again, and the day's
processed / quarantine / rejected partitions are replaced as a whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fintech_dq.orchestration.run_plan import RunPlanError, storage_run_id

AUDIT_STREAM = "operators"
DAILY_DAG_ID = "transactions_dq_daily"
MAX_DAYS = 366


@dataclass(frozen=True)
class ReprocessRequest:
    start: date
    end: date
    requested_by: str
    reason: str
    request_id: str

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def daily_run_id(self, day: date) -> str:
        return f"reprocess__{day.isoformat()}__{self.request_id}"

    def trigger_kwargs(self) -> list[dict[str, Any]]:
        """One TriggerDagRunOperator call per day (run id and conf)."""
        return [
            {
                "trigger_run_id": self.daily_run_id(day),
                "conf": {
                    "business_date": day.isoformat(),
                    "reprocess_request": self.request_id,
                    "requested_by": self.requested_by,
                    "reason": self.reason,
                },
            }
            for day in self.days
        ]


def parse_request(conf: dict[str, Any] | None, airflow_run_id: str) -> ReprocessRequest:
    """The run conf as a request; every problem is named (nothing is guessed)."""
    conf = conf or {}
    problems: list[str] = []
    who = str(conf.get("requested_by") or "").strip()
    why = str(conf.get("reason") or "").strip()
    if not who:
        problems.append("requested_by is required (who asks)")
    if len(why) < 10:
        problems.append("reason is required, at least 10 characters (why)")
    days: list[date] = []
    for name in ("start", "end"):
        try:
            days.append(date.fromisoformat(str(conf.get(name) or conf.get("start"))))
        except ValueError:
            problems.append(f"{name} must be a date YYYY-MM-DD, got {conf.get(name)!r}")
    if not problems and days[1] < days[0]:
        problems.append(f"end {days[1]} is before start {days[0]}")
    if not problems and (days[1] - days[0]).days + 1 > MAX_DAYS:
        problems.append(f"at most {MAX_DAYS} days per request")
    if problems:
        raise RunPlanError("reprocess request rejected: " + "; ".join(problems))
    return ReprocessRequest(days[0], days[1], who, why, storage_run_id(airflow_run_id))


def record(request: ReprocessRequest, action: str, details: dict[str, Any]) -> None:
    from fintech_dq.audit import AuditTrail
    from fintech_dq.audit.record import range_subject
    from fintech_dq.pipeline.locations import PipelineLocations

    AuditTrail(PipelineLocations.resolve()).append(
        AUDIT_STREAM,
        action,
        request.requested_by,
        run_id=request.request_id,
        subject=range_subject("transactions", request.start.isoformat(), request.end.isoformat()),
        details={"reason": request.reason, **details},
    )


def outcomes(
    request: ReprocessRequest, run_state: Callable[[str], str | None]
) -> dict[str, dict[str, str]]:
    """What really happened to each day: its daily run's state (`run_state(run id)`, None
    when there is no such run: "not run"), and for a run that succeeded the data status of
    the results document it wrote. A run that did not succeed names no status: the results
    document under its id may be an earlier attempt's."""
    import json

    from fintech_dq.infra import aws
    from fintech_dq.pipeline.locations import PipelineLocations

    where = PipelineLocations.resolve()
    s3 = aws.client("s3")
    found: dict[str, dict[str, str]] = {}
    for day in request.days:
        run_id = request.daily_run_id(day)
        state = run_state(run_id)
        outcome = {"run_id": run_id, "run_state": state or "not run"}
        if state == "success":
            key = where.results_key(day, storage_run_id(run_id))
            try:
                body = s3.get_object(Bucket=where.audit_bucket, Key=key)["Body"].read()
                outcome["status"] = str(json.loads(body).get("status"))
            except s3.exceptions.NoSuchKey:
                outcome["status"] = "missing"
        found[day.isoformat()] = outcome
    return found


def failed_days(found: dict[str, dict[str, str]]) -> list[str]:
    """The days whose daily run did not succeed (a data outcome such as `failed` is a
    successful run: the check was done)."""
    return sorted(day for day, outcome in found.items() if outcome["run_state"] != "success")
