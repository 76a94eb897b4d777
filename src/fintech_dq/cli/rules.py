"""`fdq rules`: check a rules file, or list its rules as a risk analyst reads them."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import Any

from fintech_dq.cli import CliError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "rules",
        help="check or list a dataset's rules",
        description="Check a rules file against its schema, or list its rules.",
    )
    verbs = parser.add_subparsers(dest="rules_verb", metavar="ACTION")
    verbs.required = True
    check = verbs.add_parser(
        "check",
        help="check a rules file; every problem is printed with file:line:column",
        description="Check a rules file: structure, rule types, keys, columns, regexes, ids.",
    )
    check.add_argument("file", type=Path, help="the rules YAML file")
    check.set_defaults(handler=run_check)
    show = verbs.add_parser(
        "show",
        help="list the rules (id, severity, sentence)",
        description="List every rule of a dataset: id, severity and what it means.",
    )
    source = show.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", help="a packaged dataset, e.g. transactions")
    source.add_argument("--file", type=Path, help="a rules YAML file")
    show.set_defaults(handler=run_show)


def _load(path: Path, java_regex: Any = None) -> Any:
    from fintech_dq.contract import RulesFileError, load_rules

    if not path.exists():
        raise CliError(f"{path} does not exist")
    try:
        return load_rules(path, java_regex)
    except RulesFileError as error:
        raise CliError(str(error)) from error


def run_check(args: argparse.Namespace) -> int:
    """Patterns are compiled by Java, as the engine runs them: a bare JVM is started for the
    first one (fintech_dq.contract.java_regex); without Java they are left unjudged, said."""
    from fintech_dq.contract.java_regex import standalone_java_regex

    with standalone_java_regex() as java_regex:
        rules = _load(args.file, java_regex)
    if java_regex.unavailable:
        print(
            f"note: patterns not checked: {java_regex.unavailable}; they are Java regexes, "
            "which fdq validate compiles before reading any data",
            file=sys.stderr,
        )
    print(
        f"{args.file}: OK: dataset {rules.dataset} v{rules.version}, {len(rules.columns)} columns, "
        f"{len(rules.row_rules)} row rules, {len(rules.batch_rules)} batch rules"
    )
    return 0


def run_show(args: argparse.Namespace) -> int:
    from fintech_dq.rules import rules_path

    rules = _load(args.file or rules_path(args.dataset))
    print(f"{rules.dataset} v{rules.version} ({rules.source_path})\n")
    for section, items in (("Row rules", rules.row_rules), ("Batch rules", rules.batch_rules)):
        print(section)
        for rule in items:
            print(f"  {rule.id}  [{rule.severity.value}]")
            print(textwrap.indent(textwrap.fill(rule.description, 88), "      "))
        print()
    return 0
