"""The rules file: the packaged one loads, and mistakes are errors naming file and line."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fintech_dq.checks.registry import ROW_CHECK_BUILDERS
from fintech_dq.contract import RulesFileError, Severity, load_rules, load_rules_text
from fintech_dq.contract.java_regex import (
    JavaRegexCompiler,
    StandaloneJavaRegex,
    standalone_java_regex,
)
from fintech_dq.contract.rule_types import BATCH_RULE_TYPES, ROW_RULE_TYPES
from fintech_dq.engine.batch_rules import BATCH_RULE_EVALUATORS
from fintech_dq.rules import rules_path

PACKAGED = rules_path("transactions")
CONTRACT = Path(__file__).resolve().parents[2] / "shared" / "contracts" / "transactions.md"

MINIMAL = """\
dataset: demo
version: 1.0.0
columns:
  id: {type: string, required: true}
  amount: {type: "decimal(20,4)"}
rules:
  - id: amount.positive
    type: range
    column: amount
    greater_than: "0"
    severity: error
    description: Positive.
"""


def problems_of(text: str, java_regex: JavaRegexCompiler | None = None) -> list[str]:
    with pytest.raises(RulesFileError) as caught:
        load_rules_text(text, "demo.yaml", java_regex)
    return caught.value.problems


def test_packaged_rules_load_with_every_contract_column() -> None:
    rules = load_rules(PACKAGED)
    assert rules.dataset == "transactions"
    assert len(rules.columns) == 21
    assert {c.name for c in rules.columns if c.required} == {
        "transaction_id",
        "account_id",
        "customer_id",
        "amount",
        "created_at",
    }
    assert rules.column("fx_rate").precision_scale == (20, 10)
    assert rules.rule("card_number.unmasked").severity is Severity.CRITICAL
    assert rules.rule("batch.manifest_totals").severity is Severity.CRITICAL
    assert rules.rule("batch.volume_band").severity is Severity.WARN
    assert rules.rule("amount.type").generated


@pytest.mark.skipif(not CONTRACT.exists(), reason="shared contract not beside the repo")
def test_every_contract_column_is_in_the_rules_file() -> None:
    rules = load_rules(PACKAGED)
    table_rows = [
        line.split("|")[1].strip()
        for line in CONTRACT.read_text().splitlines()
        if line.startswith("| ") and not line.startswith("| column") and "---" not in line
    ]
    assert set(table_rows) == set(rules.column_names)


def test_every_rule_type_has_an_implementation() -> None:
    assert set(ROW_RULE_TYPES) == set(ROW_CHECK_BUILDERS)
    assert set(BATCH_RULE_TYPES) == set(BATCH_RULE_EVALUATORS)


def test_minimal_file_loads_and_generates_required_and_type_rules() -> None:
    rules = load_rules_text(MINIMAL, "demo.yaml")
    assert [r.id for r in rules.row_rules] == ["id.required", "amount.type", "amount.positive"]


def test_misspelt_key_names_line_and_suggests() -> None:
    text = MINIMAL.replace("    column: amount\n", "    colum: amount\n")
    assert problems_of(text) == [
        "demo.yaml:7:5: rules[0]: 'column' is missing",  # a missing key: the rule's start
        "demo.yaml:9:5: rules[0]: unknown key 'colum' (did you mean 'column'?)",
    ]


def test_misspelt_rule_key_is_reported_at_its_own_line() -> None:
    text = MINIMAL.replace("    severity: error\n", "    severty: error\n")
    assert "demo.yaml:11:5: rules[0]: unknown key 'severty' (did you mean 'severity'?)" in (
        problems_of(text)
    )


def test_misspelt_top_level_key_is_reported_at_its_own_line() -> None:
    text = MINIMAL + "schema_polcy:\n  extra_column: additive\n"
    assert problems_of(text) == [
        "demo.yaml:13:1: top level: unknown key 'schema_polcy' (did you mean 'schema_policy'?)"
    ]


def test_each_unknown_key_of_one_mapping_has_its_own_line() -> None:
    text = MINIMAL.replace("    column: amount\n", "    column: amount\n    colour: red\n")
    text = text.replace("    severity: error\n", "    severty: error\n")
    problems = problems_of(text)
    assert any(p.startswith("demo.yaml:10:5: rules[0]: unknown key 'colour'") for p in problems)
    assert any(p.startswith("demo.yaml:12:5: rules[0]: unknown key 'severty'") for p in problems)


def test_unknown_rule_type_is_an_error_not_a_skip() -> None:
    text = MINIMAL.replace("type: range", "type: rnage")
    assert problems_of(text) == [
        "demo.yaml:8:11: rules[0]: unknown rule type 'rnage' (did you mean 'range'?)"
    ]


def test_column_not_in_dataset() -> None:
    text = MINIMAL.replace("    column: amount\n", "    column: amout\n")
    assert problems_of(text) == [
        "demo.yaml:9:13: rule 'amount.positive': column 'amout' is not a column of the dataset "
        "(did you mean 'amount'?)"
    ]


def test_a_broken_column_hides_no_problem_of_the_rules() -> None:
    text = MINIMAL.replace("id: {type: string,", "id: {type: strin,")
    text = text.replace("severity: error", "severity: eror") + "  - 42\n"
    assert problems_of(text) == [
        "demo.yaml:4:14: columns.id.type: 'strin' is not a column type: string, timestamp or "
        "decimal(precision,scale) (did you mean 'string'?)",
        "demo.yaml:13:5: rules[1]: 42 is not of type 'object'",
        "demo.yaml:11:15: rules[0].severity: 'eror' is not one of warn, error, critical",
    ]


def test_a_wrong_version_hides_no_problem_of_the_rules() -> None:
    text = MINIMAL.replace("version: 1.0.0", "version: one").replace("error", "eror")
    problems = problems_of(text)
    assert len(problems) == 2 and problems[0].startswith("demo.yaml:2:10: version: 'one'")
    assert (
        problems[1]
        == "demo.yaml:11:15: rules[0].severity: 'eror' is not one of warn, error, critical"
    )


@pytest.fixture(scope="module")
def java_regex() -> Iterator[StandaloneJavaRegex]:
    with standalone_java_regex() as compiler:
        yield compiler


def test_bad_severity_duplicate_key_and_bad_regex_all_reported_at_once(
    java_regex: StandaloneJavaRegex,
) -> None:
    text = MINIMAL.replace("severity: error", "severity: fatal") + (
        "  - id: id.format\n    type: pattern\n    column: id\n    pattern: '[a-'\n"
        "    severity: warn\n    description: x\n    description: y\n"
    )
    problems = problems_of(text, java_regex)
    assert "demo.yaml:19:5: key 'description' appears twice" in problems
    assert (
        "demo.yaml:11:15: rules[0].severity: 'fatal' is not one of warn, error, critical"
        in problems
    )
    assert any(
        p.startswith("demo.yaml:16:14: rule 'id.format': pattern does not compile")
        for p in problems
    )


def test_patterns_are_judged_as_java_regexes(java_regex: StandaloneJavaRegex) -> None:
    def pattern_rule(pattern: str) -> str:
        return MINIMAL + (
            f"  - id: id.format\n    type: pattern\n    column: id\n    pattern: '{pattern}'\n"
            "    severity: error\n    description: x\n"
        )

    # Java syntax Python's re refuses
    load_rules_text(pattern_rule("^\\p{Digit}{4}$"), "demo.yaml", java_regex)
    # compiles in Python (the brace read literally), not in Java
    assert problems_of(pattern_rule("^[0-9]{4$"), java_regex) == [
        "demo.yaml:16:14: rule 'id.format': pattern does not compile as a Java regex: "
        "Unclosed counted closure near index 8"
    ]
    assert java_regex.unavailable is None


def test_a_wrong_outcome_bound_hides_no_other_problem() -> None:
    text = (
        MINIMAL.replace('greater_than: "0"', 'greater_than: "zero"')
        .replace(
            "rules:\n",
            "outcome: {fail_when_quarantine_rate_above: 5}\n"
            "schema_policy: {extra_column: fatal}\nrules:\n",
        )
        .replace("column: amount", "column: amont")
    )
    assert problems_of(text) == [
        "demo.yaml:6:44: outcome.fail_when_quarantine_rate_above: 5 is greater than the "
        "maximum of 1",
        "demo.yaml:7:31: schema_policy.extra_column: 'fatal' is not one of breaking, additive",
        "demo.yaml:12:19: rules[0].greater_than: 'zero' does not match '^-?[0-9]+(\\\\.[0-9]+)?$'",
        "demo.yaml:11:13: rule 'amount.positive': column 'amont' is not a column of the "
        "dataset (did you mean 'amount'?)",
        "demo.yaml:12:19: rule 'amount.positive': greater_than is not a decimal",
    ]


@pytest.mark.parametrize(
    ("pattern", "code", "said"),
    [
        ("^\\p{Digit}{4}$", 0, "OK: dataset transactions"),
        ("^[0-9]{4$", 2, "rule 'mcc.format': pattern does not compile as a Java regex"),
    ],
)
def test_rules_check_compiles_patterns_with_java(
    tmp_path: Path, pattern: str, code: int, said: str
) -> None:
    text = PACKAGED.read_text(encoding="utf-8").replace('"^[0-9]{4}$"', f"'{pattern}'")
    rules = tmp_path / "rules.yaml"
    rules.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "fintech_dq.cli", "rules", "check", str(rules)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == code, result.stderr
    assert said in result.stdout + result.stderr
    assert "note:" not in result.stderr


def test_not_yaml() -> None:
    assert problems_of("dataset: [unclosed\n")[0].startswith("demo.yaml:2:1: not valid YAML")


def test_duplicate_rule_ids() -> None:
    text = MINIMAL + (
        "  - id: amount.positive\n    type: range\n    column: amount\n    at_least: '1'\n"
        "    severity: warn\n    description: Again.\n"
    )
    assert problems_of(text) == [
        "demo.yaml:13:1: rule id 'amount.positive' is used twice (first at line 7)"
    ]


def test_packaged_rules_load_from_a_zip_as_on_glue(tmp_path: Path) -> None:
    """Glue imports --extra-py-files zips without unpacking them."""
    import shutil
    import subprocess
    import sys

    package = Path(__file__).resolve().parents[1] / "src"
    archive = shutil.make_archive(str(tmp_path / "fintech_dq"), "zip", package, "fintech_dq")
    code = (
        "from fintech_dq.rules import load_dataset_rules; import fintech_dq;"
        f"assert fintech_dq.__file__.startswith({archive!r}), fintech_dq.__file__;"
        "print(load_dataset_rules('transactions').version)"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-S",
            "-c",
            f"import sys; sys.path.insert(0, {archive!r}); "
            "sys.path += [p for p in __import__('site').getsitepackages()]; " + code,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == load_rules(rules_path("transactions")).version
