"""Format readers: bytes of a page or attachment → :class:`~parsers.document.Document`.

:func:`read_document` sniffs the format from the bytes first (a ``.pdf`` link that
serves an HTML error page is HTML; a ``.doc`` that is really a Word-saved HTML page
is HTML), then from the name's extension. Formats that cannot be read in-process
(spreadsheets, images, other archives) raise :class:`~parsers.errors.UnsupportedFormat`
with a message that says what the file is. Old Word files (``.doc``, Kingsoft ``.wps``,
RTF) are converted to DOCX by LibreOffice when it is installed (:mod:`.office`).
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from parsers import limits
from parsers.document import Document
from parsers.errors import CorruptDocument, EmptyDocument, InputTooLarge, TooDeeplyNested, UnsupportedFormat
from parsers.formats.office import INSTALL as LIBREOFFICE

__all__ = ["read_document", "sniff"]

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)
_HTML_MARKERS = re.compile(rb"<\s*(!doctype\s+html|html|head|body|meta|title|div|table|p|script|style)[\s>/]", re.I)
# Past the first bytes (a page that opens with tens of KB of script or style), only the
# structural tags count: a stray "<p>" deep in a plain text file does not make it a page.
_HTML_STRUCTURE = re.compile(rb"<\s*(html|body|table)[\s>]", re.I)
_SNIFF_WINDOW = 256 * 1024
# A JSON document, or JSONP (``callback({...})``): a CMS's article API.
_JSON_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:[\[{]|[\w$.]+\s*\(\s*[\[{])")
# Word's "single file web page" (.mht, often published as .doc): MIME multipart around HTML.
_MHT = re.compile(rb"^\s*(?:[\w-]+:[^\n]*\n)*?MIME-Version:\s*1\.0[\s\S]{0,1500}?multipart/related", re.I)
_MULTIPART = re.compile(rb"content-type:\s*multipart/", re.I)
_HTML_EXTENSIONS = {".html", ".htm", ".shtml", ".xhtml", ".jsp", ".asp", ".aspx", ".php", ".do", ".action"}
_TEXT_EXTENSIONS = {".txt", ".md", ".markdown", ".text", ".csv"}
_CONVERT_DOCX = f"{LIBREOFFICE}, or convert it to DOCX"
_OLE2_KINDS = {
    ".doc": f"an old Word .doc (OLE2) file — {_CONVERT_DOCX}",
    ".wps": f"a Kingsoft WPS .wps (OLE2) file — {_CONVERT_DOCX}",
    ".dot": f"an old Word template .dot (OLE2) file — {_CONVERT_DOCX}",
    ".xls": "an old Excel .xls (OLE2) spreadsheet — spreadsheets are not read; "
            "convert the report to DOCX or PDF",
    ".et": "a Kingsoft ET .et (OLE2) spreadsheet — spreadsheets are not read; "
           "convert the report to DOCX or PDF",
    ".ppt": "an old PowerPoint .ppt (OLE2) file — not read",
}


def _extension(name: str) -> str:
    """The lower-case extension of a file name or URL path (query and fragment ignored)."""
    path = urlsplit(name).path if "://" in name else name.split("?", 1)[0].split("#", 1)[0]
    return PurePosixPath(path).suffix.lower()


def _ole2_kind(data: bytes, ext: str) -> str:
    """Describe an OLE2 compound file: by extension, else by its stream names."""
    if ext in _OLE2_KINDS:
        return _OLE2_KINDS[ext]
    head = data[:1 << 20]
    if "WordDocument".encode("utf-16-le") in head:
        return f"an old Word .doc or Kingsoft .wps (OLE2) file — {_CONVERT_DOCX}"
    if "Workbook".encode("utf-16-le") in head or "Book".encode("utf-16-le") in head:
        return _OLE2_KINDS[".xls"]
    return f"an OLE2 compound file (old Office/WPS format) — {_CONVERT_DOCX}"


def _zip_kind(data: bytes, name: str) -> str:
    """``"docx"`` for a Word document; raise a named error for every other zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        raise CorruptDocument(f"{name or 'the file'} is a damaged or truncated zip/DOCX file ({exc})") from None
    if "word/document.xml" in names:
        return "docx"
    if any(n.startswith("xl/") for n in names):
        raise UnsupportedFormat(f"{name or 'the file'} is an Excel .xlsx spreadsheet — spreadsheets are not read")
    if any(n.startswith("ppt/") for n in names):
        raise UnsupportedFormat(f"{name or 'the file'} is a PowerPoint .pptx presentation — not read")
    if "OFD.xml" in names:
        raise UnsupportedFormat(f"{name or 'the file'} is an OFD document (GB/T 33190) — convert it to PDF")
    if "mimetype" in names and "content.xml" in names:
        raise UnsupportedFormat(f"{name or 'the file'} is an OpenDocument file — {_CONVERT_DOCX}")
    if _extension(name) == ".docx":
        raise CorruptDocument(f"{name} is a zip archive without word/document.xml, not a valid DOCX")
    raise UnsupportedFormat(f"{name or 'the file'} is a zip archive ({len(names)} files), not a report document")


_WORD_EXTENSIONS = {".doc": "doc", ".dot": "doc", ".wps": "wps"}


def _old_word(data: bytes, ext: str) -> str | None:
    """``"doc"``/``"wps"`` for an OLE2 Word document (by its WordDocument stream, or its name), else None."""
    head = data[:1 << 20]
    if any(stream.encode("utf-16-le") in head for stream in ("Workbook", "PowerPoint Document")):
        return None
    if ext in _WORD_EXTENSIONS:
        return _WORD_EXTENSIONS[ext]
    if "WordDocument".encode("utf-16-le") in head:
        return "doc"  # a Word file under another name (agencies post them as .et, or nameless)
    return None


def sniff(data: bytes, name: str = "") -> str:
    """The reader for these bytes: ``"html"``, ``"mht"``, ``"json"``, ``"text"``, ``"pdf"``, ``"docx"``,
    or ``"doc"``/``"wps"``/``"rtf"`` (old Word formats, read through LibreOffice).

    Raises :class:`UnsupportedFormat` (with what the file is), :class:`EmptyDocument`
    or :class:`CorruptDocument`.
    """
    label = name or "the file"
    if not data or not data.strip():
        raise EmptyDocument(f"{label} is empty ({len(data)} bytes)")
    ext = _extension(name)
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data, name)
    if data.startswith(_OLE2):
        word = _old_word(data, ext)
        if word:
            return word
        raise UnsupportedFormat(f"{label} is {_ole2_kind(data, ext)}")
    for magic, kind in _IMAGES:
        if data.startswith(magic):
            raise UnsupportedFormat(f"{label} is a {kind} image — a scanned report would need OCR")
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        raise UnsupportedFormat(f"{label} is a WEBP image — a scanned report would need OCR")
    if data.lstrip()[:5] == b"{\\rtf":
        return "rtf"
    head = data[:2048]
    if _MHT.search(head):
        return "mht"
    if _JSON_START.match(head):
        return "json"
    window = data[:_SNIFF_WINDOW]
    markup = bool(_HTML_MARKERS.search(head) or _HTML_STRUCTURE.search(window))
    if markup and ext not in _TEXT_EXTENSIONS:
        return "html"
    if ext == ".pdf":
        raise CorruptDocument(f"{label} is named .pdf but has no %PDF header (damaged, or not a PDF)")
    if ext == ".docx":
        raise CorruptDocument(f"{label} is named .docx but is not a zip/DOCX file (damaged)")
    if ext in _OLE2_KINDS or ext in {".xlsx", ".pptx"}:
        raise UnsupportedFormat(f"{label} is named {ext} but has no {ext} header: unrecognised content")
    if ext in _HTML_EXTENSIONS:
        return "html"
    if ext in _TEXT_EXTENSIONS:
        return "text"
    if markup:
        return "html"
    # Binary junk (control bytes, outside UTF-16/32 text) is not text.
    if not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        control = sum(1 for b in head if b < 32 and b not in b"\t\n\r\f\x1b")
        if control > len(head) // 20:
            raise UnsupportedFormat(f"{label} is an unrecognised binary file")
    return "text"


def read_document(data: bytes, name: str = "", content_type: str | None = None) -> Document:
    """Read one document's bytes with the reader :func:`sniff` picks.

    ``content_type`` is the HTTP ``Content-Type`` header if the caller has one: its charset
    counts as a declaration for HTML and text (never blindly trusted, see ``encoding``).
    Raises a :class:`~parsers.errors.ParseError` subclass for unreadable input.
    """
    label = name or "the file"
    if len(data) > limits.MAX_INPUT_BYTES:
        raise InputTooLarge(f"{label} is {len(data):,} bytes (limit {limits.MAX_INPUT_BYTES:,}): refused")
    kind = sniff(data, name)
    if kind in ("html", "text", "json", "mht") and len(data) > limits.MAX_MARKUP_BYTES:
        raise InputTooLarge(f"{label} is {len(data):,} bytes of {kind} (limit {limits.MAX_MARKUP_BYTES:,}): refused")
    if kind == "json":
        return _read_json(data, name, content_type)
    if kind in ("html", "text") and content_type:
        from parsers.formats import html, text

        return (html if kind == "html" else text).read(data, name, content_type=content_type)
    if kind in ("doc", "wps", "rtf"):
        from parsers.formats import office

        if not office.available():
            what = _ole2_kind(data, _extension(name)) if kind != "rtf" else f"an RTF document — {_CONVERT_DOCX}"
            raise UnsupportedFormat(f"{name or 'the file'} is {what}")
        return office.read(data, name, kind)
    if kind == "pdf":
        from parsers.formats import pdf as reader
    elif kind == "docx":
        from parsers.formats import docx as reader
    elif kind == "html":
        from parsers.formats import html as reader
    elif kind == "mht":
        return _read_mht(data, name)
    else:
        from parsers.formats import text as reader
    return reader.read(data, name)


def _read_mht(data: bytes, name: str) -> Document:
    """Read the HTML part of a MIME HTML (.mht) file with the HTML reader."""
    import email
    import email.policy

    from parsers.formats import html

    label = name or "the file"
    nested = len(_MULTIPART.findall(data))
    if nested > limits.MAX_MULTIPARTS:
        raise TooDeeplyNested(f"{label} is a MIME HTML (.mht) file of {nested:,} nested multipart parts "
                              f"(limit {limits.MAX_MULTIPARTS}): refused")
    try:
        message = email.message_from_bytes(data, policy=email.policy.compat32)
        parts = list(message.walk())
    except RecursionError:
        raise TooDeeplyNested(f"{label} is a MIME HTML (.mht) file nested too deep: refused") from None
    for part in parts:
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True) or b""
            charset = part.get_content_charset()
            return html.read(payload, name, content_type=f"text/html; charset={charset}" if charset else None)
    raise CorruptDocument(f"{name or 'the file'} is a MIME HTML (.mht) file without an HTML part")


def _read_json(data: bytes, name: str, content_type: str | None) -> Document:
    """Read the report a JSON/JSONP document carries in its values (HTML or plain text).

    Bytes that only look like JSON (a damaged or truncated one, or JSON without report
    text) are read as the page or text they otherwise are.
    """
    from parsers.formats.encoding import decode_text

    decoded, warnings = decode_text(data, content_type)
    document = _json_document(decoded, data, name)
    document.warnings += warnings
    return document


def _json_document(decoded: str, data: bytes, name: str) -> Document:
    """The document of decoded JSON text (see :func:`_read_json`)."""
    from html import escape

    from parsers.formats import embedded, html
    from parsers.formats.text import normalize_text

    value = embedded.load_json(decoded)
    found = embedded.json_report(value) if value is not None else None
    if found is None:
        if _HTML_STRUCTURE.search(data[:_SNIFF_WINDOW]) or _HTML_MARKERS.search(data[:2048]):
            return html.read_markup(decoded, name)
        text = normalize_text(decoded)
        return Document(text=text, format="text")
    body, is_html, title, published = found
    if is_html:
        markup = f"<html><head><title>{escape(title or '')}</title></head><body>{body}</body></html>"
        return html.read_markup(markup, name, title=title, published=published)
    text = normalize_text(body)
    if not text.strip():
        raise EmptyDocument(f"{name or 'the JSON document'} holds no report text")
    return Document(text=text, title=title, published=published, format="text")
