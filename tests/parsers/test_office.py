"""Old Word formats read through LibreOffice: a ``.doc`` (and the same file as ``.wps``, the
Word-compatible binary Kingsoft WPS saves, or named ``.et``) made by LibreOffice from a
generated DOCX report parses to the DOCX's record. Needs Debian's LibreOffice
(``libreoffice-writer-nogui``, installed by ``.ci/run``); skips without it.
"""
from __future__ import annotations

import subprocess

import pytest
from layouts import LAYOUTS, sample_report

import parsers
from parsers.errors import CorruptDocument, ParseError
from parsers.formats import office

pytestmark = pytest.mark.skipif(not office.available(), reason="LibreOffice (soffice) is not installed")


def _to_doc(docx: bytes, tmp_path) -> bytes:
    """LibreOffice's Word 97 (.doc) export of a DOCX."""
    source = tmp_path / "report.docx"
    source.write_bytes(docx)
    subprocess.run([office.soffice(), f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "doc", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    return (tmp_path / "report.doc").read_bytes()


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """(docx record, .doc bytes) of one generated report of each template."""
    out = []
    for seed, template in ((31, "2019"), (32, "2021")):
        docx, _ = LAYOUTS["docx"].render(sample_report(seed, template=template))
        out.append((parsers.parse(docx, "report.docx").to_dict(),
                    _to_doc(docx, tmp_path_factory.mktemp(template))))
    return out


def _same(record: dict, expected: dict, fmt: str) -> None:
    assert record.pop("format") == fmt
    expected = dict(expected)
    expected.pop("format")
    assert record == expected


@pytest.mark.parametrize("index", [0, 1], ids=["2019", "2021"])
def test_doc_and_wps_read_as_the_docx(reports, index):
    expected, doc = reports[index]
    assert doc.startswith(b"\xd0\xcf\x11\xe0")  # a real OLE2 Word 97 file
    assert expected["facts"]
    _same(parsers.parse(doc, "2020年报.doc").to_dict(), expected, "doc")
    _same(parsers.parse(doc, "nianbao.wps").to_dict(), expected, "wps")


def test_a_word_file_named_et_is_read_as_word(reports):
    expected, doc = reports[1]
    _same(parsers.parse(doc, "report.et").to_dict(), expected, "doc")


def test_a_damaged_doc_is_one_readable_error():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "WordDocument".encode("utf-16-le") + b"\x00" * 2000
    with pytest.raises(ParseError) as info:
        parsers.parse(data, "broken.doc")
    assert "\n" not in str(info.value)


def test_the_time_limit_kills_libreoffice(reports):
    _, doc = reports[0]
    with pytest.raises(CorruptDocument) as info:
        office.to_docx(doc, "slow.doc", ".doc", timeout=0.05)
    assert "did not convert it within" in str(info.value)


def test_the_size_limit(monkeypatch, reports):
    _, doc = reports[0]
    from parsers import limits

    monkeypatch.setattr(limits, "MAX_CONVERT_BYTES", 1000)
    with pytest.raises(CorruptDocument) as info:
        parsers.parse(doc, "big.doc")
    assert "too large" in str(info.value)
