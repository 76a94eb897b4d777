"""JSON Lines to raw records, or to rejected lines with a reason.

Every contract column is read by from_json as a string, and from_json turns whatever the
key holds into text:
- an object or array becomes its JSON text ({"id":"C1"}). A contract column holds one
  value, so such a line is rejected, naming the field. Only a value whose text starts with
  "{" or "[" pays for a second look: the line is parsed again for that key typed as an
  object (or array), which tells a nested value from a string that starts with "{";
- a number goes through a double when it has a fraction or exponent: 12345678.9 arrives as
  "1.23456789E7" and an 18-digit amount loses digits. Money must arrive as written, so for
  decimal columns the number literal is taken from the line itself (right after the first
  occurrence of the key) whenever it denotes the same double as what from_json read for
  that key, which guards against a nested object's key of the same name. In a string column
  such a number arrives as from_json's text of the double (a known limit: a check per string
  column cost 2-3 s per 1M rows, for ids and codes no sender writes as fractions);
  integers arrive exactly as written (-0 as "0"), booleans as "true"/"false", and the rules
  judge that text like any other;
- a quoted value is from_json's string, unchanged; null is absent;
- a key written twice at the top level rejects the line (from_json keeps the last value,
  other readers the first): the line's keys are listed anyway (json_object_keys, for the
  PCI scan of keys outside the contract), so this costs one array_distinct per line.

A key the record leaves out is read as null, like `"key": null`: writers drop null fields
(Spark's own JSON writer does by default). So a contract column no record names is a column
of nulls, judged by the rules, not a removed column (file_findings.schema_findings: only a
mandatory column absent from every sampled record breaks the schema).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, StringType, StructField, StructType

from fintech_dq.contract import ColumnSpec
from fintech_dq.ingest.model import (
    OUTSIDE_CONTRACT,
    SOURCE_FILE,
    SOURCE_LINE,
    sql_name,
    sql_text,
)
from fintech_dq.ingest.text_lines import (
    REASON,
    VALUE,
    at_line,
    checked_lines,
    line_outcomes,
    prefix_lines,
    utf8_reason,
)

KEY_SAMPLE_RECORDS = 1000  # a writer may leave out null keys: look further than a few
_CORRUPT = "_corrupt_record"
_PARSED = "_p"
_KEYS = "_keys"  # the line's top-level keys, in order, duplicates kept (json_object_keys)
_FROM_JSON_OPTIONS = {
    "mode": "PERMISSIVE",
    "columnNameOfCorruptRecord": _CORRUPT,
    "allowSingleQuotes": "false",
    "allowNonNumericNumbers": "false",
}
_NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
_LITERAL = "_literal_"


def json_keys(prefix: bytes, prefix_is_all: bool) -> tuple[str, ...]:
    """Keys of the first records, in the order first seen (the file's schema, for drift).

    A sample: a key first written after KEY_SAMPLE_RECORDS records (or past the inspected
    prefix) is not in it, which is why a contract column absent from it is only a finding
    when it is mandatory (file_findings.schema_findings)."""
    keys: dict[str, None] = {}
    records = [line for line in prefix_lines(prefix, prefix_is_all) if line.strip(" \t")]
    for line in records[:KEY_SAMPLE_RECORDS]:
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict):
            keys.update(dict.fromkeys(document))
    return tuple(keys)


def json_annotator(
    columns: Sequence[ColumnSpec], invalid_utf8: bool
) -> Callable[[DataFrame], DataFrame]:
    """The per-line parse and checks of JSON Lines files (planned with their scan)."""
    schema = StructType(
        [StructField(c.name, StringType()) for c in columns] + [StructField(_CORRUPT, StringType())]
    )

    def annotate(lines: DataFrame) -> DataFrame:
        data = checked_lines(lines, invalid_utf8, header=False)
        value = F.col(VALUE)
        data = data.select(
            "*",
            F.from_json(value, schema, _FROM_JSON_OPTIONS).alias(_PARSED),
            F.expr(f"json_object_keys({VALUE})").alias(_KEYS),
        )
        opens = value.startswith("{") | value.rlike(r"^[ \t]*\{")
        closes = value.endswith("}") | value.rlike(r"\}[ \t]*$")
        not_json = F.when(opens, at_line("not valid JSON")).otherwise(at_line("not a JSON object"))
        reason = F.coalesce(
            utf8_reason(),
            F.when(F.col(_PARSED).getField(_CORRUPT).isNotNull(), not_json),
            F.when(~closes, at_line("text after the JSON object")),
            _nested_value_reason(columns),
            _duplicate_key_reason(columns),
        )
        return data.select("*", reason.alias(REASON))

    return annotate


def json_lines(lines: DataFrame, columns: Sequence[ColumnSpec]) -> DataFrame:
    """JSON Lines files' checked lines as line outcomes (text_lines.line_outcomes).

    from_json reads only the contract's keys, and any line may hold others (a sample of the
    file's keys misses one first written late), so each line's keys are listed and a line
    with a key the contract does not name is kept whole for the PCI rule
    (ingest.model.OUTSIDE_CONTRACT); other lines keep nothing, so the kept rows stay narrow.
    Listing the keys costs about 5 µs a line (200,000 lines of the 1M day, 2 cores); the
    card-number scan of every line instead cost about 30 µs (its regexes read every byte).
    checks.identifiers says "a column outside the contract" only for a number no contract
    column holds."""
    decimals = [c for c in columns if c.kind == "decimal"]
    # The literals get their own projection: used three times each, they are computed once
    # only there (Spark does not share expressions that sit under a condition).
    with_literals = lines.select(
        "*", *[_number_literal(c.name).alias(_LITERAL + c.name) for c in decimals]
    )
    # array_except is generated code; exists() with a lambda is interpreted (200,000 cached
    # lines: 0.11-0.14 s against 0.54-0.89 s).
    others = F.expr(f"size(array_except({_KEYS}, array({_names(columns)})))")
    outside = F.when(others > 0, F.col(VALUE))
    return line_outcomes(
        with_literals,
        [
            *[_text(c) for c in columns],
            F.col(SOURCE_FILE),
            F.col(SOURCE_LINE),
            outside.alias(OUTSIDE_CONTRACT),
        ],
    )


def _nested_value_reason(columns: Sequence[ColumnSpec]) -> Column:
    """The first column whose value is an object or array, as a reason. The checks re-parse
    the line, so they only run for a line with a "[", or a "{" after its first character: a
    flat record has neither (on every line, they doubled the parse of the 1M day: 15 s)."""
    value = F.col(VALUE)
    nested = (F.instr(value, "[") > 0) | (F.locate("{", value, 2) > 0)
    return F.when(nested, F.coalesce(*[_structured(c) for c in columns]))


def _duplicate_key_reason(columns: Sequence[ColumnSpec]) -> Column:
    """A key written twice: from_json keeps the last value, another reader may keep the
    first, so the record means nothing certain. The first contract column written twice is
    named (a sender's own key name could be anything, a card number included).

    No lambdas: a higher-order function takes the whole projection out of whole-stage code
    generation, even under a condition never true (as the card scan did in engine.outputs'
    writes; this function's own share was not measured alone)."""
    keys = F.col(_KEYS)
    named = [
        F.when(F.size(keys) - F.size(F.array_remove(keys, c.name)) > 1, f"key {c.name}")
        for c in columns
    ]
    said = F.coalesce(*named, F.lit("a key outside the contract"))
    duplicated = F.size(keys) != F.size(F.array_distinct(keys))
    return F.when(
        duplicated,
        at_line(F.concat(said, F.lit(" is written twice (which value is meant is unknown)"))),
    )


def _names(columns: Sequence[ColumnSpec]) -> str:
    """The contract's column names as a SQL list."""
    return ", ".join(sql_text(c.name) for c in columns)


def _structured(column: ColumnSpec) -> Column:
    """A reason when the key holds a JSON object or array, which from_json gives as text."""
    text = F.col(_PARSED).getField(column.name)
    only_key = [
        StructField(column.name, shape) for shape in (StructType(), ArrayType(StringType()))
    ]
    again = [F.from_json(F.col(VALUE), StructType([f]), _FROM_JSON_OPTIONS) for f in only_key]
    said = f", the contract says {column.type}"
    return F.when(
        text.startswith("{") & again[0].getField(column.name).isNotNull(),
        at_line(f"{column.name} is a JSON object{said}"),
    ).when(
        text.startswith("[") & again[1].getField(column.name).isNotNull(),
        at_line(f"{column.name} is a JSON array{said}"),
    )


def _number_literal(name: str) -> Column:
    """The number literal after the key's first occurrence in the line, or "".

    The pattern starts with the quoted key, a literal: Java then finds it by a Boyer-Moore
    search, about as fast as a byte search (a pattern that starts otherwise costs more than
    the JSON parse).
    """
    key = re.escape(json.dumps(name))
    return F.regexp_extract(F.col(VALUE), rf"{key}\s*:\s*({_NUMBER})\s*[,}}]", 1)


def _text(column: ColumnSpec) -> Column:
    """The column's text: from_json's value, or for a decimal the literal when it is the same
    number; empty means absent. Written as SQL: one call into the JVM, not a dozen."""
    parsed = f"{_PARSED}.{sql_name(column.name)}"
    if column.kind == "decimal":
        literal = sql_name(_LITERAL + column.name)
        # "" first: casting it to double costs a thrown and caught exception per row.
        same = f"{literal} <> '' AND CAST({literal} AS DOUBLE) = CAST({parsed} AS DOUBLE)"
        parsed = f"CASE WHEN {same} THEN {literal} ELSE {parsed} END"
    return F.expr(f"nullif({parsed}, '') AS {sql_name(column.name)}")
