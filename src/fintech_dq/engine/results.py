"""The results document of a run: what came in, where every row went, what broke, why."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from fintech_dq.contract import DatasetRules, Severity
from fintech_dq.engine.batch_rules import RuleOutcome
from fintech_dq.engine.evaluate import VIOLATIONS
from fintech_dq.ingest import FileFinding, InputFile
from fintech_dq.masked_documents import masked
from fintech_dq.masking import mask_card_numbers_in_text
from fintech_dq.monitoring.bands import plain_digits

SCHEMA_VERSION = 1
SAMPLES_PER_RULE = 5

STATUSES = ("passed", "passed_with_warnings", "failed", "blocked")


@dataclass(frozen=True)
class Counts:
    rows_in: int
    processed: int
    quarantined: int
    rejected: int

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.processed + self.quarantined + self.rejected

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows_in": self.rows_in,
            "processed": self.processed,
            "quarantined": self.quarantined,
            "rejected": self.rejected,
            "balanced": self.balanced,
        }


def decide_status(
    outcomes: list[RuleOutcome], counts: Counts, fail_rate: Decimal
) -> tuple[str, list[str]]:
    """blocked > failed > passed_with_warnings > passed; returns the status and its reasons."""
    failed = [o for o in outcomes if o.status == "failed"]
    critical = [o.rule.id for o in failed if o.rule.severity is Severity.CRITICAL]
    if critical:
        return "blocked", critical
    if not counts.balanced:
        return "failed", ["rows_in does not equal processed + quarantined + rejected"]
    rate = Decimal(counts.quarantined) / counts.rows_in if counts.rows_in else Decimal(0)
    if rate > fail_rate:
        return "failed", [f"quarantine rate {rate:.2%} is above {fail_rate:.2%}"]
    if failed or counts.quarantined or counts.rejected:
        return "passed_with_warnings", [o.rule.id for o in failed]
    return "passed", []


def failure_samples(quarantine: DataFrame, key: str) -> dict[str, list[dict[str, Any]]]:
    """Up to five failing rows per rule (first by file and line), read from the quarantine."""
    exploded = quarantine.select(
        F.col(key).alias("id"), "source_file", "source_line", F.explode(VIOLATIONS).alias("v")
    )
    order = Window.partitionBy("v.rule_id").orderBy("source_file", "source_line")
    rows = (
        exploded.withColumn("n", F.row_number().over(order))
        .where(F.col("n") <= SAMPLES_PER_RULE)
        .select("v.rule_id", "id", "source_file", "source_line", "v.message")
        .collect()
    )
    samples: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: (r["rule_id"], r["source_file"], r["source_line"])):
        samples.setdefault(row["rule_id"], []).append(
            {
                key: mask_card_numbers_in_text(row["id"]),
                "source_file": mask_card_numbers_in_text(row["source_file"]),
                "source_line": row["source_line"],
                "message": mask_card_numbers_in_text(row["message"]),
            }
        )
    return samples


def input_entry(file: InputFile, records: int, rejected: int) -> dict[str, Any]:
    """Masked (masked_documents): a file name, a manifest's file or totals can hold a PAN."""
    manifest = file.manifest
    return masked(
        {
            "path": file.path,
            "format": file.format,
            "compression": file.compression,
            "size_bytes": file.size_bytes,
            "sha256": file.sha256,
            "records": records,
            "rejected": rejected,
            "manifest": None
            if manifest is None
            else {
                "path": manifest.path,
                "record_count": manifest.record_count,
                "totals": {c: plain_digits(v) for c, v in sorted(manifest.totals.items())},
                "sha256": manifest.sha256,
            },
        }
    )


def finding_entry(finding: FileFinding) -> dict[str, Any]:
    """Masked: findings name files, columns (a header, a JSON key) and reference values."""
    return masked(
        {
            "file": finding.file,
            "kind": finding.kind,
            "message": finding.message,
            "columns": list(finding.columns),
        }
    )


def rules_entry(rules: DatasetRules) -> dict[str, Any]:
    return {
        "dataset": rules.dataset,
        "version": rules.version,
        "contract": rules.contract,
        "path": rules.source_path,
        "sha256": rules.source_sha256,
    }
