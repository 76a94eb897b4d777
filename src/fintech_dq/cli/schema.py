"""`fdq schema`: crawl a landed day into the catalog, diff it with the contract, accept a
change (docs/schema-drift.md). Reaches AWS or the emulator as `fdq local env` says."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fintech_dq.cli import CliError
from fintech_dq.cli.arguments import business_date
from fintech_dq.masked_documents import masked_text

EXIT_BREAKING = 1


def _out(text: str) -> None:
    """All these verbs print: masked, since column names and file names can hold a PAN."""
    print(masked_text(text))


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "schema",
        help="schema drift: crawl, diff, accept",
        description=(
            "Detect schema drift of a landed day: crawl it into the Glue Data Catalog (local "
            "runtime), diff the catalog with the contract and the previous table version, "
            "and accept a change into the contract with an audit record."
        ),
    )
    verbs = parser.add_subparsers(dest="schema_verb", metavar="ACTION")
    verbs.required = True

    crawl = verbs.add_parser(
        "crawl",
        help="infer the day's schema with Spark and write the catalog table (local runtime)",
        description=(
            "Stage the day's files out of bucket A, infer their schema with Spark and write "
            "the catalog table: a changed schema becomes a new table version, the same schema "
            "none. On AWS the Glue crawler does this."
        ),
    )
    _common(crawl)
    crawl.set_defaults(handler=run_crawl)

    diff = verbs.add_parser(
        "diff",
        help="diff the catalog with the contract and the previous version (exit 1: breaking)",
        description=(
            "Diff the catalog's latest schema with the contract and the previous version, "
            "store the diff in bucket C and print it; a breaking change emits schema.changed "
            "once per day, table version, contract and crawled day schema (--dry-run: "
            "only show it). Exit 1 when the change is breaking, 2 when nothing landed for "
            "the date (nothing is stored then)."
        ),
    )
    _common(diff)
    diff.add_argument("--run-id", default=None, help="run id recorded in the diff (default: now)")
    diff.add_argument("--json", action="store_true", help="print the diff document as JSON")
    diff.add_argument(
        "--dry-run",
        action="store_true",
        help="only show the diff (investigating): store, emit and audit nothing",
    )
    diff.set_defaults(handler=run_diff)

    accept = verbs.add_parser(
        "accept",
        help="update the contract (rules file) to the day's catalog schema, audited",
        description=(
            "Edit the rules file so its columns match the day's catalog schema (version bumped: "
            "major for a breaking change, minor otherwise), check it, and append who accepted "
            "it and why to the audit trail. A renamed column is renamed in the rules that name "
            "it too (their ids are kept); a rule that names a removed column is refused with "
            "its line: delete or change it first. Commit the rules file afterwards."
        ),
    )
    _common(accept)
    accept.add_argument("--by", required=True, help="who accepts the change (name or e-mail)")
    accept.add_argument("--reason", required=True, help="why (ticket, agreement with sender)")
    accept.set_defaults(handler=run_accept)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--date", required=True, type=business_date, help="business date YYYY-MM-DD"
    )
    parser.add_argument("--env", default=None, help="environment name (default: FDQ_ENV_NAME)")
    parser.add_argument("--dataset", default="transactions", help="dataset (default: %(default)s)")
    parser.add_argument(
        "--rules", type=Path, default=None, help="rules file (default: the packaged one)"
    )


def _locations(args: argparse.Namespace) -> Any:
    from fintech_dq.infra import aws
    from fintech_dq.pipeline.locations import PipelineLocations

    settings = aws.settings()
    resolved = PipelineLocations.resolve(settings, args.env)
    return replace(resolved, dataset=args.dataset), settings


def _rules(args: argparse.Namespace) -> Any:
    from fintech_dq.contract import RulesFileError, load_rules
    from fintech_dq.rules import rules_path

    try:
        return load_rules(args.rules or rules_path(args.dataset))
    except RulesFileError as error:
        raise CliError(str(error)) from error


def run_crawl(args: argparse.Namespace) -> int:
    from fintech_dq.schema import crawl_locally

    locations, settings = _locations(args)
    if not settings.is_local:
        raise CliError(
            f"on AWS the Glue crawler {locations.crawler} crawls (the DAG starts it); "
            "`fdq schema crawl` is the local runtime's crawler"
        )
    try:
        update = crawl_locally(locations, args.date, settings, rules=_rules(args))
    except FileNotFoundError as error:
        raise CliError(str(error)) from error
    _out(json.dumps(update.as_dict(), indent=2))
    return 0


def run_diff(args: argparse.Namespace) -> int:
    from fintech_dq.pipeline.landing import NothingLanded, require_landed
    from fintech_dq.schema import CatalogTableMissing, check_drift
    from fintech_dq.schema.drift import summary_of

    locations, settings = _locations(args)
    try:  # a day that never landed has no schema to diff: nothing is stored or emitted
        require_landed(locations, args.date, settings)
    except NothingLanded as error:
        raise CliError(str(error)) from error
    run_id = args.run_id or "cli-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        outcome = check_drift(
            locations, args.date, run_id, settings, rules=_rules(args), act=not args.dry_run
        )
    except CatalogTableMissing as error:
        raise CliError(str(error)) from error
    if settings.is_local and outcome.acted:  # what EventBridge -> Lambda does on AWS
        from fintech_dq.cli import function_logs_on_stderr
        from fintech_dq.events.local_delivery import deliver_pending_events

        with function_logs_on_stderr():  # the functions' logs: not the diff
            deliver_pending_events(locations, settings)
    if args.json:
        _out(json.dumps(outcome.diff, indent=2, sort_keys=True))
    else:
        _out(summary_of(outcome.diff))
        for change in outcome.diff["changes"]:
            _out(f"  [{change['classification']}] vs {change['against']}: {change['message']}")
        if args.dry_run:
            _out("(dry run: nothing stored, emitted or audited)")
        else:
            _out(f"diff: {locations.s3_uri(locations.audit_bucket, outcome.key)}")
        if not outcome.acted and not args.dry_run:
            _out("(stored by an earlier run of this day: nothing emitted again)")
    return EXIT_BREAKING if outcome.breaking else 0


def run_accept(args: argparse.Namespace) -> int:
    from fintech_dq.contract import RulesFileError
    from fintech_dq.rules import rules_path
    from fintech_dq.schema import CannotAccept, CatalogTableMissing, accept_change

    locations, settings = _locations(args)
    rules_file = args.rules or rules_path(locations.dataset)
    try:
        result = accept_change(locations, args.date, args.by, args.reason, rules_file, settings)
    except (CannotAccept, CatalogTableMissing) as error:
        raise CliError(str(error)) from error
    except RulesFileError as error:  # the file as it is (the edited text is CannotAccept)
        hint = (
            " (a rule edited ahead to a renamed column's new name: put the old name back, "
            "accepting the rename renames the rules' references too)"
            if "is not a column of the dataset" in str(error)
            else ""
        )
        message = f"{rules_file} does not load as it is; nothing was accepted{hint}.\n{error}"
        raise CliError(message) from error
    _out(f"{result.rules_file}: version {result.old_version} -> {result.new_version}")
    for change in result.changes:
        _out(f"  accepted [{change.classification}]: {change.message}")
    for rewritten in result.rewritten:
        ref = rewritten.reference
        _out(
            f"  rule {ref.rule_id} (line {ref.line} before the edit): {ref.key} "
            f"{ref.column} -> {rewritten.new}"
        )
    if result.rewritten:
        _out(
            "  rule ids are kept as they are: they are the stable identifiers of the rules' "
            "metrics and history"
        )
    for old_id, new_id in result.renamed_generated:
        _out(
            f"  rule {old_id} is now {new_id}: made from the column contract, it is named "
            "after the column (its history stays under the old id)"
        )
    _out(f"audited: accepted by {args.by}; commit {result.rules_file} and redeploy")
    return 0
