"""`fdq sample generate`: write realistic business days with known defects and their truth."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fintech_dq.cli import CliError
from fintech_dq.cli.arguments import business_date, positive_int


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sample",
        help="generate sample transaction data with known defects",
        description="Generate sample data for tests, demos and benchmarks.",
    )
    verbs = parser.add_subparsers(dest="sample_verb", metavar="ACTION")
    verbs.required = True
    generate = verbs.add_parser(
        "generate",
        help="write business days of transactions, a merchants table and the ground truth",
        description=(
            "Write K consecutive business days ending on --business-date, in the landing "
            "bucket's layout under OUT: transactions/ingest_date=D/<source>-<seq>.<ext> with a "
            "<file>.manifest.json each, reference/merchants/merchants.csv, and "
            "ground_truth/ingest_date=D/ground_truth.json (every injected defect: file, line, "
            "transaction_id, the rules it breaks, quarantined or rejected; and the expected "
            "run status). The same arguments always write the same bytes. A day's folder is "
            "replaced. Validate the days in date order: later days reuse ids of earlier ones."
        ),
    )
    generate.add_argument(
        "--out", required=True, type=Path, metavar="DIR",
        help="output root (the landing bucket's layout is created under it)",
    )  # fmt: skip
    generate.add_argument(
        "--business-date", required=True, type=business_date, metavar="YYYY-MM-DD",
        help="the (last) business day to generate",
    )  # fmt: skip
    generate.add_argument(
        "--rows", required=True, type=positive_int, metavar="N",
        help="records per day, unparsable ones included, spread over the files",
    )  # fmt: skip
    generate.add_argument(
        "--seed", type=int, default=7, metavar="S",
        help="random seed; the same seed gives the same files (default: 7)",
    )  # fmt: skip
    generate.add_argument(
        "--defects",
        default="default",
        metavar="MIX",
        help=(
            "which defects to inject: 'default' (about 2%% of rows, every error class, a few "
            "unparsable lines), 'none' (clean), 'pci_breach' (default plus one unmasked card "
            "number in the last day: its batch must be blocked), or defect class names "
            "separated by commas (e.g. bad_iban,negative_amount; 2%% of rows spread over "
            "them; `fdq sample defects` lists them). Default: default"
        ),
    )
    generate.add_argument(
        "--days", type=positive_int, default=1, metavar="K",
        help="consecutive days ending on --business-date (history for seen_before; default: 1)",
    )  # fmt: skip
    generate.add_argument(
        "--formats", default=None, metavar="LIST",
        help="file formats, comma separated, from csv,csv.gz,jsonl,jsonl.gz,parquet (default: all)",
    )  # fmt: skip
    generate.set_defaults(handler=run_generate)
    listing = verbs.add_parser(
        "defects",
        help="list the defect classes, their outcome and the rules each breaks",
        description="List the defect classes --defects accepts, with the rules each breaks.",
    )
    listing.set_defaults(handler=run_defects)


def run_generate(args: argparse.Namespace) -> int:
    from fintech_dq.sample import DEFAULT_FORMATS, DefectMix, generate_days

    try:
        mix = DefectMix.named(args.defects)
    except ValueError as error:
        raise CliError(str(error)) from error
    if args.days == 1 and "seen_before" in args.defects.split(","):
        raise CliError("seen_before needs earlier days: give --days 2 or more")
    formats = DEFAULT_FORMATS
    if args.formats:
        formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    try:
        truths = generate_days(
            args.out, args.business_date, args.days, args.rows, args.seed, mix, formats
        )
    except ValueError as error:
        raise CliError(str(error)) from error
    for truth in truths:
        quarantined = sum(1 for d in truth.defects if d.expected_outcome == "quarantined")
        rejected = sum(1 for d in truth.defects if d.expected_outcome == "rejected")
        print(
            f"{truth.business_date}: {truth.rows_total} rows in {len(truth.files)} files, "
            f"{quarantined} to quarantine, {rejected} to reject, expected {truth.expected_status}"
        )
    print(f"written under {args.out}")
    return 0


def run_defects(args: argparse.Namespace) -> int:
    from fintech_dq.sample import DEFECTS

    for name, defect in DEFECTS.items():
        print(f"{name:28} {defect.outcome:12} {' '.join(defect.rules) or '-'}")
    return 0
