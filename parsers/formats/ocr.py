"""Scanned PDF pages (no text layer) read by OCR: the optional extra ``nianbao[ocr]``.

A page is rendered with pypdfium2 (``DPI``), straightened (the skew of its ruling
lines, found with OpenCV's Hough transform), and read by RapidOCR (PaddleOCR's PP-OCR
models on onnxruntime, shipped inside the ``rapidocr`` wheel: nothing is downloaded at
run time) with a box and a confidence for every character.

Ruled tables are found from the image's ruling lines (OpenCV morphology keeps the long
thin strokes) handed to pdfplumber's own grid builder — the edges, intersections, cells
and tables of the ruled-PDF path — so a scanned table becomes the same ``Part`` (rows of
positioned cells, spans expanded) that :mod:`parsers.formats.pdf` stitches across pages.
A cell's text is the characters whose centres fall inside it, so a label and the number
beside it that OCR read as one line still land in their own cells. Each cell's text is a
:class:`Reading`: a ``str`` that also carries its confidence (the lowest of its
characters'), read back by :mod:`parsers.uncertain`.

Pages without ruling lines go, like unruled text PDFs, through the positional reader
(:func:`parsers.formats.pdf_columns.column_rows`); their cells are Readings too (the least
confidence of the characters each holds), handed over as grids of their own.

Everything works in PDF points (the page's own coordinates), so page furniture, table
continuation and column tolerances of the PDF reader apply unchanged. Determinism: the
same bytes give the same pixels and the same model outputs; confidences are rounded to
two decimals so that rounding noise cannot change a record.
"""
from __future__ import annotations

import importlib.util
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from parsers.errors import ImageOnlyPDF
from parsers.formats.page_zones import zone as _zone

log = logging.getLogger(__name__)

ENABLE = "pip install 'nianbao[ocr]'"
# 200 dpi keeps 8 pt table digits ~22 px high, where PP-OCR reads them reliably; more
# costs time without gaining characters (measured in tests/benchmarks/bench_ocr.py).
DPI = 200
# A crawl must not stall on one scanned book: pages past the limit, or pages started after
# the time budget is spent, are not read (the record then misses what they hold).
MAX_PAGES = int(os.environ.get("NIANBAO_OCR_MAX_PAGES", "30"))
TIME_BUDGET = float(os.environ.get("NIANBAO_OCR_TIME_BUDGET", "300"))


# Called with the time budget when a document's OCR starts (the crawler's parse pool
# extends its parse time limit by it).
_ON_START: Callable[[float], None] | None = None


def configure(*, max_pages: int | None = None, budget: float | None = None,
              on_start: Callable[[float], None] | None = None) -> None:
    """Set this process's OCR limits (the crawler's parse pool: ``NIANBAO_OCR_*`` settings),
    and what to tell when a document's OCR starts."""
    global MAX_PAGES, TIME_BUDGET, _ON_START
    if max_pages is not None:
        MAX_PAGES = max_pages
    if budget is not None:
        TIME_BUDGET = budget
    if on_start is not None:
        _ON_START = on_start


def available() -> bool:
    """Are the OCR packages (the ``ocr`` extra) installed?"""
    return all(importlib.util.find_spec(name) is not None for name in ("rapidocr", "onnxruntime", "cv2"))


class Reading(str):
    """A table cell's text as OCR read it, with its confidence (0-1, the lowest of its characters')."""

    score: float | None

    def __new__(cls, text: str, score: float | None) -> "Reading":
        obj = super().__new__(cls, text)
        obj.score = score
        return obj


@dataclass(frozen=True, slots=True)
class Char:
    """One character read, in PDF points from the page's top-left corner."""

    top: float
    bottom: float
    x0: float
    x1: float
    text: str
    score: float
    line: int  # the OCR text line it belongs to

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@lru_cache(maxsize=1)
def _engine():
    """One RapidOCR engine per process (loading the models takes ~1 s)."""
    from rapidocr import RapidOCR

    return RapidOCR(params={
        "Global.log_level": "error",
        # Text is upright on scanned reports; the angle classifier would cost ~10 % more.
        "Global.use_cls": False,
        # Keep low-confidence readings: they are flagged uncertain, not silently dropped.
        "Global.text_score": 0.3,
        # A4 at 200 dpi is 1654 x 2339 px: do not let the engine scale it down.
        "Global.max_side_len": 2600,
    })


# --- image ---------------------------------------------------------------------------------

def render(page, dpi: int = DPI):
    """The page as a grayscale numpy array at ``dpi``."""
    import numpy as np

    bitmap = page.render(scale=dpi / 72, grayscale=True)
    try:
        image = np.array(bitmap.to_numpy(), copy=True)
    finally:
        bitmap.close()
    if image.ndim == 3:
        image = image[:, :, 0]
    return image


def skew(gray) -> float:
    """The page's rotation in degrees (counter-clockwise positive), from its long thin
    near-horizontal lines (table rules); 0 if it has none.

    Hough runs on half-size thin strokes only (filled areas and text removed first), so a
    page costs ~0.1 s rather than seconds.
    """
    import cv2
    import numpy as np

    small = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    height, width = small.shape
    binary = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    wide = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(8, width // 30), 1)))
    thick = cv2.morphologyEx(wide, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 5)))
    thin = cv2.subtract(wide, thick)
    segments = cv2.HoughLinesP(thin, 1, np.pi / 1800, threshold=width // 8, minLineLength=width // 4, maxLineGap=6)
    if segments is None:
        return 0.0
    angles = []
    for x0, y0, x1, y1 in segments.reshape(-1, 4):  # (N, 1, 4) in OpenCV 4, (N, 4) in 5
        angle = np.degrees(np.arctan2(y1 - y0, x1 - x0))
        if abs(angle) < 5:
            angles.append(angle)
    return float(np.median(angles)) if angles else 0.0


def straighten(gray):
    """The page rotated so that its ruling lines are level (a slight scan rotation undone)."""
    import cv2

    angle = skew(gray)
    if abs(angle) < 0.05:
        return gray
    height, width = gray.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (width, height), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=255)


def ruling_edges(gray, scale: float) -> list[dict]:
    """The ruling lines of the image as pdfplumber edges (in points; ``scale`` pixels a point).

    Long thin dark strokes only: a horizontal rule is at least 25 pt long, a vertical one
    12 pt (a table row is taller; a glyph's stroke is shorter).
    """
    import cv2

    binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)
    edges: list[dict] = []
    for orientation, kernel in (("h", (max(3, int(25 * scale)), 1)), ("v", (1, max(3, int(12 * scale))))):
        mask = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        count, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        for x, y, w, h, _area in stats[1:count]:
            x0, top, x1, bottom = x / scale, y / scale, (x + w) / scale, (y + h) / scale
            if orientation == "h":
                middle = (top + bottom) / 2
                top = bottom = middle
            else:
                middle = (x0 + x1) / 2
                x0 = x1 = middle
            edges.append({"object_type": "line_edge", "orientation": orientation, "x0": x0, "x1": x1,
                          "top": top, "bottom": bottom, "doctop": top, "width": x1 - x0,
                          "height": bottom - top})
    return edges


def table_cells(edges: list[dict]) -> list[list[tuple[float, float, float, float]]]:
    """The ruled tables the edges draw (each a list of cell boxes), by pdfplumber's grid builder."""
    from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

    if not edges:
        return []
    merged = merge_edges(edges, snap_x_tolerance=3, snap_y_tolerance=3, join_x_tolerance=3, join_y_tolerance=3)
    intersections = edges_to_intersections(merged, x_tolerance=3, y_tolerance=3)
    tables = cells_to_tables(intersections_to_cells(intersections))
    return [cells for cells in tables if len(cells) >= 2]


# --- text ----------------------------------------------------------------------------------

def recognize(gray, scale: float) -> list[Char]:
    """Every character OCR reads on the image, in points."""
    import cv2

    result = _engine()(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), return_word_box=True, return_single_char_box=True)
    if not result.txts:
        return []
    chars: list[Char] = []
    for line, (text, score, words) in enumerate(zip(result.txts, result.scores, result.word_results)):
        boxes = [w for w in words if w and w[2] is not None]
        if not boxes:
            continue
        for ch, ch_score, box in boxes:
            if not ch.strip():
                continue
            xs = [p[0] for p in box]
            ys = [p[1] for p in box]
            chars.append(Char(min(ys) / scale, max(ys) / scale, min(xs) / scale, max(xs) / scale,
                              ch, round(float(ch_score), 2), line))
    return chars


def _text_lines(chars: list[Char]) -> list[list[Char]]:
    """Characters grouped into visual lines (by vertical middle), each sorted left to right."""
    lines: list[list[Char]] = []
    for ch in sorted(chars, key=lambda c: c.cy):
        if lines:
            last = lines[-1]
            middle = sum(c.cy for c in last) / len(last)
            size = max(c.bottom - c.top for c in last)
            if abs(ch.cy - middle) <= 0.45 * max(size, ch.bottom - ch.top):
                last.append(ch)
                continue
        lines.append([ch])
    return [sorted(line, key=lambda c: c.x0) for line in lines]


def _joined(line: list[Char]) -> str:
    """A visual line's text: a space where the gap is as wide as a character, none in Chinese."""
    out = ""
    for previous, ch in zip([None, *line], line):
        if previous is not None and ch.x0 - previous.x1 > 0.5 * (ch.bottom - ch.top):
            out += " "
        out += ch.text
    return out


def _cell_text(chars: list[Char]) -> Reading:
    from parsers.formats.text import normalize_cell

    if not chars:
        return Reading("", None)
    text = normalize_cell("\n".join("".join(c.text for c in line) for line in _text_lines(chars)))
    return Reading(text, min(c.score for c in chars))


def table_part(cells: list[tuple[float, float, float, float]], chars: list[Char]):
    """A ruled table as rows of positioned cells (a merged cell in every row it covers), texts as Readings.

    The same shape as :func:`parsers.formats.pdf.table_part` gives for a text PDF.
    """
    from pdfplumber.table import Table

    inside: dict[tuple[float, float, float, float], list[Char]] = {cell: [] for cell in cells}
    for ch in chars:
        for cell in cells:
            x0, top, x1, bottom = cell
            if x0 <= ch.cx < x1 and top <= ch.cy < bottom:
                inside[cell].append(ch)
                break
    rows = Table(None, cells).rows
    tops = sorted({round(row.bbox[1], 1) for row in rows})
    out: list[list[tuple[float, float, str]]] = [[] for _ in tops]
    for row in rows:
        for bbox in row.cells:
            if bbox is None:
                continue
            x0, top, x1, bottom = bbox
            cell = (x0, x1, _cell_text(inside[bbox]))
            for i, t in enumerate(tops):
                if top - 0.5 <= t < bottom - 0.5:
                    out[i].append(cell)
    return [sorted(row, key=lambda c: c[0]) for row in out]


def _inside(ch: Char, boxes) -> bool:
    return any(x0 <= ch.cx <= x1 and top <= ch.cy <= bottom for x0, top, x1, bottom in boxes)


def page_blocks(gray, scale: float):
    """(text lines as (top, text), tables as (top, bottom, part), grids of tables without rules)
    of one page image.

    A table without rules is read from the characters' positions
    (:func:`parsers.formats.pdf_columns.column_rows`, as for an unruled text PDF): its rows
    go into the text tab-separated, and once more as a grid of :class:`Reading` cells (each
    with the least confidence of its characters) that is not placed in the text, so that its
    cells, like a ruled table's, carry their confidence into the record.
    """
    from parsers.formats.pdf_columns import column_rows, has_number_columns

    gray = straighten(gray)
    chars = recognize(gray, scale)
    tables = table_cells(ruling_edges(gray, scale))
    boxes = []
    blocks = []
    for cells in tables:
        x0 = min(c[0] for c in cells)
        top = min(c[1] for c in cells)
        x1 = max(c[2] for c in cells)
        bottom = max(c[3] for c in cells)
        part = table_part(cells, chars)
        if any(any(text for _, _, text in row) for row in part):
            boxes.append((x0, top, x1, bottom))
            blocks.append((top, bottom, part))
    rest = [c for c in chars if not _inside(c, boxes)]
    lines = [(line[0].top, _joined(line)) for line in _text_lines(rest)]
    grids = []
    if not blocks and has_number_columns("\n".join(text for _, text in lines)):
        # A table without rules: cells from positions, as for an unruled text PDF.
        rows = column_rows([(c.top, c.bottom, c.x0, c.x1, c.text, c.score) for c in rest])
        lines = [(top, "\t".join(text for text, _ in cells)) for top, cells in rows]
        grids.append([[Reading(text, score) for text, score in cells] for _, cells in rows])
    return lines, blocks, grids


@dataclass
class PageReader:
    """Reads the text-less pages of one PDF, within a page limit and a time budget."""

    label: str
    max_pages: int = MAX_PAGES
    budget: float = TIME_BUDGET
    dpi: int = DPI
    read: int = 0
    pages: list[int] = field(default_factory=list)  # 1-based, the pages read
    skipped: list[int] = field(default_factory=list)
    grids: list = field(default_factory=list)  # tables without rules, as Reading grids (page_blocks)
    seconds: float = 0.0

    def read_page(self, page, index: int, height: float):
        """(text lines (top, text, zone), tables, drawn, height) of a scanned page, as ``pdf._Pages.read_page``."""
        if self.read >= self.max_pages or self.seconds >= self.budget:
            self.skipped.append(index)
            return [], [], True, height
        started = time.monotonic()
        scale = self.dpi / 72
        try:
            lines, tables, grids = page_blocks(render(page, self.dpi), scale)
        finally:
            self.read += 1
            self.seconds += time.monotonic() - started
        self.pages.append(index + 1)
        self.grids += grids
        log.debug("%s: OCR page %d in %.1f s", self.label, index + 1, time.monotonic() - started)
        return [(top, text, _zone(top, height)) for top, text in lines], tables, True, height


def page_reader(label: str, n_pages: int | None = None) -> PageReader:
    """A reader for the scanned pages of ``label``; ImageOnlyPDF (saying how to enable OCR) without the extra."""
    if not available():
        pages = f"{n_pages} page(s) " if n_pages else "pages "
        raise ImageOnlyPDF(f"{label} has {pages}without a text layer (a scan?) — OCR is not installed: {ENABLE}")
    if _ON_START is not None:
        _ON_START(TIME_BUDGET)
    return PageReader(label, max_pages=MAX_PAGES, budget=TIME_BUDGET)
