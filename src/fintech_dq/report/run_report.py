"""The HTML report of one run: summary, anomaly bands, 30-day trends, per-rule table,
masked samples of failing rows, the schema diff and the inputs. A pure function of the
documents it is given."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fintech_dq.masked_documents import masked, masked_results
from fintech_dq.monitoring.anomalies import AnomalyBand, quarantine_rate
from fintech_dq.monitoring.bands import plain_figure
from fintech_dq.report.charts import Series, line_chart
from fintech_dq.report.page import page, text

SEVERITY_ORDER = {"critical": 0, "error": 1, "warn": 2}
STATUS_ORDER = {"failed": 0, "not_evaluated": 1, "passed": 2}


def render_run_report(
    document: dict[str, Any],
    history: list[dict[str, Any]],
    bands: list[AnomalyBand],
    schema_diff: dict[str, Any] | None,
    index_link: str,
) -> str:
    """history: the latest document of each of the last 30 days, oldest first, this run's
    day included."""
    # Masked whole first (also documents stored before names were masked): their keys
    # become chart ids and titles, and keys that mask alike stay apart (masked_keys).
    document, schema_diff = masked_results(document), masked(schema_diff)
    history = [masked_results(day) for day in history]
    title = f"{document['dataset']} {document['business_date']}: {document['status']}"
    header = (
        f"<h1>Data quality: {text(document['dataset'])} {text(document['business_date'])}</h1>"
        f'<span class="status {text(document["status"])}">{text(document["status"])}</span> '
        f"run <code>{text(document['run_id'])}</code> · "
        f'<a href="{text(index_link)}">all days</a>'
    )
    body = "".join(
        [
            _summary(document),
            _anomalies(bands),
            _trends(history, bands),
            _rules(document),
            _samples(document),
            _schema(schema_diff),
            _inputs(document),
        ]
    )
    return page(title, header, body)


def _summary(document: dict[str, Any]) -> str:
    counts = document["counts"]
    rate = quarantine_rate(document)
    rows = [
        ("rows in", counts["rows_in"]),
        ("processed", counts["processed"]),
        ("quarantined", counts["quarantined"]),
        ("rejected (unparsable)", counts["rejected"]),
        (
            "balanced (in = processed + quarantined + rejected)",
            "yes" if counts["balanced"] else "NO",
        ),
        ("quarantine rate", f"{rate:.4%}" if rate is not None else "-"),
        ("status reasons", "; ".join(document.get("status_reasons") or []) or "-"),
        ("duration", f"{document.get('duration_seconds', '-')} s"),
        ("finished (UTC)", document.get("finished_at")),
        (
            "rules",
            f"{document['rules']['version']} ({document['rules']['contract']}), "
            f"sha256 {str(document['rules']['sha256'])[:12]}…",
        ),
        (
            "engine",
            f"{document['engine']['name']} {document['engine']['version']}, "
            f"Spark {document['engine'].get('spark', '-')}",
        ),
    ]
    cells = "".join(f"<tr><th>{text(k)}</th><td>{text(v)}</td></tr>" for k, v in rows)
    return f'<section id="summary"><h2>Summary</h2><table>{cells}</table></section>'


def _anomalies(bands: list[AnomalyBand]) -> str:
    rows = []
    for b in bands:
        verdict = b.verdict.split()[0]
        if b.band is None:
            band_cells = '<td colspan="3">too little history</td>'
        else:
            band_cells = (
                f'<td class="num">{text(plain_figure(b.band.low))} to '
                f"{text(plain_figure(b.band.high))}</td>"
                f'<td class="num">{text(plain_figure(b.band.median))}</td>'
                f"<td>{b.band.days} days, {text(b.band.basis)}</td>"
            )
        rows.append(
            f'<tr data-metric="{text(b.metric)}"><td>{text(b.metric)}</td>'
            f'<td class="num">{text(plain_figure(b.value))}</td>{band_cells}'
            f'<td><span class="status {verdict}">{text(b.verdict)}</span></td></tr>'
        )
    return (
        '<section id="anomalies"><h2>Against history</h2><p>Each figure is compared with its '
        "trailing window: median ± 3 × scaled MAD (1.4826 × median absolute deviation), "
        "same weekday when there are five of them, month-ends against month-ends.</p>"
        "<table><tr><th>metric</th><th>value</th><th>band</th><th>median</th><th>basis</th>"
        f"<th>verdict</th></tr>{''.join(rows)}</table></section>"
    )


def _trends(history: list[dict[str, Any]], bands: list[AnomalyBand]) -> str:
    labels = [str(d["business_date"]) for d in history]
    by_metric = {b.metric: b.band for b in bands}

    def band_of(metric: str) -> tuple[Decimal, Decimal] | None:
        band = by_metric.get(metric)
        return (band.low, band.high) if band else None

    rate_band = band_of("quarantine_rate")
    charts = [
        line_chart(
            "quarantine_rate",
            "Quarantine rate (%)",
            labels,
            [Series("quarantine rate", [_percent(quarantine_rate(d)) for d in history])],
            unit="%",
            band=(rate_band[0] * 100, rate_band[1] * 100) if rate_band else None,
        ),
        line_chart(
            "volume",
            "Volume (rows in)",
            labels,
            [
                Series("rows in", [Decimal(d["counts"]["rows_in"]) for d in history]),
                Series("quarantined", [Decimal(d["counts"]["quarantined"]) for d in history]),
            ],
            band=band_of("volume"),
        ),
    ]
    currencies = sorted(
        {c for d in history for c in (d.get("metrics") or {}).get("amount_totals") or {}}
    )
    for currency in currencies:
        values = [
            _decimal(((d.get("metrics") or {}).get("amount_totals") or {}).get(currency))
            for d in history
        ]
        charts.append(
            line_chart(
                f"total_{currency}",
                f"Amount total {currency}",
                labels,
                [Series(currency, values)],
                band=band_of(f"amount_total:{currency}"),
            )
        )
    return (
        f'<section id="trends"><h2>Last {len(labels)} days</h2><p>Shaded: the band today\'s '
        f'value is judged against.</p><div class="charts">{"".join(charts)}</div></section>'
    )


def _rules(document: dict[str, Any]) -> str:
    results = sorted(
        document["rule_results"],
        key=lambda r: (
            STATUS_ORDER.get(r["status"], 9),
            SEVERITY_ORDER.get(r["severity"], 9),
            r["rule_id"],
        ),
    )
    rows = "".join(
        f'<tr data-status="{text(r["status"])}" data-rule="{text(r["rule_id"])}">'
        f"<td><code>{text(r['rule_id'])}</code></td><td>{text(r['type'])}</td>"
        f"<td>{text(r['severity'])}</td>"
        f'<td><span class="status {text(r["status"])}">{text(r["status"])}</span></td>'
        f'<td class="num">{text(r["failures"])}</td><td>{text(r["description"])}'
        + "".join(f"<br><small>{text(d)}</small>" for d in (r.get("details") or [])[:5])
        + "</td></tr>"
        for r in results
    )
    return (
        '<section id="rules"><h2>Rules</h2><label><input type="checkbox" id="only-failing"> '
        "only rules that did not pass</label><table><tr><th>rule</th><th>type</th>"
        "<th>severity</th><th>status</th><th>failures</th><th>what it checks</th></tr>"
        f"{rows}</table></section>"
    )


def _samples(document: dict[str, Any]) -> str:
    parts = []
    for rule in document["rule_results"]:
        samples = rule.get("samples") or []
        if not samples:
            continue
        columns = list(dict.fromkeys(k for s in samples for k in s))
        head = "".join(f"<th>{text(c)}</th>" for c in columns)
        rows = "".join(
            "<tr>" + "".join(f"<td>{text(s.get(c))}</td>" for c in columns) + "</tr>"
            for s in samples
        )
        parts.append(
            f"<h3><code>{text(rule['rule_id'])}</code> ({text(rule['failures'])} rows"
            + (f", the first {len(samples)} shown" if len(samples) < rule["failures"] else "")
            + ")</h3>"
            f"<table><tr>{head}</tr>{rows}</table>"
        )
    content = "".join(parts) or "<p>No failing rows.</p>"
    return (
        '<section id="samples"><h2>Failing rows (samples, card numbers masked)</h2>'
        f"{content}</section>"
    )


def _schema(diff: dict[str, Any] | None) -> str:
    if diff is None:
        return (
            '<section id="schema"><h2>Schema</h2>'
            "<p>No schema diff stored for this day.</p></section>"
        )
    changes = diff.get("changes") or []
    rows = "".join(
        f"<tr><td>{text(c.get('classification'))}</td><td>{text(c.get('against'))}</td>"
        f"<td>{text(c.get('kind'))}</td><td><code>{text(c.get('column'))}</code></td>"
        f"<td>{text(c.get('old'))}</td><td>{text(c.get('new'))}</td><td>{text(c.get('message'))}</td></tr>"
        for c in changes
    )
    table = (
        "<table><tr><th>class</th><th>against</th><th>kind</th><th>column</th><th>was</th>"
        f"<th>now</th><th>meaning</th></tr>{rows}</table>"
        if changes
        else "<p>The day's schema matches the contract.</p>"
    )
    catalog = diff.get("catalog") or {}
    return (
        f'<section id="schema"><h2>Schema</h2><p>decision: <strong>{text(diff.get("decision"))}'
        f"</strong>; catalog table version {text(catalog.get('version_id'))}, checked "
        f"{text(diff.get('checked_at'))}</p>{table}</section>"
    )


def _inputs(document: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td><code>{text(i.get('path'))}</code></td><td>{text(i.get('format'))}</td>"
        f'<td class="num">{text(i.get("records"))}</td>'
        f'<td class="num">{text(i.get("rejected"))}</td>'
        f"<td><code>{text(str(i.get('sha256'))[:16])}…</code></td></tr>"
        for i in document.get("inputs") or []
    )
    findings = "".join(
        f"<li>{text(f.get('file'))}: {text(f.get('message'))}</li>"
        for f in document.get("findings") or []
    )
    return (
        '<section id="inputs"><h2>Inputs</h2><table><tr><th>file</th><th>format</th>'
        f"<th>records</th><th>unparsable</th><th>sha256</th></tr>{rows}</table>"
        + (f"<ul>{findings}</ul>" if findings else "")
        + "</section>"
    )


def _percent(value: Decimal | None) -> Decimal | None:
    return None if value is None else value * 100


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))
