"""DOCX reports (python-docx for the package, the body's XML read directly).

Paragraphs and tables are read in body order. A table's grid repeats a merged cell for
every grid column and row it covers (``gridSpan``, ``vMerge``), which is the grid
contract of :class:`~parsers.document.Document`; it is built from the ``w:tc`` elements
in one bounded pass (not python-docx's ``row.cells``, quadratic on vertical merges).
Each table also appears in the text as tab-separated rows at its place. The package is
checked against the bounds of :mod:`parsers.limits` before anything is inflated.
"""
from __future__ import annotations

import io
import zipfile

from parsers import limits
from parsers.document import Document, Grid
from parsers.errors import (
    ArchiveTooLarge,
    CorruptDocument,
    EmptyDocument,
    TableTooLarge,
    TooDeeplyNested,
)
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


def _cell_text(tc) -> str:
    """A ``w:tc`` cell's paragraphs on one line (paragraphs of a table nested in the cell are not its text)."""
    return normalize_cell(" ".join(paragraph_text(p) for p in tc.iterchildren(f"{_W}p")))


def _int_val(el, default: int) -> int:
    """A ``w:val`` integer (junk → default; more than 5 digits → 99999, over every bound)."""
    raw = (el.get(f"{_W}val") or "").strip() if el is not None else ""
    if not raw.isdigit():
        return default
    return 99999 if len(raw) > 5 else int(raw)


def _row_cells(tr) -> list:
    """A row's ``w:tc`` elements, those wrapped in content controls or custom XML included."""
    out = []
    for child in tr.iterchildren():
        if child.tag == f"{_W}tc":
            out.append(child)
        elif child.tag in (f"{_W}sdt", f"{_W}customXml"):
            out += [tc for tc in child.iter(f"{_W}tc") if tc.getparent() is not None
                    and tc.getparent().tag in (f"{_W}sdtContent", f"{_W}customXml")]
    return out


def table_grid(tbl, label: str = "the DOCX file") -> Grid:
    """A ``w:tbl`` element as a grid: a ``gridSpan`` cell repeated over its columns, a
    ``vMerge`` continuation taking the text of the cell above (merged cells repeated, blank
    cells ""), ``gridBefore`` columns blank.

    Read from the XML directly, in one pass with bounded work (python-docx's ``row.cells``
    is quadratic on vertical merges and recursive: a 2 KB file took minutes). Raises
    :class:`~parsers.errors.TableTooLarge` past ``limits.MAX_TABLE_CELLS`` expanded cells.
    """
    grid: Grid = []
    above: list[str] = []  # the previous row, blank rows included (vMerge reads through them)
    # One cell element is read once; keyed by the element (lxml proxies are transient).
    texts: dict = {}
    total = 0
    for tr in tbl.iterchildren(f"{_W}tr"):
        trpr = tr.find(f"{_W}trPr")
        before = _int_val(trpr.find(f"{_W}gridBefore"), 0) if trpr is not None else 0
        out: list[str] = [""] * min(before, limits.MAX_TABLE_CELLS)
        for tc in _row_cells(tr):
            tcpr = tc.find(f"{_W}tcPr")
            span = max(1, _int_val(tcpr.find(f"{_W}gridSpan"), 1)) if tcpr is not None else 1
            vmerge = tcpr.find(f"{_W}vMerge") if tcpr is not None else None
            if total + len(out) + span > limits.MAX_TABLE_CELLS:
                raise TableTooLarge(f"{label} has a table whose spans expand past "
                                    f"{limits.MAX_TABLE_CELLS:,} cells: refused")
            column = len(out)
            if vmerge is not None and (vmerge.get(f"{_W}val") or "continue") != "restart" and column < len(above):
                text = above[column]
            else:
                if tc not in texts:
                    texts[tc] = _cell_text(tc)
                text = texts[tc]
            out.extend([text] * span)
        total += len(out)
        above = out
        if any(out):
            grid.append(out)
    return grid


def check_package(data: bytes, label: str) -> None:
    """Refuse a zip bomb before python-docx inflates it: too many entries, parts that inflate
    past ``limits.MAX_UNZIPPED_BYTES`` (sizes as declared: zipfile never inflates past
    them), an XML part past ``limits.MAX_XML_PART_BYTES``, or an element with thousands of
    attributes (checked on the inflated XML before libxml2 parses it)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        raise CorruptDocument(f"{label} is a damaged DOCX file ({exc})") from None
    with archive:
        if len(infos) > limits.MAX_ZIP_ENTRIES:
            raise ArchiveTooLarge(f"{label} holds {len(infos):,} zip entries (limit {limits.MAX_ZIP_ENTRIES:,}): refused")
        inflated = sum(info.file_size for info in infos)
        if inflated > limits.MAX_UNZIPPED_BYTES:
            raise ArchiveTooLarge(f"{label} inflates to {inflated:,} bytes "
                                  f"(limit {limits.MAX_UNZIPPED_BYTES:,}): refused")
        for info in infos:
            if not info.filename.lower().endswith((".xml", ".rels")):
                continue
            if info.file_size > limits.MAX_XML_PART_BYTES:
                raise ArchiveTooLarge(f"{label}: {info.filename} inflates to {info.file_size:,} bytes "
                                      f"(limit {limits.MAX_XML_PART_BYTES:,}): refused")
            try:
                part = archive.read(info)
            except (zipfile.BadZipFile, EOFError, ValueError, OSError, NotImplementedError) as exc:
                raise CorruptDocument(f"{label}: {info.filename} is damaged ({exc})") from None
            limits.check_attributes(part, f"{label} ({info.filename})")


def read(data: bytes, name: str = "") -> Document:
    """Read a DOCX report: text (tables in place, tab-separated) and table grids.

    Raises CorruptDocument for a damaged file, EmptyDocument for one without text.
    """
    import docx  # python-docx; deferred so that `import parsers` stays light
    from docx.opc.exceptions import PackageNotFoundError

    label = name or "the DOCX file"
    check_package(data, label)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise CorruptDocument(f"{label} is a damaged DOCX file ({type(exc).__name__}: {exc})") from None
    except RecursionError:
        raise TooDeeplyNested(f"{label} nests its XML too deep: refused") from None
    except Exception as exc:  # lxml XMLSyntaxError and friends from a mangled document.xml
        if "depth" in str(exc).lower():  # libxml2: "Excessive depth in document: 256 ..."
            raise TooDeeplyNested(f"{label} nests its XML deeper than 256 levels: refused") from None
        raise CorruptDocument(f"{label} is a damaged DOCX file ({type(exc).__name__}: {exc})") from None

    lines: list[str] = []
    grids: list[Grid] = []

    def walk(parent) -> None:
        for child in parent.iterchildren():
            if child.tag == f"{_W}p":
                lines.append(paragraph_text(child))
            elif child.tag == f"{_W}tbl":
                grid = table_grid(child, label)
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
