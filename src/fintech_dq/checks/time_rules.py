"""Time rules, against the run's injectable clock and the batch's business date (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from pyspark.sql import Column
from pyspark.sql import functions as F

from fintech_dq.checks.base import CheckContext, RowCheck, failed_when
from fintech_dq.contract import RuleSpec


def _utc_literal(moment: datetime) -> Column:
    """A timestamp literal that means the same instant whatever the JVM's zone."""
    return F.to_timestamp(F.lit(moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")))


def not_in_future(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    column = str(rule.column)
    now = ctx.now.astimezone(UTC)
    condition = ctx.value(column) > _utc_literal(now)
    message = F.concat(
        F.lit(f"{column} "),
        ctx.shown(column),
        F.lit(f" is after the run's clock {now.isoformat(timespec='seconds')}"),
    )
    return RowCheck(rule, failed_when(condition), message)


def business_date_window(rule: RuleSpec, ctx: CheckContext) -> RowCheck:
    column = str(rule.column)
    days = int(rule.params["days_before"])
    start = datetime.combine(ctx.business_date - timedelta(days=days), time(), UTC)
    end = datetime.combine(ctx.business_date + timedelta(days=1), time(), UTC)
    value = ctx.value(column)
    condition = (value < _utc_literal(start)) | (value >= _utc_literal(end))
    message = F.concat(
        F.lit(f"{column} "),
        ctx.shown(column),
        F.lit(
            f" is outside the business day {ctx.business_date.isoformat()} "
            f"(late arrivals up to {days} days before are accepted)"
        ),
    )
    return RowCheck(rule, failed_when(condition), message)


BUILDERS = {"not_in_future": not_in_future, "business_date_window": business_date_window}
