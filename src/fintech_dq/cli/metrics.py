"""`fdq metrics`: the CloudWatch metrics the pipeline published (the emulator's, locally),
and with --date the band and value of each anomaly metric of that day's run."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, replace
from datetime import date, timedelta
from typing import Any

HISTORY_DAYS = 120
"""Enough results documents for month-end bands (three earlier month-ends)."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "metrics",
        help="show the published CloudWatch metrics and anomaly bands",
        description=(
            "List the FintechDQ CloudWatch metrics of an environment and dataset (points of "
            "the last --days days); with --date, the band and value of each anomaly metric."
        ),
    )
    parser.add_argument("--env", default=None, help="environment name (default: FDQ_ENV_NAME)")
    parser.add_argument("--dataset", default="transactions", help="dataset (default: %(default)s)")
    parser.add_argument("--days", type=int, default=14, help="look-back (default: %(default)s)")
    parser.add_argument("--date", type=date.fromisoformat, default=None, help="business date")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run_metrics_command)


def run_metrics_command(args: argparse.Namespace) -> int:
    from fintech_dq.infra import aws
    from fintech_dq.monitoring import anomaly_bands
    from fintech_dq.monitoring.bands import plain_figure
    from fintech_dq.monitoring.bucket_documents import results_history
    from fintech_dq.monitoring.readback import published_metrics
    from fintech_dq.pipeline.locations import PipelineLocations

    settings = aws.settings()
    locations = replace(PipelineLocations.resolve(settings, args.env), dataset=args.dataset)
    summaries = published_metrics(locations, settings, days=args.days)
    bands = []
    if args.date:
        history = results_history(locations, args.date, HISTORY_DAYS, settings)
        today = [d for d in history if d["business_date"] == args.date.isoformat()]
        if not today:
            from fintech_dq.cli import CliError

            raise CliError(f"no results document for {args.date} in s3://{locations.audit_bucket}")
        bands = anomaly_bands(today[-1], history)
    if args.json:
        print(
            json.dumps(
                {
                    "metrics": [asdict(s) for s in summaries],
                    "anomalies": [b.as_dict() for b in bands],
                },
                indent=2,
            )
        )
        return 0
    since = date.today() - timedelta(days=args.days)
    print(
        f"FintechDQ metrics, Environment={locations.env_name} Dataset={locations.dataset}, "
        f"since {since}"
    )
    if not summaries:
        print("  (none published)")
    for s in summaries:
        shown = (
            "-"
            if s.maximum is None or s.total is None
            else f"max {_shown(s.maximum)}  sum {_shown(s.total)}"
        )
        print(f"  {s.label:<34} {s.datapoints:>4} point(s)  {shown}  {s.unit or ''}")
    if bands:
        print(f"\nanomaly bands for {args.date} (median ± 3 × scaled MAD)")
        for b in bands:
            band = (
                f"{plain_figure(b.band.low)} .. {plain_figure(b.band.high)} "
                f"({b.band.days} days, {b.band.basis})"
                if b.band
                else "-"
            )
            print(f"  {b.metric:<28} {plain_figure(b.value):>16}  {band:<46} {b.verdict}")
    return 0


def _shown(value: float) -> str:
    """CloudWatch's double as plain digits (no exponent): its shortest exact form."""
    from decimal import Decimal

    from fintech_dq.monitoring.bands import plain_figure

    return plain_figure(Decimal(repr(value)))
