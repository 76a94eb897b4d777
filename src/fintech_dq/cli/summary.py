"""Plain-text summary of a results document, for the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fintech_dq.masking import mask_card_numbers_in_text


def render_summary(document: dict[str, Any], results_path: Path | None = None) -> str:
    counts = document["counts"]
    lines = [
        f"{document['dataset']} {document['business_date']}  run {document['run_id']}",
        f"status: {document['status'].upper()}"
        + (f"  ({'; '.join(document['status_reasons'])})" if document["status_reasons"] else ""),
        f"rows in {counts['rows_in']} = processed {counts['processed']} + quarantined "
        f"{counts['quarantined']} + rejected {counts['rejected']}"
        + ("  [balanced]" if counts["balanced"] else "  [NOT BALANCED]"),
        "",
    ]
    failing = [r for r in document["rule_results"] if r["status"] != "passed"]
    if failing:
        width = max(len(r["rule_id"]) for r in failing)
        lines.append(f"{'rule'.ljust(width)}  severity  status         failures")
        order = {"critical": 0, "error": 1, "warn": 2}
        for result in sorted(failing, key=lambda r: (order[r["severity"]], r["rule_id"])):
            lines.append(
                f"{result['rule_id'].ljust(width)}  {result['severity']:<8}  "
                f"{result['status']:<13}  {result['failures']:>8}"
            )
            for detail in result["details"][:3]:
                lines.append(f"{''.ljust(width)}    {mask_card_numbers_in_text(detail)}")
    else:
        lines.append("every rule passed")
    lines.append("")
    for name, uri in document["outputs"].items():
        lines.append(f"{name + ':':<12} {uri or '(not written: batch blocked)'}")
    if results_path is not None:
        lines.append(f"{'results:':<12} {results_path}")
    return "\n".join(lines)
