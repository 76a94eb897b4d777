"""The index across days: one row per business date (its latest run), with links to the
reports and the trend of quarantine rate and volume."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fintech_dq.monitoring.anomalies import quarantine_rate
from fintech_dq.report.charts import Series, line_chart
from fintech_dq.report.page import page, text


def render_index(dataset: str, runs: list[tuple[dict[str, Any], str]]) -> str:
    """runs: (results document, link to its report), oldest first."""
    labels = [str(d["business_date"]) for d, _ in runs]
    rates = [quarantine_rate(d) for d, _ in runs]
    charts = line_chart(
        "index_quarantine_rate",
        "Quarantine rate (%)",
        labels,
        [Series("quarantine rate", [None if r is None else r * 100 for r in rates])],
        unit="%",
    ) + line_chart(
        "index_volume",
        "Volume (rows in)",
        labels,
        [Series("rows in", [Decimal(d["counts"]["rows_in"]) for d, _ in runs])],
    )
    rows = "".join(
        f'<tr data-day="{text(d["business_date"])}"><td><a href="{text(link)}">'
        f"{text(d['business_date'])}</a></td>"
        f'<td><span class="status {text(d["status"])}">{text(d["status"])}</span></td>'
        f'<td class="num">{text(d["counts"]["rows_in"])}</td>'
        f'<td class="num">{text(d["counts"]["quarantined"])}</td>'
        f'<td class="num">{"-" if r is None else f"{r:.3%}"}</td>'
        f"<td><code>{text(d['run_id'])}</code></td></tr>"
        for (d, link), r in reversed(list(zip(runs, rates, strict=True)))
    )
    body = (
        f'<section id="trend"><h2>Trend</h2><div class="charts">{charts}</div></section>'
        '<section id="days"><h2>Days</h2><table><tr><th>business date</th><th>status</th>'
        "<th>rows in</th><th>quarantined</th><th>rate</th><th>run</th></tr>"
        f"{rows}</table></section>"
    )
    return page(f"{dataset}: data-quality reports", f"<h1>Data quality: {text(dataset)}</h1>", body)
