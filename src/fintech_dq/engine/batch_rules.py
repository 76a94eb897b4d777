"""Batch rules: evaluated once per run on the files, the run's figures and the history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from fintech_dq.contract import RuleSpec
from fintech_dq.engine.history import band_for
from fintech_dq.engine.metrics import BatchFigures
from fintech_dq.ingest import FileFinding, InputFile
from fintech_dq.monitoring.bands import plain_digits


@dataclass
class BatchFacts:
    business_date: date
    files: list[InputFile]
    findings: list[FileFinding]
    figures: BatchFigures
    rejected_by_file: dict[str, int]
    history: list[dict[str, Any]]
    columns: tuple[str, ...]

    @property
    def rows_in(self) -> int:
        return self.figures.total("rows") + sum(self.rejected_by_file.values())


@dataclass
class RuleOutcome:
    """One rule's result in the results document. status: passed, failed or not_evaluated."""

    rule: RuleSpec
    status: str
    failures: int = 0
    details: list[str] = field(default_factory=list)
    measured: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule.id,
            "type": self.rule.type,
            "severity": self.rule.severity.value,
            "description": self.rule.description,
            "status": self.status,
            "failures": self.failures,
            "details": self.details,
            **({"measured": self.measured} if self.measured else {}),
        }


def _result(
    rule: RuleSpec, problems: list[str], measured: dict[str, Any] | None = None
) -> RuleOutcome:
    return RuleOutcome(
        rule,
        "failed" if problems else "passed",
        failures=len(problems),
        details=problems,
        measured=measured or {},
    )


def _findings(kind: str) -> Callable[[RuleSpec, BatchFacts], RuleOutcome]:
    def evaluate(rule: RuleSpec, facts: BatchFacts) -> RuleOutcome:
        return _result(rule, [f.message for f in facts.findings if f.kind == kind])

    return evaluate


def _not_compared(facts: BatchFacts, file: InputFile, missing: str) -> list[str]:
    """Why `file` is not compared with its manifest: its manifest is invalid (said by
    manifest_valid) or lacks the field `missing`; nothing when it has no manifest."""
    if file.manifest is None:
        invalid = any(f.kind == "manifest_invalid" and f.file == file.path for f in facts.findings)
        return [f"{file.path}: its manifest is invalid, so not compared"] if invalid else []
    return [f"{file.path}: its manifest carries no {missing}, so not compared"]


def _manifest_outcome(
    rule: RuleSpec, problems: list[str], unchecked: list[str], checked: int, nothing: str
) -> RuleOutcome:
    """Files not compared are said beside the problems (they are not failures); with no file
    compared the rule is not_evaluated, with those reasons (else `nothing`)."""
    if not checked:
        return RuleOutcome(rule, "not_evaluated", details=unchecked or [nothing])
    outcome = _result(rule, problems, {"files_checked": checked})
    outcome.details = [*problems, *unchecked]
    return outcome


def manifest_record_count(rule: RuleSpec, facts: BatchFacts) -> RuleOutcome:
    rows = facts.figures.rows_by_file()
    problems: list[str] = []
    unchecked: list[str] = []
    checked = 0
    for file in facts.files:
        if file.manifest is None:
            unchecked += _not_compared(facts, file, "")
            continue
        checked += 1
        found = rows.get(file.path, 0) + facts.rejected_by_file.get(file.path, 0)
        if found != file.manifest.record_count:
            problems.append(
                f"{file.path}: {found} records, manifest says {file.manifest.record_count}"
            )
    return _manifest_outcome(rule, problems, unchecked, checked, "no file came with a manifest")


def manifest_totals(rule: RuleSpec, facts: BatchFacts) -> RuleOutcome:
    totals = facts.figures.totals_by_file()
    problems: list[str] = []
    unchecked: list[str] = []
    checked = 0
    for file in facts.files:
        if file.manifest is None or not file.manifest.totals_given:
            unchecked += _not_compared(facts, file, "totals")
            continue
        checked += 1
        found = {c: v for c, v in totals.get(file.path, {}).items() if v != 0}
        declared = {c: v for c, v in file.manifest.totals.items() if v != 0}
        for currency in sorted(set(found) | set(declared)):
            ours, theirs = found.get(currency, Decimal(0)), declared.get(currency, Decimal(0))
            if ours != theirs:
                problems.append(
                    f"{file.path}: {currency} total {plain_digits(ours)}, "
                    f"manifest says {plain_digits(theirs)}"
                )
    return _manifest_outcome(rule, problems, unchecked, checked, "no file came with a manifest")


def manifest_sha256(rule: RuleSpec, facts: BatchFacts) -> RuleOutcome:
    problems: list[str] = []
    unchecked: list[str] = []
    checked = 0
    for file in facts.files:
        if file.manifest is None or not file.manifest.sha256:
            unchecked += _not_compared(facts, file, "sha256")
            continue
        checked += 1
        if file.manifest.sha256.lower() != file.sha256:
            problems.append(
                f"{file.path}: sha256 {file.sha256}, manifest says {file.manifest.sha256}"
            )
    return _manifest_outcome(rule, problems, unchecked, checked, "no manifest carries a sha256")


def unparsable_records(rule: RuleSpec, facts: BatchFacts) -> RuleOutcome:
    rejected = sum(facts.rejected_by_file.values())
    allowed = Decimal(str(rule.params.get("max_rate", 0))) * facts.rows_in
    problems = []
    if rejected > allowed:
        by_file = ", ".join(f"{f}: {n}" for f, n in sorted(facts.rejected_by_file.items()) if n)
        problems.append(f"{rejected} record(s) could not be parsed ({by_file}); see rejected/")
    return _result(rule, problems, {"rejected": rejected, "rows_in": facts.rows_in})


def _window(rule: RuleSpec) -> tuple[int, int]:
    return int(rule.params["window_business_days"]), int(rule.params.get("min_history_days", 5))


def _too_little_history(rule: RuleSpec, facts: BatchFacts, minimum: int) -> RuleOutcome:
    return RuleOutcome(
        rule,
        "not_evaluated",
        details=[f"needs {minimum} earlier business days of metrics, found {len(facts.history)}"],
    )


def volume_band(rule: RuleSpec, facts: BatchFacts) -> RuleOutcome:
    window, minimum = _window(rule)
    history = facts.history[:window]
    band = band_for(
        history, facts.business_date, lambda d: d.get("counts", {}).get("rows_in"), minimum
    )
    if band is None and facts.rows_in == 0:  # not a silent pass: nothing says it is usual
        return _result(
            rule,
            [
                f"no records at all, and too little history to say whether that is usual "
                f"(needs {minimum} earlier business days of metrics, found {len(facts.history)})"
            ],
            {"value": 0},
        )
    if band is None:
        return _too_little_history(rule, facts, minimum)
    value = Decimal(facts.rows_in)
    problems = (
        []
        if band.contains(value)
        else [
            f"{facts.rows_in} rows, expected {plain_digits(band.low)} to {plain_digits(band.high)} "
            f"(median {plain_digits(band.median)} over {band.days} days, {band.basis})"
        ]
    )
    return _result(rule, problems, {"value": facts.rows_in, "band": band.as_dict()})


def null_rate_drift(rule: RuleSpec, facts: BatchFacts) -> RuleOutcome:
    window, minimum = _window(rule)
    history = facts.history[:window]
    if len(history) < minimum:
        return _too_little_history(rule, facts, minimum)
    max_increase = Decimal(str(rule.params["max_increase"]))
    rows = facts.figures.total("rows")
    nulls = facts.figures.nulls()
    problems, measured = [], {}
    for column in facts.columns:
        rate = Decimal(nulls.get(column, 0)) / rows if rows else Decimal(0)
        band = band_for(
            history,
            facts.business_date,
            _metric_of("null_rates", column),
            minimum,
        )
        if band is None:
            continue
        measured[column] = {"value": str(round(rate, 6)), "median": str(round(band.median, 6))}
        if rate > band.median + max_increase:
            problems.append(
                f"{column}: null rate {rate:.2%}, trailing median {band.median:.2%} "
                f"(allowed rise {max_increase:.0%})"
            )
    return _result(rule, problems, measured)


def _metric_of(figure: str, key: str) -> Callable[[dict[str, Any]], Any]:
    """Reads one figure of an earlier run's results document (None where it is missing)."""
    return lambda document: document.get("metrics", {}).get(figure, {}).get(key)


def amount_totals_drift(rule: RuleSpec, facts: BatchFacts) -> RuleOutcome:
    window, minimum = _window(rule)
    history = facts.history[:window]
    if len(history) < minimum:
        return _too_little_history(rule, facts, minimum)
    problems, measured = [], {}
    for currency, total in sorted(facts.figures.amount_totals_by_currency().items()):
        band = band_for(
            history,
            facts.business_date,
            _metric_of("amount_totals", currency),
            minimum,
        )
        if band is None:
            continue
        measured[currency] = {"value": plain_digits(total), "band": band.as_dict()}
        if not band.contains(total):
            problems.append(
                f"{currency}: total {plain_digits(total)}, expected {plain_digits(band.low)} to "
                f"{plain_digits(band.high)} (median over {band.days} days, {band.basis})"
            )
    return _result(rule, problems, measured)


BATCH_RULE_EVALUATORS: dict[str, Callable[[RuleSpec, BatchFacts], RuleOutcome]] = {
    "manifest_record_count": manifest_record_count,
    "manifest_totals": manifest_totals,
    "manifest_sha256": manifest_sha256,
    "manifest_valid": _findings("manifest_invalid"),
    "resend": _findings("resend"),
    "file_integrity": _findings("file_integrity"),
    "schema_breaking": _findings("schema_breaking"),
    "schema_additive": _findings("schema_additive"),
    "unparsable_records": unparsable_records,
    "volume_band": volume_band,
    "null_rate_drift": null_rate_drift,
    "amount_totals_drift": amount_totals_drift,
}
