"""Generated report documents: a :class:`~.model.SourceReport` rendered in many layouts.

``LAYOUTS[name].render(report) -> (bytes, file name)``. Each layout says whether it can
show blank cells (one-cell-a-line text cannot) and whether it is slow (PDF, DOCX).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .model import Cell, SourceReport, expand, tables
from .render_docx import docx_bytes
from .render_embedded import LAYOUT_SPECS as _EMBEDDED
from .render_html import html_bytes
from .render_metadata import LAYOUT_SPECS as _METADATA
from .render_pdf import pdf_bytes, shapes_only_pdf
from .render_pdf_unruled import unruled_pdf_bytes
from .render_text import text_bytes
from .values import consistent_values, sample_report


@dataclass(frozen=True)
class Layout:
    name: str
    make: Callable[[SourceReport], bytes]
    filename: str
    blanks: bool = True  # blank cells can be drawn unambiguously
    slow: bool = False

    def render(self, report: SourceReport) -> tuple[bytes, str]:
        return self.make(report), self.filename


_ALL = [
    Layout("html_utf8", lambda r: html_bytes(r), "report.html"),
    Layout("html_gbk_no_charset", lambda r: html_bytes(r, "gb18030", declare=None), "report.htm"),
    Layout("html_gbk_gb2312_meta", lambda r: html_bytes(r, "gb18030", declare="gb2312"), "report.shtml"),
    Layout("html_plain_cells", lambda r: html_bytes(r, fancy=False, counter=False), "content_1234.jsp"),
    Layout("html_layout_table", lambda r: html_bytes(r, layout_table="frame"), "t20210125_1.html"),
    Layout("html_two_column_table", lambda r: html_bytes(r, layout_table="columns"), "art_5_1234.html"),
    Layout("text_tabs", lambda r: text_bytes(r, "tabs"), "report.txt"),
    Layout("text_tabs_repeat", lambda r: text_bytes(r, "tabs_repeat", bom=True), "report.txt"),
    Layout("text_pipes_markdown", lambda r: text_bytes(r, "pipes", markdown=True), "report.md"),
    Layout("text_tabs_gb18030", lambda r: text_bytes(r, "tabs", encoding="gb18030"), "report.txt"),
    Layout("text_cells", lambda r: text_bytes(r, "cells"), "report.txt", blanks=False),
    Layout("text_cells_blank_lines", lambda r: text_bytes(r, "cells_blank", markdown=True), "report.md",
           blanks=False),
    Layout("pdf", lambda r: pdf_bytes(r), "report.pdf", slow=True),
    Layout("pdf_break_in_span", lambda r: pdf_bytes(r, break_before="denied.internal_affairs"), "report.pdf",
           slow=True),
    Layout("pdf_split_row", lambda r: pdf_bytes(r, split_row="not_processed.confirmation"), "report.pdf",
           slow=True),
    Layout("pdf_page_furniture", lambda r: pdf_bytes(r, furniture=True, break_before="denied.internal_affairs"),
           "report.pdf", slow=True),
    Layout("pdf_one_path_rules", lambda r: pdf_bytes(r, one_path=True), "report.pdf", slow=True),
    Layout("pdf_word_export", lambda r: pdf_bytes(r, filled_rules=True, repeat_header=True,
                                                  split_row="unavailable.needs_creation"), "report.pdf", slow=True),
    # Tables as positioned text without ruling lines (borderless typesetting, WPS exports);
    # the geometry (widths, font size, alignment, the page break) is drawn from the report.
    # Blank cells are not drawn at all there: placing the numbers around them is not done yet.
    Layout("pdf_unruled", lambda r: unruled_pdf_bytes(r), "report.pdf", blanks=False, slow=True),
    Layout("docx", lambda r: docx_bytes(r), "report.docx", slow=True),
]
# Reports inside scripts/JSON and awkward metadata (wrapped titles, info blocks, fake bold...).
_ALL += [Layout(*spec) for spec in (*_EMBEDDED, *_METADATA)]
LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in _ALL}
FAST = [name for name, layout in LAYOUTS.items() if not layout.slow]
SLOW = [name for name, layout in LAYOUTS.items() if layout.slow]

__all__ = ["LAYOUTS", "FAST", "SLOW", "Layout", "SourceReport", "Cell", "tables", "expand",
           "consistent_values", "sample_report", "shapes_only_pdf"]
