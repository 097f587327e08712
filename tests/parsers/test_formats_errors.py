"""Inputs the readers cannot turn into a document: each raises its named error with a clear message."""
from __future__ import annotations

import io
import zipfile

import pytest
from layouts import LAYOUTS, sample_report, shapes_only_pdf

from parsers.errors import (
    CorruptDocument,
    EmptyDocument,
    ImageOnlyPDF,
    ParseError,
    UnsupportedFormat,
)
from parsers.formats import read_document
from parsers.errors import EncryptedPDF

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _ole2(stream_name: str) -> bytes:
    """An OLE2 header followed by a directory entry name, as an old Office/WPS file starts."""
    return OLE2 + b"\x00" * 504 + stream_name.encode("utf-16-le") + b"\x00" * 2000


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "name", "error", "words"), [
    (_ole2("Workbook"), "stats.xls", UnsupportedFormat, [".xls", "spreadsheet"]),
    (_ole2("Workbook"), "stats.et", UnsupportedFormat, [".et", "spreadsheet"]),
    (_ole2("Workbook"), "file", UnsupportedFormat, ["spreadsheet"]),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "scan.png", UnsupportedFormat, ["PNG", "image", "OCR"]),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "scan.jpg", UnsupportedFormat, ["JPEG", "image"]),
    (b"GIF89a" + b"\x00" * 100, "x.gif", UnsupportedFormat, ["GIF"]),
    (_zip({"a.txt": b"x", "b.txt": b"y"}), "files.zip", UnsupportedFormat, ["zip archive"]),
    (_zip({"xl/workbook.xml": b"<x/>"}), "stats.xlsx", UnsupportedFormat, ["xlsx", "spreadsheet"]),
    (_zip({"a.txt": b"x"}), "report.docx", CorruptDocument, ["word/document.xml", "DOCX"]),
    (b"PK\x03\x04" + b"\x00" * 50, "report.docx", CorruptDocument, ["damaged", "DOCX"]),
    (b"", "report.pdf", EmptyDocument, ["empty"]),
    (b"   \n ", "report.txt", EmptyDocument, ["empty"]),
    (b"not a pdf at all", "report.pdf", CorruptDocument, [".pdf", "%PDF"]),
])
def test_named_errors(data, name, error, words):
    with pytest.raises(error) as info:
        read_document(data, name)
    message = str(info.value)
    for word in words:
        assert word in message, (word, message)
    assert "\n" not in message  # one readable line


OLD_WORD = [
    (_ole2("WordDocument"), "2020年报.doc", [".doc", "OLE2"]),
    (_ole2("WordDocument"), "nianbao.wps", [".wps", "Kingsoft"]),
    (_ole2("WordDocument"), "download?id=7", ["Word", "OLE2"]),
    (b"{\\rtf1\\ansi hello}", "report.doc", ["RTF"]),
]


@pytest.mark.parametrize(("data", "name", "words"), OLD_WORD)
def test_old_word_without_libreoffice_says_what_to_install(monkeypatch, data, name, words):
    from parsers.formats import office

    monkeypatch.setattr(office, "soffice", lambda: None)
    with pytest.raises(UnsupportedFormat) as info:
        read_document(data, name)
    message = str(info.value)
    for word in [*words, "apt-get install libreoffice-writer-nogui"]:
        assert word in message, (word, message)
    assert "\n" not in message


def test_truncated_pdf_is_corrupt():
    data, name = LAYOUTS["pdf"].render(sample_report(1))
    with pytest.raises((CorruptDocument, ImageOnlyPDF, EmptyDocument)) as info:
        read_document(data[: len(data) // 3], name)
    assert isinstance(info.value, ParseError)


def test_garbage_pdf_is_corrupt():
    with pytest.raises(CorruptDocument):
        read_document(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%%EOF garbage \x00\xff" * 3, "x.pdf")


def test_image_only_pdf(monkeypatch):
    from parsers.formats import ocr

    monkeypatch.setattr(ocr, "available", lambda: False)  # OCR of scans: tests/parsers/test_ocr.py
    with pytest.raises(ImageOnlyPDF) as info:
        read_document(shapes_only_pdf(), "scan.pdf")
    assert "OCR" in str(info.value)


def test_encrypted_pdf():
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, encrypt=StandardEncryption("secret", ownerPassword="owner", strength=128))
    canvas.drawString(100, 700, "report 2021")
    canvas.showPage()
    canvas.save()
    with pytest.raises(EncryptedPDF) as info:
        read_document(buffer.getvalue(), "locked.pdf")
    assert "password" in str(info.value)
    assert isinstance(info.value, ParseError)


def test_damaged_docx_xml():
    data, name = LAYOUTS["docx"].render(sample_report(1))
    source = zipfile.ZipFile(io.BytesIO(data))
    files = {n: source.read(n) for n in source.namelist()}
    files["word/document.xml"] = files["word/document.xml"][:500]  # cut mid-element
    with pytest.raises(CorruptDocument):
        read_document(_zip(files), name)


def test_binary_junk_is_not_text():
    with pytest.raises(UnsupportedFormat):
        read_document(bytes(range(256)) * 8, "blob")


# --- never a traceback: whatever the bytes, a Document or a named ParseError ----------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_NAMES = ["x.pdf", "x.docx", "x.doc", "x.html", "x.txt", "x.md", "download?id=1", ""]
_SAMPLES: dict[str, bytes] = {}


def _sample(layout: str) -> bytes:
    if layout not in _SAMPLES:
        _SAMPLES[layout] = LAYOUTS[layout].render(sample_report(3))[0]
    return _SAMPLES[layout]


def _read_or_named_error(data: bytes, name: str) -> None:
    try:
        read_document(data, name)
    except ParseError as exc:
        assert str(exc) and "\n" not in str(exc)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(data=st.binary(max_size=3000), name=st.sampled_from(_NAMES))
def test_random_bytes_never_raise_anything_else(data, name):
    _read_or_named_error(data, name)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(layout=st.sampled_from(["pdf", "docx", "html_utf8", "html_gbk_no_charset"]),
       cut=st.floats(0.05, 1.0), flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=8))
def test_damaged_documents_never_raise_anything_else(layout, cut, flips):
    data = bytearray(_sample(layout))
    for where, value in flips:
        data[int(where * (len(data) - 1))] = value
    _read_or_named_error(bytes(data[: max(1, int(len(data) * cut))]), LAYOUTS[layout].filename)
