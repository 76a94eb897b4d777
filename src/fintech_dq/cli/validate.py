"""`fdq validate`: run the validation engine on local files and print a readable summary."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fintech_dq.cli import CliError
from fintech_dq.cli.arguments import business_date
from fintech_dq.cli.summary import render_summary
from fintech_dq.masked_documents import masked_results

EXIT_BLOCKED = 3


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="validate one business day of a dataset",
        description=(
            "Validate a business day of delivered files against the dataset's rules. Writes "
            "OUT/results.json (the latest run), a copy of it under "
            "OUT/results/business_date=D/run_id=R/results.json (the run history), "
            "OUT/processed/, OUT/quarantine/ and OUT/rejected/ (each partitioned by "
            "business_date); card numbers are masked in all of them. Manifests "
            "(<file>.manifest.json) are picked up from beside each input file. Exit status: "
            "0 when the batch was not blocked (passed, passed_with_warnings or failed), "
            f"{EXIT_BLOCKED} when a critical rule blocked it, 2 on a usage or rules-file error."
        ),
    )
    parser.add_argument("--dataset", required=True, help="dataset name, e.g. transactions")
    parser.add_argument(
        "--business-date",
        required=True,
        type=business_date,
        help="the batch's business day, YYYY-MM-DD",
    )
    parser.add_argument(
        "--input",
        action="append",
        required=True,
        metavar="PATH",
        help="a data file or a folder of them (repeatable)",
    )
    parser.add_argument(
        "--reference",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="a reference table, e.g. merchants=reference/merchants/merchants.csv (repeatable)",
    )
    parser.add_argument("--out", required=True, type=Path, help="output root folder")
    parser.add_argument(
        "--rules",
        type=Path,
        default=None,
        help="rules file (default: the packaged rules/<dataset>.yaml)",
    )
    parser.add_argument("--run-id", default=None, help="run id (default: date + random suffix)")
    parser.add_argument(
        "--now",
        type=_moment,
        default=None,
        help="the run's clock as ISO 8601 with offset (default: the current UTC time)",
    )
    parser.add_argument("--json", action="store_true", help="print the results document as JSON")
    parser.set_defaults(handler=run)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from error
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give a UTC offset (e.g. Z or +00:00): {text!r}")
    return moment.astimezone(UTC)


def parse_references(items: list[str]) -> dict[str, str]:
    references = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise CliError(f"--reference wants NAME=PATH, got {item!r}")
        if not Path(path).exists():
            raise CliError(f"reference table {name}: {path} does not exist")
        references[name] = path
    return references


def run(args: argparse.Namespace) -> int:
    from fintech_dq.contract import RulesFileError, load_rules
    from fintech_dq.engine import OutputLocations, ValidationRequest, validate_batch
    from fintech_dq.rules import rules_path
    from fintech_dq.spark_session import local_spark

    rules_file = args.rules or rules_path(args.dataset)
    if not Path(rules_file).exists():
        raise CliError(f"no rules file for dataset {args.dataset!r} at {rules_file}")
    try:
        rules = load_rules(rules_file)
    except RulesFileError as error:
        raise CliError(str(error)) from error
    for path in args.input:
        if not Path(path).exists():
            raise CliError(f"input {path} does not exist")
    try:
        request = ValidationRequest(
            dataset=args.dataset,
            business_date=args.business_date,
            inputs=[str(p) for p in args.input],
            outputs=OutputLocations.under(args.out.resolve()),
            references=parse_references(args.reference),
            run_id=args.run_id,
            now=args.now,
        )
    except ValueError as error:
        raise CliError(str(error)) from error
    spark = local_spark("fdq-validate")
    try:
        result = validate_batch(spark, rules, request)
    except ValueError as error:
        raise CliError(str(error)) from error
    document = masked_results(result.document)  # names (files, headers, keys) can hold a PAN
    latest = args.out / "results.json"
    latest.write_text(json.dumps(document, indent=2), encoding="utf-8")
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        print(render_summary(document, latest))
    return EXIT_BLOCKED if result.blocked else 0
