"""A report as a PDF (reportlab, built-in CID font STSong-Light), tables drawn as ruled grids.

Spanning cells are drawn as one rectangle; text is top-aligned in its cell, so a span
cut by a page break shows its text in the first part only, as word processors print
it. ``break_before`` forces a page break before a row of the requests table (inside
the 不予公开 span); ``split_row`` breaks a requests row itself across two pages (the
label's first line on one page, the rest on the next).
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from parsers import keys as K

from .content import blocks
from .model import SourceReport, Table, positioned, tables

FONT = "STSong-Light"
PAGE_W, PAGE_H = 595.0, 842.0
MARGIN = 56.0
BODY_SIZE = 10.5
CELL_SIZE = 8.0
LINE = 1.45


def _register() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def wrap(text: str, width: float, size: float) -> list[str]:
    """Break text into lines that fit ``width`` (character by character, as Chinese wraps)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, current = [], ""
    for ch in text:
        if current and stringWidth(current + ch, FONT, size) > width:
            lines.append(current)
            current = ""
        current += ch
    if current or not lines:
        lines.append(current)
    return lines


def _column_widths(table: Table, n_cols: int, total: float) -> list[float]:
    """Column widths: the label columns of each template table get more room than value columns."""
    if n_cols >= 10:  # requests (3 labels + 7) or reviews (15)
        if n_cols == 10:
            label = [40.0, 62.0, 96.0]
            rest = (total - sum(label)) / 7
            return label + [rest] * 7
        return [total / n_cols] * n_cols
    first = 110.0 if n_cols == 4 else 75.0
    labels = [first] if n_cols == 4 else [first, 70.0]
    rest = (total - sum(labels)) / (n_cols - len(labels))
    return labels + [rest] * (n_cols - len(labels))


@dataclass
class _Pen:
    canvas: object
    y: float = PAGE_H - MARGIN
    pages: int = 1
    running_header: str | None = None  # printed at the top of every page but the first
    page_numbers: bool = False  # "— 3 —" at the bottom of every page

    def furniture(self) -> None:
        """Page numbers and running header of the current page (drawn outside the text area)."""
        if self.page_numbers:
            self.canvas.setFont(FONT, 9)
            self.canvas.drawCentredString(PAGE_W / 2, MARGIN / 2, f"— {self.pages} —")
        if self.running_header and self.pages > 1:
            self.canvas.setFont(FONT, 8)
            self.canvas.drawCentredString(PAGE_W / 2, PAGE_H - MARGIN / 2, self.running_header)

    def new_page(self) -> None:
        self.furniture()
        self.canvas.showPage()
        self.canvas.setFont(FONT, BODY_SIZE)
        self.pages += 1
        self.y = PAGE_H - MARGIN

    def room(self) -> float:
        return self.y - MARGIN


def _paragraph(pen: _Pen, text: str, *, size: float = BODY_SIZE, center: bool = False, indent: bool = True) -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    width = PAGE_W - 2 * MARGIN
    lead = "\u3000\u3000" if indent and not center else ""
    for line in wrap(lead + text, width, size):
        if pen.room() < size * LINE:
            pen.new_page()
        pen.canvas.setFont(FONT, size)
        x = (PAGE_W - stringWidth(line, FONT, size)) / 2 if center else MARGIN
        pen.canvas.drawString(x, pen.y - size, line)
        pen.y -= size * LINE
    pen.y -= size * 0.4


def _layout_table(pen: _Pen, table: Table, *, break_before: int | None = None,
                  split_row: int | None = None, repeat_header: int = 0):
    """Place a table's rows on pages (nothing drawn yet); spans cut by a break are split later."""
    n_rows = len(table)
    placed = positioned(table)
    n_cols = max(c + cell.colspan for row in placed for c, cell in row)
    widths = _column_widths(table, n_cols, PAGE_W - 2 * MARGIN)
    xs = [MARGIN]
    for w in widths:
        xs.append(xs[-1] + w)
    pad = 2.0
    line_h = CELL_SIZE * 1.3
    # Lines of each cell's text and the natural height of each row (a span's text goes in its
    # first row; a row is tall enough for its single-row cells).
    cell_lines: dict[tuple[int, int], list[str]] = {}
    heights = [line_h + 2 * pad] * n_rows
    for r, row in enumerate(placed):
        for c, cell in row:
            width = xs[c + cell.colspan] - xs[c] - 2 * pad
            lines = wrap(cell.text, width, CELL_SIZE) if cell.text else []
            cell_lines[(r, c)] = lines
            if cell.rowspan == 1:
                heights[r] = max(heights[r], len(lines) * line_h + 2 * pad)
    # Lay the rows out on virtual pages 0, 1, ... (0: the current page); a split row gets two parts.
    # A segment is (page, top, bottom, lines from, lines to, repeated header?).
    segments: list[list[tuple[int, float, float, int, int, bool]]] = []
    page, y = 0, pen.y
    top_y = PAGE_H - MARGIN

    def next_page(r: int) -> tuple[int, float]:
        """Start a new page inside the table, repeating the header rows there if asked."""
        new_page, new_y = page + 1, top_y
        if r >= repeat_header:
            for hr in range(repeat_header):
                segments[hr].append((new_page, new_y, new_y - heights[hr], 0, 99, True))
                new_y -= heights[hr]
        return new_page, new_y

    for r in range(n_rows):
        h = heights[r]
        if r == break_before:
            page, y = next_page(r)
        if r == split_row:
            first = line_h + 2 * pad
            if y - MARGIN < first:
                page, y = next_page(r)
            part = [(page, y, y - first, 0, 1, False)]
            segments.append(part)
            page, y = next_page(r)  # the break falls right after the row's first line
            rest = max(h - first, line_h + 2 * pad)
            part.append((page, y, y - rest, 1, 99, False))
            y -= rest
            continue
        if y - MARGIN < h:
            page, y = next_page(r)
        segments.append([(page, y, y - h, 0, 99, False)])
        y -= h
    return segments, placed, xs, cell_lines, line_h, pad


def _paint_table(pen: _Pen, layout, *, one_path: bool = False, filled_rules: bool = False) -> None:
    """Paint a laid-out table from the current page on, one rectangle per span part per page.

    ``one_path`` draws all of a page's cell borders as a single path object, as some
    PDF producers do; ``filled_rules`` draws every border as a thin filled rectangle
    (Word's and WPS's PDF export).
    """
    canvas = pen.canvas
    segments, placed, xs, cell_lines, line_h, pad = layout
    pages = sorted({seg[0] for row in segments for seg in row})
    for page in range(pages[-1] + 1):
        if page:
            pen.new_page()
        canvas.setLineWidth(0.6)
        path = canvas.beginPath() if one_path else None
        for r, row in enumerate(placed):
            for c, cell in row:
                rows = range(r, r + cell.rowspan)
                parts = [seg for rr in rows for seg in segments[rr] if seg[0] == page]
                if not parts:
                    continue
                top = max(p[1] for p in parts)
                bottom = min(p[2] for p in parts)
                x0, x1 = xs[c], xs[c + cell.colspan]
                if filled_rules:
                    t = 0.5
                    for rx, ry, rw, rh in ((x0, top - t, x1 - x0, t), (x0, bottom, x1 - x0, t),
                                           (x0, bottom, t, top - bottom), (x1 - t, bottom, t, top - bottom)):
                        canvas.rect(rx, ry, rw, rh, stroke=0, fill=1)
                elif path is not None:
                    path.rect(x0, bottom, x1 - x0, top - bottom)
                else:
                    canvas.rect(x0, bottom, x1 - x0, top - bottom, stroke=1, fill=0)
                # The text: for a span, in its first page part; for a split row, by its line ranges.
                first_page = segments[r][0][0]  # a span's text goes where the span starts
                lines = cell_lines[(r, c)]
                repeated = any(seg[5] for seg in segments[r] if seg[0] == page)
                if cell.rowspan == 1 and len(segments[r]) > 1:
                    seg = next(s for s in segments[r] if s[0] == page)
                    chosen = lines[seg[3]:seg[4]]
                elif page == first_page or repeated:
                    chosen = lines
                else:
                    chosen = []
                canvas.setFont(FONT, CELL_SIZE)
                y = top - pad - CELL_SIZE
                for line in chosen:
                    canvas.drawString(x0 + pad, y, line)
                    y -= line_h
        if path is not None:
            canvas.drawPath(path, stroke=1, fill=0)


def pdf_bytes(report: SourceReport, *, break_before: str | None = None, split_row: str | None = None,
              extra_pages: int = 0, one_path: bool = False, filled_rules: bool = False,
              repeat_header: bool = False, furniture: bool = False, canvas_class=None) -> bytes:
    """The report as PDF bytes.

    ``break_before`` / ``split_row`` name a requests row (e.g. ``denied.internal_affairs``)
    where the requests table crosses a page break; ``repeat_header`` repeats a table's
    header rows on each page it continues on (Word's "repeat as header row"); ``furniture``
    prints page numbers and a running header. ``extra_pages`` adds that many pages of
    narrative (for memory benchmarks). ``canvas_class`` replaces reportlab's ``Canvas``
    (a subclass that draws some text differently, e.g. in fake bold).
    """
    from reportlab.pdfgen.canvas import Canvas

    _register()
    buffer = io.BytesIO()
    canvas = (canvas_class or Canvas)(buffer, pagesize=(PAGE_W, PAGE_H), pageCompression=1)
    canvas.setTitle(report.title)
    pen = _Pen(canvas, running_header=report.title if furniture else None, page_numbers=furniture)
    grids = tables(report)
    request_rows = _request_row_index(report)
    filler = ("为进一步提升政府信息公开质量，本机关持续完善公开制度，规范发布流程，"
              "加强与新闻媒体的沟通协作，第4季度共组织专题培训6场。") * 4
    for kind, text in blocks(report):
        if kind == "title":
            _paragraph(pen, text, size=15, center=True)
            while pen.pages <= extra_pages:  # long narrative: the report's text fills that many pages
                _paragraph(pen, filler)
        elif kind == "heading":
            _paragraph(pen, text, indent=True)
        elif kind == "p":
            _paragraph(pen, text)
        else:
            table = grids[text]
            bb = request_rows.get(break_before) if text == "requests" else None
            sr = request_rows.get(split_row) if text == "requests" else None
            header_rows = {"active": 0, "requests": 3, "reviews": 3}[text] if repeat_header else 0
            layout = _layout_table(pen, table, break_before=bb, split_row=sr, repeat_header=header_rows)
            _paint_table(pen, layout, one_path=one_path, filled_rules=filled_rules)
            segments = [seg for row in layout[0] for seg in row]
            last = max(seg[0] for seg in segments)
            pen.y = min(seg[2] for seg in segments if seg[0] == last) - 8
    pen.furniture()
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _request_row_index(report: SourceReport) -> dict[str, int]:
    """Row index in the requests table of each requests row key (3 header rows first)."""
    return {row: 3 + i for i, row in enumerate(K.REQUEST_ROWS[report.template])}


def shapes_only_pdf() -> bytes:
    """A PDF with drawings and no text layer: what a scan looks like to a text extractor."""
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_W, PAGE_H))
    for page in range(2):
        for i in range(20):
            canvas.rect(60 + i * 5, 100 + i * 30, 200, 12, stroke=1, fill=i % 2)
        canvas.circle(300, 400, 50 + page * 10)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
