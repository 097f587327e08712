"""PDF reports (pypdfium2 + pdfplumber).

pypdfium2 reads every page's text (~1 ms a page) and says which pages draw ruling
lines; only those go through pdfplumber (~100-250 ms a page of CJK text), where
ruled tables are found once (``find_tables``), each read as a grid whose
spans come from the cells' own bounding boxes (pdfplumber reports a merged cell once
and ``None`` for the slots it covers); the text outside the tables is read line by
line; both are merged in reading order. A table continued on the next page (the
requests table often is) is stitched back: the parts are joined, a span cut by the
break gets its label back, and a row split across the break is re-joined.

Pages without ruling lines whose text has rows of numbers (tables typeset without
borders, WPS exports) are read from pdfplumber's character positions instead
(:mod:`parsers.formats.pdf_columns`): cells cut at wide gaps, tab-separated, wrapped
labels folded into their rows. Other pages never reach pdfplumber.

Pages (of both libraries) are closed as soon as they are read, so memory stays flat
on long reports.
"""
from __future__ import annotations

import io
import logging
import re
from collections import Counter

from parsers import limits
from parsers.document import Document, Grid
from parsers.errors import CorruptDocument, EmptyDocument, EncryptedPDF, ImageOnlyPDF, ParseError, TooManyPages
from parsers.formats.page_zones import zone as _zone
from parsers.formats.pdf_columns import column_lines, has_number_columns
from parsers.formats.text import metadata_title, normalize_cell, normalize_text

log = logging.getLogger(__name__)


# Spacing between digits and a following/preceding Chinese unit or date word is an
# extraction artefact (digits and hanzi in different fonts): "2023 年 1 月" → "2023年1月".
# Only these words: a space between a row label and a number ("规章 0 0 0") is a cell boundary.
_UNIT_AFTER = re.compile(r"(?<=\d)[ \u3000]+(?=[年月日号件项条次个名人家户万亿元％%])")
_WORD_BEFORE = re.compile(r"(?<=[年月第共约达至])[ \u3000]+(?=\d)")
_NUMBER = re.compile(r"^[+\-−]?\s*[\d,，.]+\s*[件项个条次万亿元%％]*$")
_NUMBERED_LABEL = re.compile(r"^\s*(?:\d+\s*[.．、]|[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、)")


def normalize_spacing(line: str) -> str:
    """Remove the CJK/digit spacing a PDF text layer adds around numbers with units."""
    return _WORD_BEFORE.sub("", _UNIT_AFTER.sub("", line))


# --- tables -----------------------------------------------------------------------------

# pdfplumber snaps ruling lines within 3 pt, so the same column edge can sit up to ~3 pt
# apart on two pages; real columns are never that narrow.
_COLUMN_TOLERANCE = 3.0
Part = list[list[tuple[float, float, str]]]  # rows of (x0, x1, text) cells, rowspans expanded


def table_part(table) -> Part:
    """A pdfplumber table as rows of positioned cells; a merged cell is in every row it covers.

    pdfplumber reports a merged cell once, with ``None`` in the slots it covers; its
    bounding box says which rows and columns those are.
    """
    rows = table.rows
    texts = table.extract()
    tops = sorted({round(r.bbox[1], 1) for r in rows})
    out: Part = [[] for _ in tops]
    for r, row in enumerate(rows):
        for c, bbox in enumerate(row.cells):
            if bbox is None:
                continue
            x0, top, x1, bottom = bbox
            text = texts[r][c] if r < len(texts) and c < len(texts[r]) else None
            cell = (x0, x1, normalize_cell(text or ""))
            for i, t in enumerate(tops):
                if top - 0.5 <= t < bottom - 0.5:
                    out[i].append(cell)
    return [sorted(row) for row in out]


def _lefts(parts: list[Part]) -> list[float]:
    """Column boundaries of one or more parts of a table (close positions merged)."""
    xs = sorted(x0 for part in parts for row in part for x0, _, _ in row)
    out: list[float] = []
    for x in xs:
        if not out or x - out[-1] > _COLUMN_TOLERANCE:
            out.append(x)
    return out


def part_grid(part: Part, lefts: list[float]) -> Grid:
    """A part as a grid over the given column boundaries (a cell repeats over every column it spans)."""
    grid = []
    for row in part:
        cells = [next((t for x0, x1, t in row if x0 - _COLUMN_TOLERANCE <= x < x1 - _COLUMN_TOLERANCE), "")
                 for x in lefts]
        if any(cells):
            grid.append(cells)
    return grid


def table_grid(parts: list[Part]) -> Grid:
    """The grid of a table from its parts (one per page it crosses), stitched."""
    lefts = _lefts(parts)
    grid = part_grid(parts[0], lefts)
    for part in parts[1:]:
        grid = stitch(grid, part_grid(part, lefts))
    return grid


def _is_number(text: str) -> bool:
    return bool(_NUMBER.match(text))


def _split_row(last: list[str], first: list[str]) -> bool:
    """Is ``first`` (top of the next page) the rest of ``last`` (bottom of this page)?

    A row broken by the page break leaves label halves in both parts, and its values on
    one side only: no column has a value on both sides, and the continuation does not
    start a new numbered row.
    """
    if len(last) != len(first) or not any(first):
        return False
    for a, b in zip(last, first):
        if a and b and (_is_number(a) or _is_number(b)):
            return False
    label = next((b for b in first if b), "")
    if _NUMBERED_LABEL.match(label):
        return False
    return any(a and b and a != b for a, b in zip(last, first))


def stitch(previous: Grid, continuation: Grid) -> Grid:
    """Join a table continued on the next page to its first part.

    Label slots left blank at the top of the continuation belong to a span cut by the
    break and take the label above; a row split by the break is joined cell by cell.
    """
    rest = [list(row) for row in continuation]
    out = [list(row) for row in previous]
    # Header rows repeated on the new page (Word's "repeat as header row") are not data;
    # a row with a number in it is data, however alike.
    repeated = 0
    while (repeated < min(len(out), len(rest)) and rest[repeated] == out[repeated]
           and not any(_is_number(cell) for cell in rest[repeated])):
        repeated += 1
    rest = rest[repeated:]
    if rest and _split_row(out[-1], rest[0]):
        joined = []
        for a, b in zip(out[-1], rest.pop(0)):
            joined.append(normalize_cell(a + b) if a != b else a)
        out[-1] = joined
    if out and rest:
        last = out[-1]
        for c, above in enumerate(last):
            if not above or _is_number(above):
                continue
            for row in rest:
                if row[c]:
                    break
                row[c] = above
    return out + rest


def _continues(previous: Part, part: Part, top: float, page_height: float) -> bool:
    """A table at the top of a page, as wide as the table that ended the last page, continues it."""
    if top >= page_height * 0.3 or not previous or not part:
        return False
    left = lambda p: min(x0 for row in p for x0, _, _ in row)  # noqa: E731
    right = lambda p: max(x1 for row in p for _, x1, _ in row)  # noqa: E731
    return abs(left(previous) - left(part)) < 2 and abs(right(previous) - right(part)) < 2


# --- pages ----------------------------------------------------------------------------------

def _page_blocks(page) -> tuple[list[tuple[float, str]], list[tuple[float, float, Part]]]:
    """Text lines outside tables (top, text) and tables (top, bottom, part) of one page."""
    found = [t for t in page.find_tables() if t.rows]
    tables = []
    for t in found:
        part = table_part(t)
        if any(any(text for _, _, text in row) for row in part):
            tables.append((t.bbox[1], t.bbox[3], part))
    boxes = [t.bbox for t in found]

    def outside(obj) -> bool:
        if obj.get("object_type") != "char":
            return True
        cx = (obj["x0"] + obj["x1"]) / 2
        cy = (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    text_page = page.filter(outside) if boxes else page
    lines = [(line["top"], line["text"]) for line in text_page.extract_text_lines(return_chars=False)]
    return lines, tables


# Page furniture: page numbers ("— 3 —", "第3页 共9页", "3/9") in the header or footer band,
# and running headers (the same line at the top of several pages).
_PAGE_NUMBER = re.compile(r"^[\s\-—–－·]*(?:第\s*\d+\s*页(?:\s*[，,/]?\s*共\s*\d+\s*页)?|\d+(?:\s*/\s*\d+)?)[\s\-—–－·]*$")


def _pdfium_lines(textpage, height: float) -> list[tuple[float, str, str | None]]:
    """A page's text lines from pdfium, each with its top (from its first character's box) and zone."""
    text = textpage.get_text_range()
    out = []
    offset = 0
    n_chars = textpage.count_chars()
    for line in text.split("\n"):
        stripped = line.rstrip("\r")
        first = next((offset + i for i, ch in enumerate(stripped) if not ch.isspace()), None)
        top = float(len(out))
        if first is not None and first < n_chars:
            _, _, _, char_top = textpage.get_charbox(first)
            top = height - char_top
        if stripped.strip():
            out.append((top, stripped, _zone(top, height)))
        offset += len(line) + 1
    # Reading order as pdfium gives it (content order), not by position: columns and tables
    # without rules read better that way; the tops only place page furniture.
    return [(float(i), line, zone) for i, (_, line, zone) in enumerate(out)]


def _without_furniture(entries: list[tuple[str | int, str | None, int]]) -> list[str | int]:
    """Drop page numbers, and running headers: a header-band line seen on two pages or more,
    or repeating the first line (on the first page such a line is the document's own title
    and stays)."""
    tops = Counter(text for text, zone, _ in entries if zone == "top" and isinstance(text, str))
    running = {text for text, count in tops.items() if count >= 2 and text.strip()}
    # A report's running header is usually its title, the document's first line.
    running.update(text for text, _, _ in entries[:1] if isinstance(text, str) and text.strip())
    out: list[str | int] = []
    for text, zone, page in entries:
        if isinstance(text, str) and zone and (
                _PAGE_NUMBER.match(text) or (zone == "top" and text in running and page > 0)):
            continue
        out.append(text)
    return out


# A ruled table of even 2x2 cells takes a dozen line segments; fewer is decoration.
_MIN_RULING_SEGMENTS = 8
# A page of a text PDF that is a picture of a page: an image over half of it, and at most a
# few characters of text (a page number added when the scan was put in the document).
_IMAGE_PAGE_AREA = 0.5
_IMAGE_PAGE_CHARS = 20


class _Pages:
    """The pages of one PDF: pypdfium2 for every page (fast text, what is drawn), pdfplumber
    opened lazily for the pages that have ruling lines (tables)."""

    def __init__(self, data: bytes, label: str, ocr=None, only: set[int] | None = None):
        import pypdfium2 as pdfium

        # ``ocr``: a :class:`parsers.formats.ocr.PageReader` for the pages without text (a
        # scan), or only for the pages ``only`` (the image pages of a text PDF).
        self.data, self.label, self.ocr, self.only = data, label, ocr, only
        self.image_pages: list[int] = []  # pages that are pictures of a page (not read by OCR here)
        self.text_pages = 0  # pages read from their own text
        try:
            self.pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise EncryptedPDF(f"{label} is an encrypted PDF (needs a password)") from None
            raise CorruptDocument(f"{label} is a damaged PDF ({exc})") from None
        self.plumber = None

    def title(self) -> str | None:
        try:
            return metadata_title(self.pdf.get_metadata_dict().get("Title"))
        except Exception:  # noqa: BLE001 - broken metadata is no reason to lose the report
            return None

    def read_page(self, index: int):
        """(text lines as (top, text, zone), tables as (top, bottom, part), drawn?, page height).

        ``zone`` is "top"/"bottom" for a line in the header/footer band of the page, else None.
        """
        import pypdfium2.raw as pdfium_c

        page = self.pdf[index]
        textpage = None
        try:
            height = float(page.get_height())
            segments = images = 0
            image_area = 0.0
            for obj in page.get_objects(max_depth=2):
                if obj.type == pdfium_c.FPDF_PAGEOBJ_PATH:
                    # Count segments, not path objects: some producers draw a whole ruled
                    # table as one path.
                    segments += max(1, pdfium_c.FPDFPath_CountSegments(obj.raw))
                elif obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                    images += 1
                    left, bottom, right, top = obj.get_bounds()
                    image_area += max(0.0, right - left) * max(0.0, top - bottom)
            textpage = page.get_textpage()
            n_chars = textpage.count_chars()
            has_text = n_chars > 0
            drawn = bool(segments or images)
            if self.ocr is not None and (index in self.only if self.only is not None else not has_text and drawn):
                return self.ocr.read_page(page, index, height)
            if (images and n_chars <= _IMAGE_PAGE_CHARS
                    and image_area >= _IMAGE_PAGE_AREA * height * float(page.get_width())):
                self.image_pages.append(index)
            self.text_pages += has_text
            if has_text and segments >= _MIN_RULING_SEGMENTS:
                found = self._plumber_page(index)
                if found is not None and not found[1]:
                    # Rules but no grid (lines under the rows only): a table of positioned text?
                    text = "\n".join(line for _, line in found[0])
                    positioned = self._column_page(index) if has_number_columns(text) else None
                    if positioned:
                        found = positioned, []
                if found is not None:
                    text_lines, tables = found
                    zoned = [(top, text, _zone(top, height)) for top, text in text_lines]
                    return zoned, tables, drawn, height
            if not has_text:
                return [], [], drawn, height
            lines = _pdfium_lines(textpage, height)
            # No ruling lines but rows of numbers: a table drawn as positioned text only.
            if has_number_columns("\n".join(text for _, text, _ in lines)):
                positioned = self._column_page(index)
                if positioned:
                    lines = [(float(i), line, _zone(top, height)) for i, (top, line) in enumerate(positioned)]
            return lines, [], drawn, height
        finally:
            if textpage is not None:
                textpage.close()
            page.close()

    def _plumber_page(self, index: int, read=_page_blocks):
        """``read(page)`` of pdfplumber's page (None if pdfplumber cannot read it): by default the
        text lines and tables of a page with ruling lines."""
        import pdfplumber

        try:
            if self.plumber is None:
                self.plumber = pdfplumber.open(io.BytesIO(self.data))
            page = self.plumber.pages[index]
        except Exception as exc:  # noqa: BLE001 - pdfium read the page: keep its text
            log.debug("%s: pdfplumber cannot open page %d (%s)", self.label, index + 1, exc)
            return None
        try:
            # Fake bold (every character drawn two or three times, slightly offset) would read
            # "一一、、总总体体情情况况": pdfplumber drops such overlapping duplicates (pdfium does itself).
            return read(page.dedupe_chars())
        except Exception as exc:  # noqa: BLE001
            log.debug("%s: pdfplumber failed on page %d (%s)", self.label, index + 1, exc)
            return None
        finally:
            page.close()  # releases the page's cached objects: memory stays flat

    def _column_page(self, index: int) -> list[tuple[float, str]] | None:
        """Lines of a page without rules whose text has number columns, cells tab-separated.

        pdfplumber's characters, not pdfium's: pdfium's text layer drops some characters
        of such pages (a label's last character alone on its wrapped line).
        """
        def read(page) -> list[tuple[float, str]]:
            chars = [(c["top"], c["bottom"], c["x0"], c["x1"], c["text"]) for c in page.chars]
            return column_lines(chars)

        return self._plumber_page(index, read)

    def __len__(self) -> int:
        return len(self.pdf)

    def close(self) -> None:
        if self.plumber is not None:
            self.plumber.close()
        self.pdf.close()


def read(data: bytes, name: str = "") -> Document:
    """Read a PDF report: text (tables in place, tab-separated), grids, title.

    Pages without text are read by OCR (:mod:`parsers.formats.ocr`) when the ``ocr`` extra
    is installed: a PDF without any text layer (a scan) gets ``source="ocr"``; a PDF with
    text whose pages include pictures of pages (an image over half the page, a few
    characters at most) gets those pages OCR'd and ``source="mixed"``; ``ocr_pages`` names
    the pages OCR read. Without the extra, such image pages are left out with a warning.
    A text PDF without image pages never reaches OCR (it is read once, as before).
    Raises EncryptedPDF, CorruptDocument, ImageOnlyPDF (no OCR) or EmptyDocument.
    """
    from parsers.formats import ocr

    label = name or "the PDF"
    try:
        document, pages = _read(data, label)
    except ImageOnlyPDF:
        reader = ocr.page_reader(label)  # ImageOnlyPDF saying how to enable OCR without the extra
        document, pages = _read(data, label, reader)
        return _ocr_document(document, reader, "ocr")
    if not pages.image_pages:
        return document
    numbers = ", ".join(str(i + 1) for i in pages.image_pages)
    if not ocr.available():
        document.warnings.append(f"page(s) {numbers} are images without text (a scan?), not read: "
                                 f"OCR is not installed: {ocr.ENABLE}")
        return document
    reader = ocr.page_reader(label)
    document, pages = _read(data, label, reader, set(pages.image_pages))
    return _ocr_document(document, reader, "mixed" if pages.text_pages else "ocr")


def _ocr_document(document: Document, reader, source: str) -> Document:
    """The document read with OCR'd pages: its source, the pages OCR read, the grids of their
    tables without rules (after the others: they are not in the text, see ocr.page_blocks)."""
    document.source, document.ocr_pages = source, list(reader.pages)
    document.tables += reader.grids
    if reader.skipped:
        document.warnings.append(f"page(s) {', '.join(str(i + 1) for i in reader.skipped)} not read: "
                                 "OCR page limit or time budget")
    return document


def _read(data: bytes, label: str, ocr=None, only: set[int] | None = None) -> tuple[Document, "_Pages"]:
    """The document, and its (closed) pages' bookkeeping: which are pictures, how many had text."""
    pages = _Pages(data, label, ocr, only)
    entries: list[tuple[str | int, str | None, int]] = []  # (text line or table index, page zone, page)
    tables_parts: list[list[Part]] = []  # each table's parts, one per page it crosses
    drawn = False
    open_table = False  # the last page ended with a table (which may continue on this page)
    try:
        title = pages.title()
        n_pages = len(pages)
        if n_pages > limits.MAX_PDF_PAGES:
            raise TooManyPages(f"{label} has {n_pages:,} pages (limit {limits.MAX_PDF_PAGES:,}): refused")
        for index in range(n_pages):
            try:
                text_lines, tables, page_drawn, height = pages.read_page(index)
            except ParseError:
                raise
            except Exception as exc:  # noqa: BLE001 - pdfium/pdfminer raise many kinds on mangled files
                raise CorruptDocument(f"{label}: page {index + 1} is damaged ({type(exc).__name__}: {exc})") from None
            drawn = drawn or page_drawn
            items: list[tuple[float, int, object]] = [(top, 0, (text, zone)) for top, text, zone in text_lines]
            items += [(top, 1, (top, bottom, part)) for top, bottom, part in tables]
            items.sort(key=lambda item: (item[0], item[1]))
            # Header/footer lines do not separate a table from its continuation.
            body = [item for item in items if item[1] == 1 or item[2][1] is None]
            first_table = True
            for position, (top, kind, payload) in enumerate(body):
                if kind == 0:
                    continue
                t_top, _, part = payload
                nothing_above = all(k == 1 for _, k, _ in body[:position])
                if (first_table and nothing_above and open_table and tables_parts
                        and _continues(tables_parts[-1][-1], part, t_top, height)):
                    tables_parts[-1].append(part)
                    payload_index = None
                else:
                    payload_index = len(tables_parts)
                    tables_parts.append([part])
                first_table = False
                items[items.index((top, kind, payload))] = (top, 2, payload_index)
            for _, kind, payload in items:
                if kind == 0:
                    text, zone = payload
                    entries.append((normalize_spacing(text.strip(" \u3000")), zone, index))
                elif kind == 2 and payload is not None:
                    entries.append((payload, None, index))
            # A table can continue on the next page only if nothing follows it on this one.
            open_table = bool(body) and body[-1][1] == 1
    finally:
        pages.close()

    grids = [table_grid(parts) for parts in tables_parts]
    text = normalize_text("\n".join(
        "\n".join("\t".join(row) for row in grids[item]) if isinstance(item, int) else item
        for item in _without_furniture(entries)))
    if not text.strip():
        if n_pages and drawn and ocr is not None:
            unread = f" ({len(ocr.skipped)} not read: OCR page limit or time budget)" if ocr.skipped else ""
            raise ImageOnlyPDF(f"{label}: OCR found no text on its {n_pages} scanned page(s){unread}")
        if n_pages and drawn:
            raise ImageOnlyPDF(f"{label} has {n_pages} page(s) without a text layer (a scan?) — it would need OCR")
        if not n_pages:
            raise CorruptDocument(f"{label} has no readable pages")
        raise EmptyDocument(f"{label} has no text")
    return Document(text=text, tables=grids, title=title, format="pdf"), pages
