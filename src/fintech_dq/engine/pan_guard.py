"""One PCI scan per row, shared by the card-number rule, every message and every output.

The scan (expressions.card_numbers) is a large expression; applying it to each column in
each message would copy it dozens of times into the plan (megabytes of task binary, minutes
of planning). Instead the columns (as sent: all text) are joined and scanned once; each
column's masked copy (checks.base.safe_value), only in rows where the scan found
something, replaces the PANs found by that one scan.
A PAN cannot run across two columns: the join uses a character no PAN layout contains.
Only values of at least MIN_PAN_DIGITS bytes are joined: a shorter one cannot hold a PAN,
and most columns (codes, amounts, short ids) are shorter, so the regexes read about half as
many characters (measured, 1M rows on 2 cores: the scan and masking 4.7 s -> 2.8 s).

Rejected lines (ingest could not parse them into columns) are scanned whole, once, in the
aggregation that counts them per file (rejected_figures): a card number in such a line is
as much a breach as one in a column, so it counts as a failure of every
unmasked_card_number rule (which column it was meant for is unknowable), and the batch is
blocked like for any other; only the file and line are reported, never the number.

Names are delivered text too: a card number in a file's name, a CSV header, a JSON Lines
key, a Parquet column name or a manifest's text (card_numbers_in_names, on the driver:
ingest found them, no Spark pass) counts the same way, one failure per name; the details
say which kind of name in which file (masked), never the number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from fintech_dq.checks.base import MASKED_PREFIX, PAN_FOUND, PANS, has_typed_copy
from fintech_dq.contract import DatasetRules
from fintech_dq.expressions.card_numbers import (
    MIN_PAN_DIGITS,
    contains_unmasked_card_number,
    masked_pan_sql,
    unmasked_card_numbers,
)
from fintech_dq.ingest.discover import MANIFEST_SUFFIX
from fintech_dq.ingest.model import (
    FIELD_BREAK,
    OUTSIDE_CONTRACT,
    FileFinding,
    InputFile,
    holds_card_number,
    sql_name,
)
from fintech_dq.masking import mask_card_numbers_in_text

COLUMN_BREAK = FIELD_BREAK
LINES_LISTED = 5  # rejected lines with a card number named per file (the count is whole)
REJECTED_LINE_MESSAGE = (
    "a line that could not be parsed holds an unmasked card number (masked in rejected/)"
)


@dataclass(frozen=True)
class RejectedFigures:
    """Rejected lines per file, and those holding an unmasked card number."""

    by_file: dict[str, int]
    with_card_number: dict[str, int] = field(default_factory=dict)
    card_number_lines: dict[str, list[int]] = field(default_factory=dict)  # first few

    @property
    def card_numbers(self) -> int:
        return sum(self.with_card_number.values())

    def card_number_details(self) -> list[str]:
        """One sentence per file: how many lines, and the first line numbers."""
        details = []
        for file, count in sorted(self.with_card_number.items()):
            lines = self.card_number_lines.get(file, [])
            more = ", ..." if count > len(lines) else ""
            details.append(
                f"{count} rejected line(s) of {file} hold an unmasked card number "
                f"(line {', '.join(map(str, lines))}{more}); rejected/ shows them masked"
            )
        return details


# What a file's columns_found are, by format (ingest.model.InputFile)
_COLUMN_NAMES = {
    "csv": "the CSV header",
    "jsonl": "the JSON Lines keys",
    "parquet": "the Parquet schema",
}


@dataclass(frozen=True)
class NamesWithCardNumbers:
    """Names holding an unmasked card number: how many, and one sentence per place."""

    count: int = 0
    details: tuple[str, ...] = ()


def card_numbers_in_names(
    files: Sequence[InputFile], findings: Sequence[FileFinding]
) -> NamesWithCardNumbers:
    """Every name ingest found: each file's path and columns (header, keys, schema), its
    manifest's text, and the files only findings name (a manifest without its data file)."""
    count, details = 0, []

    def found(number: int, place: str) -> None:
        nonlocal count
        count += number
        details.append(f"an unmasked card number in {place}")

    for file in files:
        shown = _shown(file.path)
        if holds_card_number(file.path):
            found(1, f"the name of file {shown}")
        columns = [c for c in file.columns_found if holds_card_number(c)]
        if columns:
            kind = _COLUMN_NAMES.get(file.format, "the column names")
            found(len(columns), f"{kind} of {shown} ({len(columns)} name(s))")
        if file.manifest is not None and file.manifest.holds_card_number:
            found(1, f"the manifest of {shown} ({_shown(file.manifest.path)})")
    paths = {f.path for f in files}
    for finding in findings:
        if finding.holds_card_number:  # an invalid manifest (ingest.manifest.read_manifest)
            lone = finding.file.endswith(MANIFEST_SUFFIX)
            found(1, f"{'manifest' if lone else 'the manifest of'} {_shown(finding.file)}")
        if finding.file not in paths and holds_card_number(finding.file):
            paths.add(finding.file)
            found(1, f"the name of file {_shown(finding.file)}")
    return NamesWithCardNumbers(count, tuple(details))


def _shown(text: str) -> str:
    return mask_card_numbers_in_text(text) or text


def rejected_line_has_card_number(scheme: bool = False) -> Column:
    """Whether a rejected line's raw text (ingest.RawBatch.rejected) holds a card number:
    counted here, and its raw bytes withheld in the rejected output (engine.outputs, as
    the contract reads a card number, whatever the rules ask)."""
    return F.coalesce(contains_unmasked_card_number(F.col("raw_text"), scheme), F.lit(False))


def rejected_figures(rejected: DataFrame, scheme: bool = False) -> RejectedFigures:
    """One aggregation over the rejected lines (ingest.RawBatch.rejected): count per file,
    and the lines whose raw text holds a card number (scheme: card_scheme_required). Only
    rejected lines are scanned here, a few in a day; the records' scan is with_pan_scan's."""
    flagged = rejected.select(
        "source_file",
        "source_line",
        rejected_line_has_card_number(scheme).alias("pan"),
    )
    rows = (
        flagged.groupBy("source_file")
        .agg(
            F.count(F.lit(1)).alias("lines"),
            F.count(F.when(F.col("pan"), F.lit(1))).alias("with_pan"),
            F.slice(
                F.array_sort(F.collect_list(F.when(F.col("pan"), F.col("source_line")))),
                1,
                LINES_LISTED,
            ).alias("pan_lines"),
        )
        .collect()
    )
    return RejectedFigures(
        by_file={row["source_file"]: int(row["lines"]) for row in rows},
        with_card_number={
            row["source_file"]: int(row["with_pan"]) for row in rows if row["with_pan"]
        },
        card_number_lines={
            row["source_file"]: [int(n) for n in row["pan_lines"]]
            for row in rows
            if row["with_pan"]
        },
    )


def scanned_columns(rules: DatasetRules) -> list[str]:
    """Every column as sent, whatever its contract type: a card number keyed into an amount
    or a timestamp field is as much a leak, and the messages about such a value show its
    safe form (checks.base.CheckContext.shown) rather than scanning it again."""
    names = [c.name for c in rules.columns]
    for rule in rules.row_rules:
        if rule.type == "unmasked_card_number" and isinstance(rule.params["columns"], list):
            names += [str(n) for n in rule.params["columns"] if n not in names]
    return names


def scans_outside_contract(rules: DatasetRules) -> bool:
    """Whether a rule looks at every text column (`all_text`): then also at what the files
    hold outside the contract (ingest.model.OUTSIDE_CONTRACT: extra columns or keys)."""
    return any(
        r.type == "unmasked_card_number" and not isinstance(r.params["columns"], list)
        for r in rules.row_rules
    )


def card_scheme_required(rules: DatasetRules) -> bool:
    """Whether text must also have a card scheme's prefix and length to count as a card
    number: only when every unmasked_card_number rule asks for it (`require_card_scheme`,
    for a sender whose own long identifiers pass Luhn); the contract does not."""
    rules_of_type = [r for r in rules.row_rules if r.type == "unmasked_card_number"]
    return bool(rules_of_type) and all(
        bool(r.params.get("require_card_scheme", False)) for r in rules_of_type
    )


def with_pan_scan(records: DataFrame, rules: DatasetRules) -> DataFrame:
    """Adds PANS (every card number found in the row) and PAN_FOUND, and each column's
    masked copy where one was found. Text columns (and what lies outside the contract) are
    scanned as the contract says; amounts and timestamps, which it does not ask to scan, for
    numbers of a card scheme only (a large amount passes Luhn one time in ten)."""
    if OUTSIDE_CONTRACT not in records.columns:  # records not from ingest (tests, tools)
        records = records.withColumn(OUTSIDE_CONTRACT, F.lit(None).cast("string"))
    typed = {c.name for c in rules.columns if has_typed_copy(c)}
    names = scanned_columns(rules)
    text = [n for n in names if n not in typed]
    if scans_outside_contract(rules):
        text.append(OUTSIDE_CONTRACT)  # null for files with nothing outside: no cost
    found = unmasked_card_numbers(_joined(text), card_scheme_required(rules))
    numbers = [n for n in names if n in typed]
    if numbers:
        found = F.concat(found, unmasked_card_numbers(_joined(numbers), scheme=True))
    scanned = records.select("*", found.alias(PANS))
    scanned = scanned.select("*", (F.size(F.col(PANS)) > 0).alias(PAN_FOUND))
    return scanned.select(
        "*",
        *[
            F.when(F.col(PAN_FOUND), _replace_found(c.name)).alias(MASKED_PREFIX + c.name)
            for c in rules.columns
        ],
    )


def _joined(names: list[str]) -> Column:
    """The columns' values long enough to hold a PAN, joined by COLUMN_BREAK (nulls skipped)."""
    return F.concat_ws(
        COLUMN_BREAK,
        *[F.when(F.octet_length(F.col(n)) >= MIN_PAN_DIGITS, F.col(n)) for n in names],
    )


def _replace_found(column: str) -> Column:
    """Each PAN found replaced in the column by its masked form (SQL text: a higher-order
    function built with the Column API costs ~70 calls into the JVM, 21 columns ~0.6 s)."""
    return F.expr(
        f"aggregate({sql_name(PANS)}, {sql_name(column)}, "
        f"(text, pan) -> replace(text, pan.text, {masked_pan_sql('pan.digits')}))"
    )
