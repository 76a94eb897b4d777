"""`fdq report`: build the HTML report of a run (and the index across days) in bucket C."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from fintech_dq.report.publisher import HISTORY_DAYS


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="build the HTML data-quality report of a run and the index across days",
        description=(
            "Render the self-contained HTML report of a run from its results document, the "
            f"last {HISTORY_DAYS} days' documents and the day's schema diff in bucket C; store "
            "it at the run's report key and refresh the index. --out also saves copies locally."
        ),
    )
    parser.add_argument("--date", required=True, type=date.fromisoformat, help="business date")
    parser.add_argument("--run-id", default=None, help="run id (default: the day's latest run)")
    parser.add_argument("--env", default=None, help="environment name (default: FDQ_ENV_NAME)")
    parser.add_argument("--dataset", default="transactions", help="dataset (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=None, help="also write the HTML files here")
    parser.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from fintech_dq.cli import CliError
    from fintech_dq.infra import aws
    from fintech_dq.pipeline.locations import PipelineLocations
    from fintech_dq.report import ReportError, index_key, latest_run_id, publish_run_report

    settings = aws.settings()
    locations = replace(PipelineLocations.resolve(settings, args.env), dataset=args.dataset)
    try:
        run_id = args.run_id or latest_run_id(locations, args.date, settings)
        key = publish_run_report(locations, args.date, run_id, settings, out_dir=args.out)
    except ReportError as error:
        raise CliError(str(error)) from error
    print(f"report: s3://{locations.audit_bucket}/{key}")
    print(f"index:  s3://{locations.audit_bucket}/{index_key(locations)}")
    if args.out:  # under the bucket's keys, so that the links between the copies work
        print(f"copies: {args.out / key} (open it in a browser)")
        print(f"        {args.out / index_key(locations)}")
    return 0
