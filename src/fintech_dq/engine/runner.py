"""validate_batch: one business day of a dataset, from delivered files to results.

Order of work (each Spark pass named):
  1. read the files (ingest) and prepare lookups: duplicate ids (one aggregation over the
     ids), ids in the processed history (a semi-join), reference tables (broadcast);
  2. one projection computes every row rule's flag, the violations and the outcome; it is
     kept, and one job over it computes every figure (per file and currency);
  3. batch rules run on those figures; a critical failure blocks the batch;
  4. the rows are written (processed unless blocked, quarantine, rejected) and counted
     back from storage: rows_in = processed + quarantined + rejected is checked each run.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from fintech_dq import __version__, kept_rows, storage
from fintech_dq.checks.base import (
    HISTORY_SEEN_DATE,
    CheckContext,
)
from fintech_dq.checks.references import reference_needs
from fintech_dq.contract import DatasetRules, RulesFileError, RuleSpec, Severity
from fintech_dq.contract.java_regex import jvm_compiler, pattern_problems
from fintech_dq.engine import jvm_calls, lookups
from fintech_dq.engine.batch_rules import (
    BATCH_RULE_EVALUATORS,
    BatchFacts,
    RuleOutcome,
)
from fintech_dq.engine.evaluate import (
    CompiledRules,
    compile_rules,
    with_violations,
)
from fintech_dq.engine.history import load_history
from fintech_dq.engine.metrics import AMOUNT_COLUMN, CURRENCY_COLUMN, compute_figures
from fintech_dq.engine.outputs import (
    aliased_path,
    count_written,
    processed_rows,
    quarantine_rows,
    rejected_rows,
    rows_for_outputs,
    with_aliases,
    write_partition,
)
from fintech_dq.engine.pan_guard import (
    REJECTED_LINE_MESSAGE,
    NamesWithCardNumbers,
    RejectedFigures,
    card_numbers_in_names,
    card_scheme_required,
    rejected_figures,
    with_pan_scan,
)
from fintech_dq.engine.request import RunResult, ValidationRequest
from fintech_dq.engine.results import (
    SAMPLES_PER_RULE,
    SCHEMA_VERSION,
    Counts,
    decide_status,
    failure_samples,
    finding_entry,
    input_entry,
    rules_entry,
)
from fintech_dq.engine.typed_columns import with_typed_columns
from fintech_dq.ingest import FileFinding, RawBatch, read_batch
from fintech_dq.ingest.model import holds_card_number
from fintech_dq.masked_documents import masked_results
from fintech_dq.monitoring.bands import plain_digits
from fintech_dq.spark_session import apply_required_conf

ID_COLUMN = "transaction_id"
REPEATED_KEYS = "reference_duplicate_keys"  # the kinds of a reference table's findings
UNKNOWN_VALUES = "reference_unknown_values"


def validate_batch(
    spark: SparkSession, rules: DatasetRules, request: ValidationRequest
) -> RunResult:
    started = time.monotonic()
    phases = _PhaseClock()
    started_at = datetime.now(UTC)
    now = request.now or started_at
    run_id = request.run_id or f"{request.business_date.isoformat()}-{uuid.uuid4().hex[:12]}"
    apply_required_conf(spark)
    jvm_calls.install()
    if request.dataset != rules.dataset:
        raise ValueError(f"rules file is for dataset {rules.dataset!r}, not {request.dataset!r}")
    # Patterns are Java regexes: judged by Java, before any Spark job (contract.java_regex).
    problems = pattern_problems(rules, jvm_compiler(spark._jvm))
    if problems:
        raise RulesFileError(problems)

    batch = read_batch(spark, request.inputs, rules.columns, request.staging_root)
    phases.mark("ingest_driver")
    try:
        document = _validate_read_batch(spark, rules, request, batch, run_id, now, phases)
    finally:
        batch.close()  # its staged copies and the persisted rejected rows
    document["started_at"] = started_at.isoformat(timespec="seconds")
    document["duration_seconds"] = round(time.monotonic() - started, 3)
    results_uri = storage.join(
        request.outputs.results,
        f"business_date={request.business_date.isoformat()}",
        f"run_id={run_id}",
        "results.json",
    )
    text = json.dumps(document, indent=2, sort_keys=False)
    for staged, stands_for in request.location_aliases.items():
        text = text.replace(staged.rstrip("/"), stands_for.rstrip("/"))
    # Masked whole, after the aliases (a staged path may carry the file's name): details,
    # paths and names are as sent and may hold a card number; bucket C keeps this for years.
    text = json.dumps(masked_results(json.loads(text)), indent=2, sort_keys=False)
    storage.write_text(results_uri, text)
    return RunResult(document=json.loads(text), results_uri=results_uri)


def _validate_read_batch(
    spark: SparkSession,
    rules: DatasetRules,
    request: ValidationRequest,
    batch: RawBatch,
    run_id: str,
    now: datetime,
    phases: _PhaseClock,
) -> dict[str, Any]:
    """Steps 1 to 6 on what ingest read; the results document without its run timing."""
    checked, compiled, history_days = check_records(
        spark,
        rules,
        batch.records,
        request.business_date,
        now,
        request.references,
        request.outputs.processed,
    )
    for_outputs = rows_for_outputs(
        checked, rules, compiled, amount_column=AMOUNT_COLUMN, currency_column=CURRENCY_COLUMN
    )
    kept = kept_rows.keep(for_outputs, batch.keeps_rows)
    try:
        figures = compute_figures(kept, rules, compiled, AMOUNT_COLUMN, CURRENCY_COLUMN)
        phases.mark("check_and_aggregate")
        rejected_lines = rejected_figures(batch.rejected, card_scheme_required(rules))
        rejected_by_file = rejected_lines.by_file
        names = card_numbers_in_names(batch.files, batch.findings)

        # 3. batch rules, and whether the batch is blocked
        phases.mark("rejected_count")
        history = load_history(request.outputs.results, request.business_date, 60)
        facts = BatchFacts(
            business_date=request.business_date,
            files=batch.files,
            findings=batch.findings,
            figures=figures,
            rejected_by_file=rejected_by_file,
            history=history,
            columns=rules.column_names,
        )
        failures = figures.rule_failures()
        outcomes = [
            _row_outcome(rule, failures, compiled, rejected_lines, names)
            for rule in rules.row_rules
        ]
        outcomes += [BATCH_RULE_EVALUATORS[rule.type](rule, facts) for rule in rules.batch_rules]
        blocked_by = [
            o.rule.id
            for o in outcomes
            if o.status == "failed" and o.rule.severity is Severity.CRITICAL
        ]

        # 4. write every row somewhere, then count what was written
        outputs: dict[str, str | None] = {"processed": None}
        aliases = request.location_aliases
        processed = with_aliases(processed_rows(kept, rules, run_id), aliases)
        # A blocked batch quarantines every row, so it needs every row's safe columns.
        held = kept
        if blocked_by:
            held = rows_for_outputs(
                checked,
                rules,
                compiled,
                every_row=True,
                amount_column=AMOUNT_COLUMN,
                currency_column=CURRENCY_COLUMN,
            )
        quarantine = with_aliases(quarantine_rows(held, rules, run_id, blocked_by), aliases)
        rejected = with_aliases(rejected_rows(batch.rejected, run_id), aliases)
        phases.mark("batch_rules")
        shown_files = [aliased_path(f.path, aliases) for f in batch.files]
        day = request.business_date
        if not blocked_by:
            outputs["processed"] = write_partition(
                processed, request.outputs.processed, day, shown_files
            )
        outputs["quarantine"] = write_partition(
            quarantine, request.outputs.quarantine, day, shown_files
        )
        outputs["rejected"] = write_partition(rejected, request.outputs.rejected, day, shown_files)
    finally:
        kept_rows.release(kept)

    phases.mark("write")
    written = {
        "processed": count_written(spark, str(outputs["processed"]), processed.schema)
        if outputs["processed"]
        else 0,
        "quarantine": count_written(spark, str(outputs["quarantine"]), quarantine.schema),
        "rejected": count_written(spark, str(outputs["rejected"]), rejected.schema),
    }
    counts = Counts(
        rows_in=facts.rows_in,
        processed=written["processed"],
        quarantined=written["quarantine"],
        rejected=written["rejected"],
    )
    status, reasons = decide_status(outcomes, counts, rules.fail_when_quarantine_rate_above)
    phases.mark("count_back")
    samples = failure_samples(spark.read.parquet(str(outputs["quarantine"])), ID_COLUMN)
    phases.mark("samples")

    rows_by_file = figures.rows_by_file()
    rows = figures.total("rows")
    nulls = figures.nulls()
    finished_at = datetime.now(UTC)
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "dataset": rules.dataset,
        "business_date": request.business_date.isoformat(),
        "status": status,
        "status_reasons": reasons,
        "blocked_by": blocked_by,
        "started_at": None,  # set by the caller, which times the whole run
        "finished_at": finished_at.isoformat(timespec="milliseconds"),
        "duration_seconds": None,
        "phase_seconds": phases.seconds,
        "clock": now.isoformat(timespec="seconds"),
        "engine": {"name": "fintech-dq", "version": __version__, "spark": spark.version},
        "rules": rules_entry(rules),
        "inputs": [
            input_entry(f, rows_by_file.get(f.path, 0), rejected_by_file.get(f.path, 0))
            for f in batch.files
        ],
        "findings": [finding_entry(f) for f in [*batch.findings, *compiled.findings]],
        "counts": counts.as_dict(),
        "rule_results": [
            {**o.as_dict(), "samples": _samples(o.rule, samples, rejected_lines)} for o in outcomes
        ],
        "metrics": {
            "quarantine_rate": _rate(counts.quarantined, counts.rows_in),
            "rejected_rate": _rate(counts.rejected, counts.rows_in),
            "null_rates": {c: _rate(nulls.get(c, 0), rows) for c in rules.column_names},
            "amount_totals": _totals(
                figures.amount_totals_by_currency(),
                withhold_card_numbers=_found_card_number(outcomes),
            ),
            "processed_amount_totals": _totals(
                figures.amount_totals_by_currency(processed_only=True) if not blocked_by else {}
            ),
            "history_days_for_ids": history_days,
            "history_days_for_metrics": len(history),
        },
        "outputs": outputs,
    }
    return document


def check_records(
    spark: SparkSession,
    rules: DatasetRules,
    records: DataFrame,
    business_date: date,
    now: datetime,
    references: dict[str, str],
    processed_root: str | None,
) -> tuple[DataFrame, CompiledRules, int]:
    """Steps 1 and 2: lookups, typed values and every row rule, as one lazy DataFrame.

    Returns the checked records, the compiled rules (with those not evaluated and why) and
    how many earlier business days of processed ids were found.
    """
    row_rules = list(rules.row_rules)
    unavailable: dict[str, str] = {}
    found: list[FileFinding] = []  # problems of the reference tables
    notes: dict[str, list[str]] = {}
    for name, forbidden in reference_needs(row_rules).items():
        users = [r for r in row_rules if r.params.get("reference") == name]
        if name not in references:
            for rule in users:
                unavailable[rule.id] = (
                    f"reference table '{name}' was not given (--reference {name}=PATH)"
                )
            continue
        pairs = {(str(r.column), str(r.params["reference_column"])) for r in users}
        if len(pairs) != 1:
            raise ValueError(f"rules join reference '{name}' on different keys: {sorted(pairs)}")
        ((record_key, reference_key),) = pairs
        table = lookups.read_reference(spark, references[name])
        contract = lookups.CONTRACT_VALUES
        known = {c: contract[(name, c)] for c in forbidden if (name, c) in contract}
        records, repeated, unknown = lookups.join_reference(
            records, table, name, record_key, reference_key, forbidden, known
        )
        # Both said in the findings and beside each rule reading the table.
        if repeated.count:
            message = repeated.message(name, reference_key, forbidden)
            finding = FileFinding(references[name], REPEATED_KEYS, message, (reference_key,))
            found.append(finding)
            for rule in users:
                notes.setdefault(rule.id, []).append(message)
        if unknown.count:
            message = unknown.message(name, reference_key, known)
            found.append(FileFinding(references[name], UNKNOWN_VALUES, message, unknown.columns))
            for rule in users:
                notes.setdefault(rule.id, []).append(message)
            # Fail safe: a key read with such a value fails the rules forbidding a status
            # (its message shows the value), rather than passing as if active.
            row_rules = [_forbidding(r, name, unknown, known) for r in row_rules]
    if any(r.type == "unique" for r in row_rules):
        records = lookups.join_duplicates(records, ID_COLUMN)
    history_days = 0
    history_rules = [r for r in row_rules if r.type == "not_in_history"]
    if history_rules and processed_root:
        lookback = max(int(r.params["lookback_days"]) for r in history_rules)
        records, history_days = lookups.join_history(
            spark, records, ID_COLUMN, processed_root, business_date, lookback
        )
    elif history_rules:
        records = records.withColumn(HISTORY_SEEN_DATE, F.lit(None).cast("date"))
    if not history_days:  # nothing to compare with: not a pass (e.g. a wrong location)
        where = f"under {processed_root}" if processed_root else "(no processed data given)"
        for rule in history_rules:
            unavailable[rule.id] = (
                f"no processed data of the {rule.params['lookback_days']} days before "
                f"{business_date.isoformat()} {where}"
            )
    ctx = CheckContext(rules=rules, business_date=business_date, now=now)
    compiled = replace(
        compile_rules(row_rules, ctx, unavailable), notes=notes, findings=tuple(found)
    )
    prepared = with_pan_scan(with_typed_columns(records, rules), rules)
    return with_violations(prepared, compiled), compiled, history_days


def _forbidding(
    rule: RuleSpec, name: str, unknown: lookups.UnknownValues, known: dict[str, frozenset[str]]
) -> RuleSpec:
    """A reference_status rule on table `name` that also forbids what a key with a value the
    contract does not list is read as (engine.lookups.join_reference)."""
    if rule.type != "reference_status" or rule.params.get("reference") != name:
        return rule
    column = str(rule.params["status_column"])
    extra = unknown.texts(column, known.get(column, ()))
    if not extra:
        return rule
    forbidden = [*map(str, rule.params["forbidden"]), *extra]
    return replace(rule, params={**rule.params, "forbidden": forbidden})


def _row_outcome(
    rule: RuleSpec,
    failures: dict[str, int],
    compiled: CompiledRules,
    rejected: RejectedFigures,
    names: NamesWithCardNumbers,
) -> RuleOutcome:
    if rule.id in compiled.not_evaluated:
        return RuleOutcome(rule, "not_evaluated", details=[compiled.not_evaluated[rule.id]])
    count = failures.get(rule.id, 0)
    details = list(compiled.notes.get(rule.id, []))
    if rule.type == "unmasked_card_number":  # a rejected line's or a name's (engine.pan_guard)
        count += rejected.card_numbers + names.count
        details += [*rejected.card_number_details(), *names.details]
    return RuleOutcome(rule, "failed" if count else "passed", failures=count, details=details)


def _samples(
    rule: RuleSpec, samples: dict[str, list[dict[str, Any]]], rejected: RejectedFigures
) -> list[dict[str, Any]]:
    """The rule's samples from the quarantine; a card-number rule's also from rejected lines
    (file and line only), first by file and line."""
    found = samples.get(rule.id, [])
    if rule.type != "unmasked_card_number" or not rejected.card_numbers:
        return found
    lines = [
        {
            ID_COLUMN: None,
            "source_file": file,
            "source_line": line,
            "message": REJECTED_LINE_MESSAGE,
        }
        for file, numbers in rejected.card_number_lines.items()
        for line in numbers
    ]
    both = sorted([*found, *lines], key=lambda s: (s["source_file"], s["source_line"] or 0))
    return both[:SAMPLES_PER_RULE]


def _rate(part: int, whole: int) -> float:
    """Rates are reporting figures (not money): a float rounded to 6 places is fine."""
    return round(part / whole, 6) if whole else 0.0


def _totals(totals: dict[str, Any], withhold_card_numbers: bool = False) -> dict[str, str | None]:
    """Totals as exact decimal text. withhold_card_numbers (the batch holds a card number):
    a total whose digits are a card scheme's number is null, since a card number keyed into
    `amount` is its currency's total when it is the only amount (results documents keep
    metric values unmasked: a large VND total looks like a card number as often)."""
    shown: dict[str, str | None] = {}
    for currency, value in sorted(totals.items()):
        text = plain_digits(value)
        withheld = withhold_card_numbers and holds_card_number(text)
        shown[currency] = None if withheld else text
    return shown


def _found_card_number(outcomes: list[RuleOutcome]) -> bool:
    return any(o.rule.type == "unmasked_card_number" and o.status == "failed" for o in outcomes)


class _PhaseClock:
    """Seconds spent in each phase of the run, for the results document and benchmarks."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.monotonic()

    def mark(self, phase: str) -> None:
        now = time.monotonic()
        self.seconds[phase] = round(now - self._last, 3)
        self._last = now
