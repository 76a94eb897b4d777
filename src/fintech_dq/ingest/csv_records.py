"""CSV (RFC 4180, comma, header row) lines to raw records, or to rejected lines with a reason.

Spark's from_csv never refuses a line: it pads a short line with nulls, drops the fields of a
long one and reads a quote left open to the end of the line. So each line is checked first,
by splitting it at its commas (three times cheaper than from_csv) and, only on the few lines
that hold a quote at all, by a regular expression for RFC 4180 quoting and a count of the
commas outside quotes. A line that passed keeps its split, or, when it holds a quote, goes
through from_csv, with `"` as its escape as RFC 4180 has it (Spark's default: backslash).

A quoted field may hold a line break (RFC 4180), which Spark's line reader cuts. Files where
the driver saw a line with an odd number of quotes (inspection) get one more, small job:
their odd lines are collected, and on the driver `record_spans` follows the quote's state
from one odd line to the next (lines with an even count do not change it) to find the
records that span lines. Their lines are joined with line feeds into one record, numbered
by its first line, before the per-line checks; every other line stays as it was. The line
reader drops line ends, so a CRLF (or CR) inside a field arrives as a line feed.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from fintech_dq.contract import ColumnSpec
from fintech_dq.ingest.model import (
    FIELD_BREAK,
    OUTSIDE_CONTRACT,
    SOURCE_FILE,
    SOURCE_LINE,
    FileFinding,
    sql_name,
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

_IN_QUOTES = r'(?:[^"]++|"")*+'
_FIELD = rf'(?:"{_IN_QUOTES}"|[^",]*+)'
_WELL_QUOTED = rf"^{_FIELD}(?:,{_FIELD})*+$"
_LEFT_OPEN = rf'^(?:{_FIELD},)*+"{_IN_QUOTES}$'  # also: the first line of a multi-line record
_CLOSES = rf'^{_IN_QUOTES}"(?:,{_FIELD})*+$'  # the last line of a multi-line record
_QUOTED_FIELD = rf'"{_IN_QUOTES}"'
# A quote that does not close within this many lines is taken for a stray one: its line is
# rejected alone and the lines after it are read as lines again, so one stray quote cannot
# swallow the rest of a file into one record. Real multi-line fields (addresses, notes) span
# a few lines.
MAX_RECORD_LINES = 100
_FIRST, _LAST, _PARTS = "_first", "_last", "_parts"
_OTHER_DELIMITERS = (";", "\t", "|")
_QUOTED, _PARSED, _SPLIT = "_quoted", "_parsed", "_split"
_FROM_CSV_OPTIONS = {"sep": ",", "quote": '"', "escape": '"', "mode": "PERMISSIVE"}


@dataclass(frozen=True)
class CsvHeader:
    names: tuple[str, ...]  # as written, in file order
    unusable: str | None  # why no data line can be read (each is rejected with this reason)
    findings: tuple[FileFinding, ...]


def read_header(path: str, prefix: bytes) -> CsvHeader:
    """The header row from the start of the file, and what is wrong with it."""
    lines = prefix_lines(prefix, is_all=True)
    if not any(line.strip(" \t") for line in lines):
        message = f"file {path} is empty (no header row)"
        return CsvHeader((), message, (FileFinding(path, "file_integrity", message),))
    first = lines[0]
    if not first.strip(" \t"):
        message = f"file {path} has no header row (line 1 is blank)"
        return CsvHeader((), message, (FileFinding(path, "file_integrity", message),))
    if "," not in first:
        counts = Counter(ch for ch in first if ch in _OTHER_DELIMITERS)
        if counts:
            delimiter = counts.most_common(1)[0][0]
            message = f"file {path}: header uses {delimiter!r} as delimiter, expected ','"
            finding = FileFinding(path, "schema_breaking", message)
            return CsvHeader(tuple(first.split(delimiter)), message, (finding,))
    try:
        names = tuple(next(csv.reader([first], strict=True)))
    except csv.Error as error:
        message = f"file {path}: the header row is not valid CSV ({error})"
        return CsvHeader((), message, (FileFinding(path, "schema_breaking", message),))
    duplicates = sorted(name for name, n in Counter(names).items() if n > 1)
    findings: tuple[FileFinding, ...] = ()
    if duplicates:
        message = f"file {path}: columns named more than once in the header: " + ", ".join(
            duplicates
        )
        findings = (FileFinding(path, "schema_breaking", message, tuple(duplicates)),)
    return CsvHeader(names, None, findings)


def csv_annotator(
    header: CsvHeader,
    has_quote: bool,
    invalid_utf8: bool,
    spans: Sequence[tuple[str, int, int]] = (),
) -> Callable[[DataFrame], DataFrame]:
    """The per-line checks of CSV files with this header (planned with their scan).

    has_quote, invalid_utf8: whether any of the files holds a quote or invalid UTF-8 at all.
    spans: records that span lines (`record_spans`), joined before the checks.
    """

    def annotate(lines: DataFrame) -> DataFrame:
        if spans:
            lines = _join_spans(lines, spans)
        data = checked_lines(lines, invalid_utf8, header=True)
        if header.unusable is not None:
            return data.select("*", F.lit(header.unusable).alias(REASON))
        value = F.col(VALUE)
        quoted = value.contains('"') if has_quote else F.lit(False)
        data = data.select(
            "*", quoted.alias(_QUOTED), F.when(~quoted, F.split(value, ",", -1)).alias(_SPLIT)
        )
        reason = F.coalesce(utf8_reason(), _shape_reason(len(header.names), has_quote))
        return data.select("*", reason.alias(REASON))

    return annotate


def odd_quote_lines(lines: DataFrame) -> DataFrame:
    """The data lines with an odd number of quotes: file, line, whether the line can start a
    multi-line record (ends inside a quoted field that starts at a field start) and whether
    it can end one (a quoted field's end, then whole fields). An annotator for read_lines."""
    value = F.col(VALUE)
    quotes = F.octet_length(value) - F.octet_length(F.replace(value, F.lit('"'), F.lit("")))
    odd = (F.col(SOURCE_LINE) > 1) & value.contains('"') & (quotes % 2 == 1)
    opens, closes = value.rlike(_LEFT_OPEN), value.rlike(_CLOSES)
    return lines.where(odd).select(SOURCE_FILE, SOURCE_LINE, opens, closes)


def record_spans(odd_lines: Iterable[tuple[str, int, bool, bool]]) -> list[tuple[str, int, int]]:
    """(file, first line, last line) of each record whose quoted field holds line breaks.

    odd_lines: (file, line, opens, closes) of every line with an odd number of quotes
    (`odd_quote_lines`). A line with an even number leaves the quote as it is, so following
    the odd lines in order is the RFC 4180 reading. A quote that opens at a misplaced spot
    (`ab"c`) opens nothing; one that does not close cleanly within MAX_RECORD_LINES leaves
    its line alone (rejected as "quote left open") and the next odd line is read afresh.
    """
    spans: list[tuple[str, int, int]] = []
    opened: tuple[str, int] | None = None
    for file, line, opens, closes in sorted(odd_lines):
        if opened is not None:
            first_file, first = opened
            opened = None
            if first_file == file and closes and line - first < MAX_RECORD_LINES:
                spans.append((file, first, line))
                continue
        if opens:
            opened = (file, line)
    return spans


def _join_spans(lines: DataFrame, spans: Sequence[tuple[str, int, int]]) -> DataFrame:
    """`lines` with each span's lines made one: joined with line feeds, numbered by the first.
    A joined record that is not well-formed RFC 4180 after all (a line inside breaks the
    quoting) is left as its lines, each judged alone.

    The lines outside spans pass through as they are (no shuffle for them); the spans'
    lines (at most MAX_RECORD_LINES each) are found by a broadcast join and grouped.
    """
    schema = f"{SOURCE_FILE} string, {_FIRST} long, {_LAST} long"
    span_lines = (
        lines.sparkSession.createDataFrame(list(spans), schema)
        .select(SOURCE_FILE, F.explode(F.sequence(_FIRST, _LAST)).alias(SOURCE_LINE), F.col(_FIRST))
        .hint("broadcast")
    )
    marked = lines.join(span_lines, [SOURCE_FILE, SOURCE_LINE], "left")
    alone = marked.where(F.col(_FIRST).isNull()).select(VALUE, SOURCE_LINE, SOURCE_FILE)
    parts = F.sort_array(F.collect_list(F.struct(SOURCE_LINE, VALUE)))
    grouped = (
        marked.where(F.col(_FIRST).isNotNull())
        .groupBy(SOURCE_FILE, _FIRST)
        .agg(parts.alias(_PARTS))
    )
    joined = F.array_join(F.col(f"{_PARTS}.{VALUE}"), "\n")
    record = F.array(F.struct(F.col(_FIRST).alias(SOURCE_LINE), joined.alias(VALUE)))
    rows = F.when(joined.rlike(_WELL_QUOTED), record).otherwise(F.col(_PARTS))
    together = grouped.select(SOURCE_FILE, F.inline(rows))
    return alone.unionByName(together.select(VALUE, SOURCE_LINE, SOURCE_FILE))


def csv_lines(lines: DataFrame, header: CsvHeader, columns: Sequence[ColumnSpec]) -> DataFrame:
    """CSV files' checked lines as line outcomes (text_lines.line_outcomes); a file without a
    usable header has every line rejected."""
    if header.unusable is not None:
        return line_outcomes(
            lines,
            [F.lit(None).cast("string").alias(c.name) for c in columns]
            + [F.col(SOURCE_FILE), F.col(SOURCE_LINE)]
            + [F.lit(None).cast("string").alias(OUTSIDE_CONTRACT)],
        )
    schema = ", ".join(f"_c{i} string" for i in range(len(header.names)))
    quoted = F.col(_QUOTED)
    parsed = lines.select(
        "*", F.when(quoted, F.from_csv(F.col(VALUE), schema, _FROM_CSV_OPTIONS)).alias(_PARSED)
    )
    return line_outcomes(parsed, _record_columns(header, columns))


def _shape_reason(expected: int, has_quote: bool) -> Column:
    """Why a line does not fit the header (null when it does)."""
    fields = F.size(F.col(_SPLIT))
    if not has_quote:
        return _count_reason(fields, expected)
    value = F.col(VALUE)
    quoted = F.col(_QUOTED)
    unquoted = F.regexp_replace(value, _QUOTED_FIELD, "")
    fields = F.when(quoted, _commas(unquoted) + 1).otherwise(fields)
    misquoted = F.when(
        value.rlike(_LEFT_OPEN), at_line("quote left open (a quoted field does not end)")
    ).otherwise(at_line("misplaced quote (RFC 4180 quotes whole fields only)"))
    return F.when(quoted & ~value.rlike(_WELL_QUOTED), misquoted).otherwise(
        _count_reason(fields, expected)
    )


def _count_reason(fields: Column, expected: int) -> Column:
    noun = F.when(fields == 1, F.lit(" field")).otherwise(F.lit(" fields"))
    text = F.concat(fields.cast("string"), noun, F.lit(f", the header has {expected}"))
    return F.when(fields != expected, at_line(text))


def _commas(value: Column) -> Column:
    return F.octet_length(value) - F.octet_length(F.replace(value, F.lit(","), F.lit("")))


def _record_columns(header: CsvHeader, columns: Sequence[ColumnSpec]) -> list[Column]:
    """Contract columns from the split line, or from from_csv's struct for a quoted line.

    Written as SQL: one call into the JVM per column rather than a dozen for the Column API.
    """
    position: dict[str, int] = {}
    for number, name in enumerate(header.names):
        position.setdefault(name, number)

    def field(index: int) -> str:
        return f"CASE WHEN {_QUOTED} THEN {_PARSED}._c{index} ELSE {_SPLIT}[{index}] END"

    out: list[Column] = []
    for column in columns:
        index = position.get(column.name)
        # an empty field is absent
        text = "CAST(NULL AS STRING)" if index is None else f"nullif({field(index)}, '')"
        out.append(F.expr(f"{text} AS {sql_name(column.name)}"))
    # The fields no contract column reads (extra columns, a repeated name), for the PCI scan.
    others = sorted(
        set(range(len(header.names))) - {position[c.name] for c in columns if c.name in position}
    )
    outside = "CAST(NULL AS STRING)"
    if others:
        joined = ", ".join(field(i) for i in others)
        outside = f"nullif(concat_ws(chr({ord(FIELD_BREAK)}), {joined}), '')"
    return [
        *out,
        F.col(SOURCE_FILE),
        F.col(SOURCE_LINE),
        F.expr(f"{outside} AS {OUTSIDE_CONTRACT}"),
    ]
