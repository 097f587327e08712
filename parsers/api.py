"""The parser's entry points: bytes → :class:`Document` → :class:`Record`."""
from __future__ import annotations

from parsers import recognize
from parsers.arithmetic import violations
from parsers.coverage import missing
from parsers.document import Document
from parsers.keys import KEYED_TEMPLATES
from parsers.record import Record
from parsers.rows import grid_rows, text_rows
from parsers.tables import Reading, merge_sources, read_cells


def build_record(doc: Document) -> Record:
    """Recognise a read document and extract its tables into a :class:`Record`.

    Pure: no I/O. Records of ``legacy`` and ``unknown`` templates carry no facts.
    """
    title = recognize.find_title(doc.text, doc.title)
    year = recognize.find_year(title, doc.text)
    marked = recognize.marked_template(doc.text)
    provisional = marked or ("2021" if year and year >= 2021 else "2019")
    reading = _tables(doc, provisional)
    has_tables = any(k.startswith(("requests/", "active/")) for k in reading.facts)
    template = recognize.find_template(doc.text, year, title, has_tables)
    if template not in KEYED_TEMPLATES:
        reading = Reading()
    elif template != provisional:
        reading = _tables(doc, template)
    agency = recognize.find_agency(title, doc.text)
    if agency is None and doc.title and doc.title != title:
        agency = recognize.find_agency(recognize.find_title("", doc.title), "")
    record = Record(
        agency=agency,
        year=year,
        template=template,
        published=recognize.find_published(doc.text, doc.published),
        sections=recognize.find_sections(doc.text),
        facts=reading.facts,
        raw=reading.raw,
        violations=violations(reading.facts, template, blank=reading.blank),
        missing=missing(reading.keys(), template),
        title=title,
        text=doc.text,
        format=doc.format,
        warnings=list(doc.warnings),
        ocr_pages=list(doc.ocr_pages),
    )
    if doc.source in ("ocr", "mixed"):
        from parsers.uncertain import ALL_READ, review

        review(record, doc)
        # Its rules again, each only over cells all read (none uncertain): a cell where OCR saw
        # nothing is not taken for a printed blank (a faint or missed number looks the same).
        record.violations = violations(record.facts, template, set(record.uncertain), blank=ALL_READ)
    return record


def _tables(doc: Document, template: str) -> Reading:
    """What the grids (when any) say, with the text rows as the fallback."""
    from_text = read_cells(text_rows(doc.text), template)
    if not doc.tables:
        return from_text
    return merge_sources(read_cells(grid_rows(doc.tables), template), from_text)


def parse(data: bytes, name: str = "", *, content_type: str | None = None) -> Record:
    """Parse one document's bytes (``name``: file name or URL, for the format) into a Record.

    ``content_type`` is the HTTP ``Content-Type`` header when there is one: its charset is
    weighed as a declaration for HTML and text (see ``parsers.formats.read_document``).
    Raises a :class:`~parsers.errors.ParseError` subclass for unreadable input.
    """
    from parsers.formats import read_document

    return build_record(read_document(data, name, content_type=content_type))
