"""Inline SVG line charts of an agency's key figures over the years (no script, no CDN).

The SVG is built here from numbers and our own labels, every text escaped; one ``<circle
class="point">`` per data point carries ``data-year``/``data-value`` and a ``<title>``
tooltip. Colours come from the stylesheet (classes ``s0``…``s5``).
"""
from __future__ import annotations

import math

from markupsafe import Markup, escape

from archive.labels import FIGURE_LABELS

# (title, [figure names from archive.queries.FIGURES]); their labels are archive.labels'.
CHARTS: list[tuple[str, list[str]]] = [
    ("收到申请", ["requests", "carried_over", "carried_forward"]),
    ("办理结果", ["granted", "partially_granted", "denied", "unavailable", "not_processed", "other"]),
    ("行政复议和行政诉讼", ["reviews", "litigation"]),
]

# A narrow canvas: on a phone (about 360 px) the 14-unit labels still show at about 12 px.
W, H = 420, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 24, 14, 32


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * exp >= value:
            return step * exp
    return 10 * exp


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def line_chart(title: str, years: list[int], series: list[tuple[str, list[float | None]]]) -> Markup:
    """One chart: ``series`` are ``(label, values aligned with years)``; missing values are gaps."""
    values = [v for _, vs in series for v in vs if v is not None]
    if not years or not values:
        return Markup(f'<p class="nochart">{escape(title)}：暂无数据</p>')
    top = _nice_max(max(values))
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w / 2 if len(years) == 1 else plot_w * i / (len(years) - 1))

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    out = [f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}" '
           f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for k in range(5):  # grid and y labels
        v = top * k / 4
        out.append(f'<line class="grid" x1="{LEFT}" x2="{W - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}"/>'
                   f'<text class="ylabel" x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{_fmt(v)}</text>')
    every = math.ceil(len(years) / 7)  # at most 7 year labels: they must not overlap on a phone
    for i, year in enumerate(years):
        if (len(years) - 1 - i) % every:
            continue
        out.append(f'<text class="xlabel" x="{x(i):.1f}" y="{H - 12}" text-anchor="middle">{int(year)}</text>')
    for s, (label, vs) in enumerate(series):
        cls = f"s{s % 6}"
        runs, run = [], []
        for i, v in enumerate(vs):
            if v is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append(f"{x(i):.1f},{y(v):.1f}")
        if run:
            runs.append(run)
        for r in runs:
            if len(r) > 1:
                out.append(f'<polyline class="line {cls}" points="{" ".join(r)}"/>')
        for i, v in enumerate(vs):
            if v is not None:
                out.append(f'<circle class="point {cls}" cx="{x(i):.1f}" cy="{y(v):.1f}" r="4" '
                           f'data-year="{int(years[i])}" data-value="{_fmt(v)}" data-series="{escape(label)}">'
                           f'<title>{int(years[i])} {escape(label)}：{_fmt(v)}</title></circle>')
    out.append("</svg>")
    legend = "".join(f'<li><span class="key {"s%d" % (s % 6)}"></span>{escape(label)}</li>'
                     for s, (label, vs) in enumerate(series) if any(v is not None for v in vs))
    return Markup(f'<figure class="chartbox"><figcaption>{escape(title)}</figcaption>{"".join(out)}'
                  f'<ul class="legend">{legend}</ul></figure>')


def agency_charts(years: list[dict]) -> list[Markup]:
    """The charts of an agency page, from ``archive.web.data.agency(...)["years"]``."""
    ys = [y["year"] for y in years]
    charts = []
    for title, specs in CHARTS:
        series = [(FIGURE_LABELS[name], [y["figures"].get(name) for y in years]) for name in specs]
        series = [(label, vs) for label, vs in series if any(v is not None for v in vs)]
        charts.append(line_chart(title, ys, series))
    return charts
