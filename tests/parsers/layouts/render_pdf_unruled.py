"""A report as a PDF whose tables have NO ruling lines: cell text positioned in columns only.

This is how reports typeset without borders (or exported from WPS with the table
borders off) look to a reader: nothing but text at x/y positions. The geometry is
drawn from a random generator seeded by the report, so that the round trip sees many:
cell font size, label column widths (labels wrap at different points), value
alignment (left, centre, right), horizontal rules under the rows (no vertical ones:
still no grid) or none, the vertical alignment of spanning labels (top: a
group label shares its first row's line — ``（三）不予公开 1.属于国家秘密 0 0 …``;
centre: it floats between rows), row padding, and the requests row before which a
page break falls (the table continues on the next page).
"""
from __future__ import annotations

import io
import random
import zlib
from dataclasses import dataclass

from parsers import keys as K

from .content import blocks
from .model import SourceReport, Table, positioned, tables
from .render_pdf import FONT, MARGIN, PAGE_H, PAGE_W, _paragraph, _Pen, _register, wrap


@dataclass(frozen=True)
class Geometry:
    """How the tables of one document are typeset."""

    size: float  # cell font size (pt)
    request_labels: tuple[float, float, float]  # widths of the requests table's 3 label columns
    active_labels: tuple[float, float]  # the active table's label column (and sub-item column)
    align: str  # value cells: "left", "center", "right"
    span_valign: str  # spanning cells: "top" or "center"
    pad: float  # cell padding (left/right and top/bottom)
    leading: float  # line height / font size
    break_before: str | None  # a requests row key: page break before it
    row_rules: bool = False  # a horizontal line under every row, no vertical ones (三线表-like)


def geometry(report: SourceReport, seed: int = 0) -> Geometry:
    """A geometry drawn from the report's own content (stable across runs)."""
    digest = zlib.crc32(repr((report.agency, report.year, sorted(report.values.items()), seed)).encode())
    rng = random.Random(digest)
    rows = K.REQUEST_ROWS[report.template]
    return Geometry(
        size=rng.choice((7.0, 7.5, 8.0, 8.5, 9.0)),
        request_labels=(rng.uniform(28, 60), rng.uniform(45, 80), rng.uniform(75, 125)),
        active_labels=(rng.uniform(70, 130), rng.uniform(55, 80)),
        align=rng.choice(("left", "center", "center", "right")),
        span_valign=rng.choice(("top", "center")),
        pad=rng.uniform(3.0, 5.0),
        leading=rng.uniform(1.2, 1.5),
        break_before=rng.choice(rows[3:-1]),
        row_rules=rng.random() < 0.25,
    )


def _widths(name: str, n_cols: int, total: float, g: Geometry) -> list[float]:
    if name == "requests":
        labels = list(g.request_labels)
    elif name == "reviews":
        labels = []
    else:
        labels = list(g.active_labels[: n_cols - 3])
    rest = (total - sum(labels)) / (n_cols - len(labels))
    return labels + [rest] * (n_cols - len(labels))


def _draw_table(pen: _Pen, name: str, table: Table, g: Geometry, values: set[str], break_row: int | None) -> None:
    """Lay out and draw one table: text only, no rules; a page break before ``break_row``."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    canvas = pen.canvas
    placed = positioned(table)
    n_rows = len(table)
    n_cols = max(c + cell.colspan for row in placed for c, cell in row)
    widths = _widths(name, n_cols, PAGE_W - 2 * MARGIN, g)
    xs = [MARGIN]
    for w in widths:
        xs.append(xs[-1] + w)
    size = g.size
    label_cols = n_cols - 7 if name == "requests" else (n_cols - 3 if name == "active" else 0)
    # Numbers never wrap: the table's type is small enough for its widest value to fit.
    shown = [cell.text for row in table for cell in row if cell.text in values]
    widest = max((stringWidth(t, FONT, 1) for t in shown), default=1)
    size = min(size, 0.95 * (widths[-1] - 2 * g.pad) / widest)
    line_h = size * g.leading
    lines: dict[tuple[int, int], list[str]] = {}
    heights = [line_h + 2 * g.pad] * n_rows
    for r, row in enumerate(placed):
        for c, cell in row:
            width = xs[c + cell.colspan] - xs[c] - 2 * g.pad
            lines[(r, c)] = wrap(cell.text, width, size) if cell.text else []
            if cell.rowspan == 1:
                heights[r] = max(heights[r], len(lines[(r, c)]) * line_h + 2 * g.pad)
    # Rows on pages: (page offset, top y, bottom y) per row.
    where: list[tuple[int, float, float]] = []
    page, y = 0, pen.y
    for r in range(n_rows):
        if r == break_row or y - MARGIN < heights[r]:
            page, y = page + 1, PAGE_H - MARGIN
        where.append((page, y, y - heights[r]))
        y -= heights[r]
    drawn_page = 0
    for r, row in enumerate(placed):
        if g.row_rules:
            while drawn_page < where[r][0]:
                pen.new_page()
                drawn_page += 1
            canvas.setLineWidth(0.5)
            canvas.line(xs[0], where[r][2], xs[-1], where[r][2])
        for c, cell in row:
            page_r = where[r][0]
            covered = [where[rr] for rr in range(r, r + cell.rowspan) if where[rr][0] == page_r]
            top, bottom = covered[0][1], covered[-1][2]
            while drawn_page < page_r:
                pen.new_page()
                drawn_page += 1
            text_lines = lines[(r, c)]
            block = len(text_lines) * line_h
            if g.span_valign == "center":
                y = top - (top - bottom - block) / 2 - size
            else:
                y = top - g.pad - size
            x0, x1 = xs[c] + g.pad, xs[c + cell.colspan] - g.pad
            is_value = cell.text in values
            canvas.setFont(FONT, size)
            # Labels left-aligned in their columns, headers centred, values as the geometry says.
            align = g.align if is_value else ("left" if c < label_cols else "center")
            for text in text_lines:
                w = stringWidth(text, FONT, size)
                x = x1 - w if align == "right" else x0 if align == "left" else x0 + (x1 - x0 - w) / 2
                canvas.drawString(x, y, text)
                y -= line_h
    pen.y = min(bottom for page_r, _, bottom in where if page_r == where[-1][0]) - 8


def unruled_pdf_bytes(report: SourceReport, *, seed: int = 0, g: Geometry | None = None) -> bytes:
    """The report as PDF bytes, its tables drawn as positioned text without any lines."""
    from reportlab.pdfgen.canvas import Canvas

    _register()
    g = g or geometry(report, seed)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_W, PAGE_H), pageCompression=1)
    canvas.setTitle(report.title)
    pen = _Pen(canvas)
    grids = tables(report)
    values = {report.cell_text(k) for k in report.values} - {""}
    for kind, text in blocks(report):
        if kind == "title":
            _paragraph(pen, text, size=15, center=True)
        elif kind in ("heading", "p"):
            _paragraph(pen, text)
        else:
            break_row = None
            if text == "requests" and g.break_before:
                break_row = 3 + K.REQUEST_ROWS[report.template].index(g.break_before)
            _draw_table(pen, text, grids[text], g, values, break_row)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
