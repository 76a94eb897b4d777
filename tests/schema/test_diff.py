"""The schema diff as pure functions: type relations, each change kind against the contract
and against the previous version, the policy from the rules file, accepting into the text."""

from __future__ import annotations

from typing import Any

import pytest

from fintech_dq.contract import RulesFileError, load_rules_text
from fintech_dq.rules import rules_path
from fintech_dq.schema.accept import CannotAccept, contract_edit, contract_text
from fintech_dq.schema.diff import SchemaChange, diff_against_contract, diff_versions
from fintech_dq.schema.hive_types import Relation, parse_type, relation
from fintech_dq.schema.model import DECLARED, VALUES, CatalogColumn, TableSchema
from fintech_dq.schema.policy import policy_of

RULES_TEXT = """\
dataset: demo
version: 1.2.3
columns:
  id:         {type: string, required: true}
  amount:     {type: "decimal(20,4)", required: true}
  created_at: {type: timestamp}
  note:       {type: string}
schema_policy:
  reordered_columns: breaking
rules: []
"""
RULES = load_rules_text(RULES_TEXT, "demo.yaml")
POLICY = policy_of(RULES)


def text_table(*columns: tuple[str, str], version: str = "1") -> TableSchema:
    return TableSchema(tuple(CatalogColumn(n, t, VALUES) for n, t in columns), "csv", version)


BASE = text_table(("id", "string"), ("amount", "double"), ("created_at", "timestamp"),
                  ("note", "string"))  # fmt: skip


def kinds(changes: list[SchemaChange]) -> dict[str, tuple[str, str]]:
    return {c.column: (c.kind, c.classification) for c in changes}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("bigint", "double", Relation.WIDENED),
        ("double", "bigint", Relation.NARROWED),
        ("decimal(20,4)", "decimal(38,18)", Relation.WIDENED),
        ("decimal(20,4)", "decimal(10,2)", Relation.NARROWED),
        ("decimal(20,4)", "decimal(10,6)", Relation.INCOMPATIBLE),
        ("int", "string", Relation.WIDENED),
        ("timestamp", "bigint", Relation.INCOMPATIBLE),
        ("array<int>", "array<bigint>", Relation.WIDENED),
        ("string", "struct<a:string>", Relation.INCOMPATIBLE),
        ("struct<a:string>", "struct<b:int>", Relation.SAME),  # fields compared one by one
    ],
)
def test_type_relations(old: str, new: str, expected: Relation) -> None:
    assert relation(parse_type(old), parse_type(new)) is expected


def test_nested_types_parse_and_print_back() -> None:
    text = "struct<meta:struct<score:double,tags:array<string>>,amount:decimal(20,4)>"
    assert parse_type(text).text() == text
    with pytest.raises(ValueError, match="cannot parse"):
        parse_type("struct<a:string")


def test_a_conforming_text_table_has_no_change_against_the_contract() -> None:
    assert diff_against_contract(BASE, RULES, POLICY) == []
    mcc_like = text_table(("id", "bigint"), ("amount", "bigint"), ("created_at", "timestamp"),
                          ("note", "boolean"))  # fmt: skip
    assert diff_against_contract(mcc_like, RULES, POLICY) == []  # text is text


def test_each_kind_against_the_contract_is_classified_by_the_policy() -> None:
    latest = text_table(
        ("note_text", "string"),  # note renamed (similar name, a type the contract reads)
        ("id", "string"),
        ("amount", "string"),  # widened: values that are not numbers
        ("created_at", "bigint"),  # retyped: epoch numbers are no timestamps
        ("extra", "double"),
    )
    changes = diff_against_contract(latest, RULES, POLICY)
    assert kinds(changes) == {
        "note": ("renamed", "breaking"),
        "extra": ("added", "additive"),
        "amount": ("widened", "breaking"),
        "created_at": ("retyped", "breaking"),
    }
    removed = text_table(("id", "string"), ("amount", "double"), ("note", "string"))
    assert kinds(diff_against_contract(removed, RULES, POLICY)) == {
        "created_at": ("removed", "breaking")
    }
    moved = text_table(("amount", "double"), ("id", "string"), ("created_at", "timestamp"),
                       ("note", "string"))  # fmt: skip
    (change,) = diff_against_contract(moved, RULES, POLICY)
    assert (change.kind, change.classification) == ("reordered", "breaking")  # policy says so


def test_declared_types_are_held_as_the_ingest_layer_holds_them() -> None:
    def parquet(amount: str, id_type: str = "string") -> TableSchema:
        columns = (("id", id_type), ("amount", amount), ("created_at", "timestamp"),
                   ("note", "string"))  # fmt: skip
        return TableSchema(tuple(CatalogColumn(n, t, DECLARED) for n, t in columns), "parquet")

    assert diff_against_contract(parquet("decimal(10,2)"), RULES, POLICY) == []  # fits
    assert kinds(diff_against_contract(parquet("decimal(38,18)"), RULES, POLICY)) == {
        "amount": ("widened", "breaking")
    }
    assert kinds(diff_against_contract(parquet("double", "int"), RULES, POLICY)) == {
        "amount": ("widened", "breaking"),  # a float holds what no decimal(20,4) can
        "id": ("retyped", "breaking"),  # a declared int is no string
    }


def test_version_diff_nested_nullability_and_conforming_retypes() -> None:
    def table(amount: str, meta: str, nullable: bool, version: str) -> TableSchema:
        return TableSchema(
            (
                CatalogColumn("id", "string", DECLARED, nullable),
                CatalogColumn("amount", amount, DECLARED, True),
                CatalogColumn("created_at", "timestamp", DECLARED, True),
                CatalogColumn("meta", meta, DECLARED, True),
            ),
            "parquet",
            version,
        )

    old = table("decimal(20,4)", "struct<source:string,score:int>", True, "1")
    new = table("decimal(12,2)", "struct<score:string,tag:string>", False, "2")
    changes = diff_versions(old, new, RULES, POLICY)
    assert kinds(changes) == {
        "amount": ("narrowed", "additive"),  # still fits the contract
        "meta.source": ("nested_removed", "additive"),
        "meta.tag": ("nested_added", "additive"),
        "meta.score": ("nested_retyped", "additive"),
        "id": ("nullability", "additive"),
    }
    assert diff_versions(old, old, RULES, POLICY) == []


def test_version_diff_renames_and_removals() -> None:
    new = text_table(("id", "string"), ("amount", "double"), ("created_at", "timestamp"),
                     ("memo", "double"), ("note_txt", "string"), version="2")  # fmt: skip
    old = text_table(*[(c.name, c.type) for c in BASE.columns], ("memo", "bigint"))
    changes = diff_versions(old, new, RULES, POLICY)
    assert kinds(changes) == {
        "note": ("renamed", "breaking"),
        "memo": ("widened", "additive"),  # not a contract column: the pipeline does not read it
    }


def test_policy_keys_come_from_the_rules_file_and_typos_are_errors() -> None:
    packaged = policy_of(load_rules_text(rules_path("transactions").read_text(), "t.yaml"))
    assert packaged.classify("removed") == "breaking"
    assert packaged.classify("added") == "additive"
    assert packaged.text_type_min_share == "0.95"
    bad = RULES_TEXT.replace("reordered_columns: breaking", "reorderd_columns: breaking")
    with pytest.raises(RulesFileError) as caught:
        load_rules_text(bad, "demo.yaml")
    (problem,) = caught.value.problems
    assert problem.startswith("demo.yaml:9:")
    assert "unknown key 'reorderd_columns' (did you mean 'reordered_columns'?)" in problem


def test_accepting_rewrites_the_columns_and_bumps_the_version() -> None:
    latest = text_table(("id", "string"), ("amount", "string"), ("created_at", "timestamp"),
                        ("memo", "string"), ("loyalty_points", "bigint"))  # fmt: skip
    changes = diff_against_contract(latest, RULES, POLICY)
    assert kinds(changes)["note"] == ("removed", "breaking")
    text = contract_text(RULES_TEXT, RULES, latest, changes)
    accepted = load_rules_text(text, "demo.yaml")
    assert accepted.version == "2.0.0"
    assert [(c.name, c.type) for c in accepted.columns] == [
        ("id", "string"),
        ("amount", "string"),
        ("created_at", "timestamp"),
        ("memo", "string"),
        ("loyalty_points", "decimal(20,0)"),
    ]
    assert accepted.column("id").required
    assert diff_against_contract(latest, accepted, policy_of(accepted)) == []
    additive = text_table(*[(c.name, c.type) for c in BASE.columns], ("extra", "string"))
    found = diff_against_contract(additive, RULES, POLICY)
    text = contract_text(RULES_TEXT, RULES, additive, found)
    assert load_rules_text(text, "demo.yaml").version == "1.3.0"


def test_accepted_columns_keep_the_files_alignment() -> None:
    latest = text_table(("id", "string"), ("amount", "double"), ("created_at", "timestamp"),
                        ("note_text", "string"), ("loyalty", "bigint"))  # fmt: skip
    changes = diff_against_contract(latest, RULES, POLICY)
    assert kinds(changes)["note"] == ("renamed", "breaking")
    text = contract_text(RULES_TEXT, RULES, latest, changes)
    entries = [line for line in text.splitlines() if line.startswith("  ") and "{type" in line]
    assert [line.split(":")[0].strip() for line in entries] == [
        "id", "amount", "created_at", "note_text", "loyalty"
    ]  # fmt: skip
    assert {line.index("{") for line in entries} == {
        RULES_TEXT.index("{") - RULES_TEXT.index("  id")
    }


def test_accepting_a_rename_renames_the_rules_references_and_keeps_their_ids() -> None:
    path = rules_path("transactions")
    text = path.read_text(encoding="utf-8")
    rules = load_rules_text(text, "transactions.yaml")
    renamed = tuple(
        CatalogColumn("sales_channel" if c.name == "channel" else c.name, c.type, VALUES)
        for c in rules.columns
    )
    latest = TableSchema(renamed, "csv", "2")
    changes = diff_against_contract(latest, rules, policy_of(rules))
    assert kinds(changes) == {"channel": ("renamed", "breaking")}
    new_text, rewritten = contract_edit(text, rules, latest, changes)
    accepted = load_rules_text(new_text, "transactions.yaml")  # it loads
    rule = accepted.rule("channel.allowed")  # the id is kept
    assert rule.column == "sales_channel"
    on_disk = text.splitlines().index("    column: channel") + 1
    assert [(r.reference.rule_id, r.reference.line, r.new) for r in rewritten] == [
        ("channel.allowed", on_disk, "sales_channel")
    ]
    assert [r.id for r in accepted.all_rules] == [r.id for r in rules.all_rules]


def test_the_rules_made_from_a_renamed_column_are_named_after_it() -> None:
    from fintech_dq.schema.accept import _renamed_generated

    latest = text_table(("id", "string"), ("amount_value", "double"),
                        ("created_at", "timestamp"), ("note", "string"))  # fmt: skip
    changes = diff_against_contract(latest, RULES, POLICY)
    assert kinds(changes) == {"amount": ("renamed", "breaking")}
    accepted = load_rules_text(contract_text(RULES_TEXT, RULES, latest, changes), "demo.yaml")
    assert _renamed_generated(RULES, accepted, changes) == (
        ("amount.required", "amount_value.required"),
        ("amount.type", "amount_value.type"),
    )


RULES_NAMING_NOTE = RULES_TEXT.replace(
    "rules: []\n",
    """rules:
  - id: note.format
    type: pattern
    column: note   # a comment stays
    pattern: "^[a-z]+$"
    severity: warn
    description: A note is lower-case letters.
  - id: created_at.after_note
    type: compare
    column: id
    operator: "<="
    other_column: "note"
    severity: warn
    description: Compares.
  - id: card_number.unmasked
    type: unmasked_card_number
    columns: [id, note]
    severity: critical
    description: No card numbers.
""",
)


def test_every_key_naming_a_renamed_column_is_renamed_plain_quoted_or_listed() -> None:
    rules = load_rules_text(RULES_NAMING_NOTE, "demo.yaml")
    latest = text_table(("id", "string"), ("amount", "double"), ("created_at", "timestamp"),
                        ("note_text", "string"))  # fmt: skip
    changes = diff_against_contract(latest, rules, policy_of(rules))
    assert kinds(changes)["note"] == ("renamed", "breaking")
    text, rewritten = contract_edit(RULES_NAMING_NOTE, rules, latest, changes)
    accepted = load_rules_text(text, "demo.yaml")
    assert accepted.rule("note.format").column == "note_text"
    assert accepted.rule("created_at.after_note").params["other_column"] == "note_text"
    assert accepted.rule("card_number.unmasked").params["columns"] == ["id", "note_text"]
    assert "    column: note_text   # a comment stays\n" in text
    assert '    other_column: "note_text"\n' in text
    assert [r.reference.key for r in rewritten] == ["column", "other_column", "columns[1]"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (  # an alias shares its anchor's text: renaming one would rename both
            lambda text: text.replace("column: note   #", "column: &n note   #").replace(
                'other_column: "note"', "other_column: *n"
            ),
            "demo.yaml:13: rule 'note.format': its column 'note' is not a plain name on one line",
        ),
        (
            lambda text: text.replace("column: note   # a comment stays", "column: >-\n      note"),
            "demo.yaml:13: rule 'note.format': its column 'note' is not a plain name on one "
            "line, so it cannot be renamed to 'note_text' safely",
        ),
    ],
)
def test_a_reference_that_cannot_be_renamed_safely_is_refused_with_its_line_on_disk(
    edit: Any, message: str
) -> None:
    text = edit(RULES_NAMING_NOTE)
    rules = load_rules_text(text, "demo.yaml")
    latest = text_table(("id", "string"), ("amount", "double"), ("created_at", "timestamp"),
                        ("note_text", "string"))  # fmt: skip
    changes = diff_against_contract(latest, rules, policy_of(rules))
    with pytest.raises(CannotAccept) as refused:
        contract_edit(text, rules, latest, changes)
    assert str(refused.value).startswith(message)


def test_a_rule_naming_a_removed_column_is_refused_with_its_line_on_disk() -> None:
    rules = load_rules_text(RULES_NAMING_NOTE, "demo.yaml")
    latest = text_table(("id", "string"), ("amount", "double"), ("created_at", "timestamp"),
                        ("loyalty_points", "bigint"))  # fmt: skip
    changes = diff_against_contract(latest, rules, policy_of(rules))
    assert kinds(changes)["note"] == ("removed", "breaking")
    with pytest.raises(CannotAccept) as refused:
        contract_edit(RULES_NAMING_NOTE, rules, latest, changes)
    assert str(refused.value).startswith(
        "demo.yaml:13: rule 'note.format' names column 'note' (column), which the change "
        "removes: delete or change that rule first"
    )


@pytest.mark.parametrize(
    ("known", "found", "settled"),
    [
        ("decimal(20,4)", "double", "decimal(20,4)"),  # a CSV day after declared Parquet
        ("decimal(20,4)", "bigint", "decimal(20,4)"),  # every amount whole (JPY only)
        ("string", "bigint", "string"),  # mcc 5411: digits, still the known text
        ("double", "bigint", "double"),  # whole fees fit a column of fractions
        ("bigint", "double", "double"),  # fractions do not fit whole numbers: a change
        ("double", "string", "string"),  # "12.50 EUR": widened, reported
        ("timestamp", "bigint", "bigint"),  # epoch seconds: retyped, reported
        ("struct<a:string,b:double>", "struct<a:bigint,c:string>", "struct<a:string,c:string>"),
        ("array<string>", "array<string>", "array<string>"),
    ],
)
def test_text_keeps_the_known_type_while_its_values_fit(
    known: str, found: str, settled: str
) -> None:
    from fintech_dq.schema.inference import settle_text_type

    assert settle_text_type(parse_type(known), parse_type(found)) == parse_type(settled)
