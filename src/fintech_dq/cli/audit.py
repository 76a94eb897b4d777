"""`fdq audit verify|show`: check the hash chains of the audit trail, list its records.
Reaches AWS or the emulator as `fdq local env` says."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from fintech_dq.cli.arguments import business_date

EXIT_PROBLEMS = 1


def register(subparsers: Any) -> None:
    from fintech_dq.audit import STREAMS

    parser = subparsers.add_parser(
        "audit",
        help="audit trail: verify the hash chains, show records",
        description="The audit trail in bucket C (docs/audit-and-monitoring.md).",
    )
    verbs = parser.add_subparsers(dest="audit_verb", metavar="ACTION")
    verbs.required = True
    verify = verbs.add_parser(
        "verify",
        help="find altered, removed, reordered or overwritten records (exit 1 if any)",
        description="Recompute every record's hash and walk each stream's chain.",
    )
    verify.add_argument("--stream", choices=STREAMS, default=None, help="one stream (default: all)")
    verify.add_argument("--env", default=None, help="environment name (default: FDQ_ENV_NAME)")
    verify.add_argument("--json", action="store_true", help="problems as JSON")
    verify.set_defaults(handler=run_verify)
    show = verbs.add_parser(
        "show",
        help="print a stream's records as JSON Lines",
        description=(
            "Print a stream's records as JSON Lines, in chain order. --business-date selects "
            "the records about a business date (its runs, alerts, schema diff, reprocessing "
            "requests covering it); --date the UTC day a record was written (its "
            "recorded_at): a run of business date D is usually recorded on a later day."
        ),
    )
    show.add_argument("--stream", choices=STREAMS, required=True)
    show.add_argument(
        "--date",
        default=None,
        type=business_date,
        metavar="YYYY-MM-DD",
        help="the UTC day the records were written, not the business date (default: all)",
    )
    show.add_argument(
        "--business-date",
        default=None,
        type=business_date,
        metavar="YYYY-MM-DD",
        help="only records about this business date (default: all)",
    )
    show.add_argument("--run-id", default=None, help="only records of this run")
    show.add_argument("--env", default=None, help="environment name (default: FDQ_ENV_NAME)")
    show.set_defaults(handler=run_show)


def _trail(args: argparse.Namespace) -> Any:
    from fintech_dq.audit import AuditTrail
    from fintech_dq.infra import aws
    from fintech_dq.pipeline.locations import PipelineLocations

    settings = aws.settings()
    return AuditTrail(PipelineLocations.resolve(settings, args.env), settings)


def run_verify(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from fintech_dq.audit import STREAMS

    trail = _trail(args)
    problems = trail.verify(args.stream)
    if args.json:
        print(json.dumps([asdict(p) for p in problems], indent=2))
    else:
        for problem in problems:
            print(f"PROBLEM {problem}")
        for stream in [args.stream] if args.stream else STREAMS:
            head = trail.head(stream)
            print(f"{stream}: {head.sequence if head else 0} records")
        print(f"{len(problems)} problem(s) in s3://{trail.bucket}/{trail.prefix}")
    return EXIT_PROBLEMS if problems else 0


def run_show(args: argparse.Namespace) -> int:
    trail = _trail(args)
    day = args.date.isoformat() if args.date else None
    shown = 0
    about = args.business_date.isoformat() if args.business_date else None
    concerned: set[str] = set()  # the business dates the records read are about
    for record in trail.records(args.stream, day):
        if (args.run_id is None or record.run_id == args.run_id) and (
            about is None or record.is_about(about)
        ):
            print(record.to_json())
            shown += 1
        elif about is not None and (days := record.business_days()):
            concerned.add(days)
    if not shown:
        wanted = " of run " + args.run_id if args.run_id else ""
        wanted += f" about business date {about}" if about else ""
        hint = _nothing_shown_hint(args.stream, day, wanted, trail.days(args.stream))
        if about is not None:
            hint += f"; they are about business dates {_listed(sorted(concerned))}"
        print(hint, file=sys.stderr)
    return 0


def _listed(days: list[str]) -> str:
    if not days:
        return "none (no record names one)"
    return ", ".join(days) if len(days) <= 10 else f"{', '.join(days[:3])}, ..., {days[-1]}"


def _nothing_shown_hint(stream: str, day: str | None, wanted: str, days: list[str]) -> str:
    """Why `audit show` printed nothing, and where the stream's records are."""
    if not days:
        return f"fdq audit show: stream {stream} holds no records"
    held = _listed(days)
    where = f"{len(days)} day(s): {held}" if len(days) > 1 else held
    if day is None:
        return f"fdq audit show: no {stream} records{wanted}; the stream holds records of {where}"
    return (
        f"fdq audit show: no {stream} records{wanted} written on {day} (UTC). --date is the day "
        f"a record was written, not the business date it is about; {stream} holds records "
        f"written on {where}"
    )
