"""Inline SVG charts: the report must open offline and from an e-mail link, so no
chart library and no CDN; a polyline per series, points with <title> tooltips, and an
optional shaded band (the anomaly band a value is judged against). Every string shown goes
through page.text (card numbers masked, then escaped): ids, titles and series names are
made of data, e.g. a currency as sent."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from fintech_dq.monitoring.bands import plain_digits
from fintech_dq.report.page import text

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 24, 36
PALETTE = ("#1f6feb", "#d73a49", "#2da44e", "#bf8700", "#8250df", "#0a7ea4", "#cf222e", "#57606a")


@dataclass(frozen=True)
class Series:
    name: str
    values: list[Decimal | None]
    """One value per label; None leaves a gap (no run that day)."""


def line_chart(
    chart_id: str,
    title: str,
    labels: list[str],
    series: list[Series],
    *,
    unit: str = "",
    band: tuple[Decimal, Decimal] | None = None,
) -> str:
    present = [v for s in series for v in s.values if v is not None]
    bounds = [*present, *(band or ())]
    if not labels or not present:
        return (
            f'<figure class="chart empty" data-chart="{text(chart_id)}"><figcaption>'
            f"{text(title)}</figcaption><p>no history yet</p></figure>"
        )
    low, high = min(bounds), max(bounds)
    if low == high:
        low, high = low - 1, high + 1
    low = min(low, Decimal(0)) if low >= 0 else low
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(index: int) -> float:
        return LEFT + (plot_w * index / max(len(labels) - 1, 1))

    def y(value: Decimal) -> float:
        return TOP + plot_h * float((high - value) / (high - low))

    parts = [
        f'<figure class="chart" data-chart="{text(chart_id)}">',
        f"<figcaption>{text(title)}</figcaption>",
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="{text(title)}" xmlns="http://www.w3.org/2000/svg">',
    ]
    if band is not None:
        top, bottom = y(band[1]), y(band[0])
        parts.append(
            f'<rect class="band" x="{LEFT}" y="{top:.1f}" width="{plot_w}" '
            f'height="{max(bottom - top, 1):.1f}" fill="#2da44e" fill-opacity="0.15">'
            f"<title>band {_short(band[0])} to {_short(band[1])}</title></rect>"
        )
    ticks = [low + (high - low) * Decimal(str(fraction)) for fraction in (0, 0.5, 1)]
    for value, shown in zip(ticks, axis_labels(ticks), strict=True):
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="#d0d7de" stroke-width="1"/><text x="{LEFT - 6}" y="{y(value) + 4:.1f}" '
            f'text-anchor="end" font-size="11">{text(shown)}{text(unit)}</text>'
        )
    step = max(1, len(labels) // 6)
    for index in range(0, len(labels), step):
        parts.append(
            f'<text x="{x(index):.1f}" y="{HEIGHT - 12}" text-anchor="middle" '
            f'font-size="11">{text(labels[index][5:])}</text>'
        )
    for number, one in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        points = [(x(i), y(v), labels[i], v) for i, v in enumerate(one.values) if v is not None]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
        parts.append(
            f'<polyline class="series" data-series="{text(one.name)}" fill="none" '
            f'stroke="{colour}" stroke-width="2" points="{path}"/>'
        )
        for px, py, label, value in points:
            parts.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"><title>'
                f"{text(one.name)} {text(label)}: {text(_short(value))}{text(unit)}"
                "</title></circle>"
            )
    parts.append("</svg>")
    if len(series) > 1:
        legend = "".join(
            f'<span class="key"><i style="background:{PALETTE[n % len(PALETTE)]}"></i>'
            f"{text(s.name)}</span>"
            for n, s in enumerate(series)
        )
        parts.append(f'<div class="legend">{legend}</div>')
    parts.append("</figure>")
    return "".join(parts)


_SCALES = ((Decimal(10) ** 9, "G"), (Decimal(10) ** 6, "M"), (Decimal(10) ** 3, "k"))


def _short(value: Decimal) -> str:
    """Readable tooltip text: 4 significant digits in plain digits without trailing zeros,
    with k, M or G from a thousand up (the tables carry the exact decimals)."""
    if abs(value) < Decimal("1e-9"):
        return "0"
    rounded = round(value, 3 - _exponent(value))
    limit, suffix = _scale(abs(rounded))
    return plain_digits(rounded / limit) + suffix


def axis_labels(ticks: list[Decimal]) -> list[str]:
    """One axis's tick labels, all with the same scale and number of decimal places (enough
    to tell the ticks apart), so an axis reads 0, 0.96, 1.92 rather than 0, 0.9600, 1.920."""
    limit, suffix = _scale(max(abs(t) for t in ticks))
    scaled = [t / limit for t in ticks]
    step = min((abs(b - a) for a, b in pairwise(scaled) if b != a), default=Decimal(1))
    step = round(step, 2 - _exponent(step)).normalize()  # 3 significant digits
    places = min(max(-int(step.as_tuple().exponent), 0), 12)
    labels = [f"{round(v, places):.{places}f}" for v in scaled]
    return ["0" if Decimal(label) == 0 else label + suffix for label in labels]


def _scale(magnitude: Decimal) -> tuple[Decimal, str]:
    return next(((lim, suf) for lim, suf in _SCALES if magnitude >= lim), (Decimal(1), ""))


def _exponent(value: Decimal) -> int:
    """Position of the first significant digit: 0 for 1.5, -2 for 0.034 (value not 0)."""
    return value.adjusted() if value else 0
