"""DOCX reports (python-docx).

Paragraphs and tables are read in body order. ``row.cells`` repeats a merged cell for
every grid column and row it covers (``gridSpan``, ``vMerge``), which is exactly the
grid contract of :class:`~parsers.document.Document`. Each table also appears in the
text as tab-separated rows at its place.
"""
from __future__ import annotations

import io
import zipfile

from parsers.document import Document, Grid
from parsers.errors import CorruptDocument, EmptyDocument
from parsers.formats.text import metadata_title, normalize_cell, normalize_text

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"


def paragraph_text(p) -> str:
    """A ``w:p`` element's text, tracked insertions, smart tags, hyperlinks and simple fields
    included (python-docx's ``Paragraph.text`` skips them), deletions and the fallback copy
    of alternate content left out; ``w:tab`` → tab, ``w:br`` → line break."""
    parts = []
    for el in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"):
        if any(a.tag in (f"{_W}del", f"{_MC}Fallback") for a in el.iterancestors()):
            continue
        if el.tag == f"{_W}t":
            parts.append(el.text or "")
        elif el.tag == f"{_W}tab":
            if el.getparent() is not None and el.getparent().tag == f"{_W}r":  # not a tab stop definition
                parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)


def _cell_text(cell) -> str:
    """A cell's paragraphs on one line (paragraphs of a table nested in the cell are not its text)."""
    return normalize_cell(" ".join(paragraph_text(p) for p in cell._tc.iterchildren(f"{_W}p")))


def table_grid(table) -> Grid:
    """A python-docx table as a grid (merged cells repeated, blank cells "")."""
    grid: Grid = []
    # One cell element is read once however many slots it covers. Keyed by the element itself:
    # lxml proxies are transient, so an id() could be reused by another cell.
    texts: dict = {}
    for row in table.rows:
        try:
            cells = row.cells
        except (ValueError, IndexError):  # malformed spans: fall back to the row's own cells
            from docx.table import _Cell

            cells = [_Cell(tc, table) for tc in row._tr.tc_lst]
        out = []
        for cell in cells:
            key = cell._tc
            if key not in texts:
                texts[key] = _cell_text(cell)
            out.append(texts[key])
        if any(out):
            grid.append(out)
    return grid


def read(data: bytes, name: str = "") -> Document:
    """Read a DOCX report: text (tables in place, tab-separated) and table grids.

    Raises CorruptDocument for a damaged file, EmptyDocument for one without text.
    """
    import docx  # python-docx; deferred so that `import parsers` stays light
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    label = name or "the DOCX file"
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise CorruptDocument(f"{label} is a damaged DOCX file ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # lxml XMLSyntaxError and friends from a mangled document.xml
        raise CorruptDocument(f"{label} is a damaged DOCX file ({type(exc).__name__}: {exc})") from None

    lines: list[str] = []
    grids: list[Grid] = []

    def walk(parent) -> None:
        for child in parent.iterchildren():
            if child.tag == f"{_W}p":
                lines.append(paragraph_text(child))
            elif child.tag == f"{_W}tbl":
                grid = table_grid(Table(child, document))
                if grid:
                    grids.append(grid)
                    lines.extend("\t".join(row) for row in grid)
            elif child.tag in (f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml", f"{_W}ins"):
                walk(child)  # content controls and tracked insertions wrap ordinary paragraphs/tables

    walk(document.element.body)
    text = normalize_text("\n".join(lines))
    if not text.strip():
        raise EmptyDocument(f"{label} has no text")
    title = metadata_title(document.core_properties.title)
    return Document(text=text, tables=grids, title=title, format="docx")
