"""What a format reader hands to the report parser.

Every reader (HTML, text/markdown, PDF, DOCX) turns bytes into a :class:`Document`:
the readable text of the report and its tables as grids. The table parser works on
*rows* (lists of cell strings) and does not care where they came from.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# A grid: rows of cells, rowspan/colspan expanded so that every row has its real
# column positions. A cell covered by a span repeats the spanning cell's text (so
# a merged label is seen on every row it covers); a blank cell is "".
Grid = list[list[str]]


@dataclass
class Document:
    """A report as read from one file or page, before recognition."""

    text: str
    """Body text, one paragraph (or table row / cell) a line; tables that came
    from a real grid appear in the text as tab-separated rows."""
    tables: list[Grid] = field(default_factory=list)
    """Tables read as grids (HTML, DOCX, PDF). Empty for plain text: the table
    parser then reads rows from the text lines (tabs, pipes, one cell per line)."""
    title: str | None = None
    """The page or document title when the format carries one (HTML <title>, ArticleTitle meta)."""
    published: str | None = None
    """A publication date from metadata (ISO ``YYYY-MM-DD``), a fallback for the signing date."""
    format: str = "text"
    """``html``, ``text``, ``pdf`` or ``docx`` (``doc``/``wps`` when converted to DOCX first)."""
    source: str | None = None
    """``"ocr"`` when the text was read from page images (a scan), ``"mixed"`` when some pages
    were (``ocr_pages``) and the rest had text, else None (the file's own text)."""
    ocr_pages: list[int] = field(default_factory=list)
    """The pages (1-based) read by OCR."""
    warnings: list[str] = field(default_factory=list)
    """What had to be repaired to read it (invalid bytes replaced), for the record."""
