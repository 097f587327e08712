"""Decoding: BOMs, declared charsets (GB* as GB18030), wrong declarations, detection, no mojibake."""
from __future__ import annotations

import pytest
from layouts import sample_report
from layouts.render_html import html_bytes, render_html

from parsers.errors import EncodingError
from parsers.formats import read_document
from parsers.formats.encoding import decode, declared_charset, normalize_label

TEXT = "朱镕基、王喆、李堃：北京市公安局2020年政府信息公开工作年度报告，共收到申请1409件。"


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "gbk", "utf-16"])
def test_plain_text_without_declaration(encoding):
    text = TEXT if encoding != "gbk" else TEXT.replace("镕", "荣")
    assert decode(text.encode(encoding)) == text


def test_bom_wins():
    assert decode("\ufeff".encode("utf-8") + TEXT.encode()) == TEXT
    assert decode(TEXT.encode("utf-16-le").join([b"\xff\xfe", b""])) == TEXT


def test_gb_labels_decode_as_gb18030():
    page = f'<html><head><meta charset="gb2312"></head><body><p>{TEXT}</p></body></html>'
    # 镕/喆/堃 are not in GB2312: a strict gb2312 decode would fail or drop them.
    assert decode(page.encode("gb18030")) == page
    assert normalize_label("GB2312") == normalize_label("gbk") == "gb18030"
    assert declared_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=gbk">') == "gb18030"


def test_declared_utf8_on_gbk_bytes_falls_back():
    page = f'<html><head><meta charset="utf-8"></head><body><p>{TEXT}</p></body></html>'
    assert decode(page.encode("gb18030")) == page
    assert decode(page.encode("gb18030"), http_header="text/html; charset=utf-8") == page


def test_declared_gb2312_on_utf8_bytes_loses_to_utf8():
    page = f'<html><head><meta charset="gb2312"></head><body><p>{TEXT * 3}</p></body></html>'
    assert decode(page.encode("utf-8")) == page


def test_wrong_latin_declaration_loses():
    page = f'<html><head><meta charset="iso-8859-1"></head><body><p>{TEXT * 3}</p></body></html>'
    assert decode(page.encode("gb18030")) == page


def test_big5_page_without_declaration():
    text = "臺北市政府資訊公開年度報告，本年度共受理申請案件一百二十件，均依法辦理完畢。" * 3
    assert decode(text.encode("big5")) == text


def test_short_bare_gbk_text():
    assert decode("年报".encode("gbk")) == "年报"


@pytest.mark.parametrize(("encoding", "declare"), [("gb18030", None), ("gb18030", "gb2312"), ("gbk", "utf-8"),
                                                    ("utf-8", "gb2312"), ("utf-8", None)])
def test_generated_pages_decode_without_mojibake(encoding, declare):
    report = sample_report(4)
    expected = render_html(report, charset=declare)
    data = expected.encode(encoding)
    assert decode(data) == expected
    document = read_document(data, "page.html")
    assert document.title == report.title
    assert "王堃" in document.text and "\ufffd" not in document.text


def test_undecodable_bytes_raise():
    noise = bytes([0x81, 0x30, 0xff, 0xfe, 0x00, 0x80, 0xc3]) * 200
    with pytest.raises(EncodingError):
        decode(b"\x00\x01" + noise)


def test_html_bytes_helper_declares_what_it_encodes():
    report = sample_report(2)
    assert b'charset="gb18030"' in html_bytes(report, "gb18030")


def test_read_document_takes_the_http_charset_as_a_declaration():
    text = "年報全文"  # Big5, declared by the server
    data = text.encode("big5")
    assert read_document(data, "a.txt", content_type="text/plain; charset=big5").text == text
    # A wrong header does not ruin a GBK page (strict UTF-8 fails, GB18030 wins).
    page = f"<html><body><p>{TEXT}</p></body></html>"
    assert TEXT in read_document(page.encode("gb18030"), "a.html", content_type="text/html; charset=utf-8").text


def test_parse_passes_the_http_content_type_to_the_reader():
    import parsers

    text = "臺灣"  # too short to detect: alone, these Big5 bytes decode as other characters
    data = text.encode("big5")
    record = parsers.parse(data, "a.txt", content_type="text/plain; charset=big5")
    assert record.text == text
    assert parsers.parse(data, "a.txt").text != text


def _plausibility_reference(text: str, sample: int = 20000) -> float:
    """plausibility() as first written, one character at a time (the fast one must agree)."""
    from parsers.formats.encoding import _CJK, _ODD, _common_hanzi

    text = text[:sample]
    if not text:
        return 0.0
    cjk = _CJK.findall(text)
    common = sum(1 for ch in cjk if ch in _common_hanzi())
    bad = text.count("\ufffd") * 4 + len(_ODD.findall(text)) * 2
    control = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    return (common - (len(cjk) - common) - bad - 4 * control) / max(non_ascii, 1)


@pytest.mark.parametrize("text", [
    "", "plain ascii\r\n\t\f text", TEXT, "\x00\x01\x0b\x0c\x1f\x7f\x80 é ü ー 가 \ue000 ─ \ufffd",
    TEXT.encode("utf-8").decode("gb18030", "replace"),  # mojibake: UTF-8 read as GBK
    TEXT.encode("gb18030").decode("utf-8", "replace"),
    TEXT.encode("gb18030").decode("big5hkscs", "replace"),
    TEXT.encode("utf-8").decode("latin-1"),
    "㐀䶵一鿿豈﫿〇" + TEXT * 700,  # CJK range edges; longer than the 20,000-character sample
])
def test_plausibility_matches_the_per_character_definition(text):
    from parsers.formats.encoding import plausibility

    assert plausibility(text) == _plausibility_reference(text)
    assert plausibility(text, sample=50) == _plausibility_reference(text, sample=50)
