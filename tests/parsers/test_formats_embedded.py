"""Reports inside scripts and JSON: the string decoders, and pages/documents read through them.

The whole-report round trips (every cell, agency, dates, sections) are the layouts
``html_script_var``, ``html_document_write``, ``json_api``, ``jsonp_api`` and
``html_long_script`` in test_roundtrip.py; these are the pieces and the edges.
"""
from __future__ import annotations

import json

import pytest

import parsers
from parsers.formats import embedded, read_document, sniff

REPORT_P = "<p>一、总体情况</p><p>" + "本机关认真贯彻落实政府信息公开条例，持续推进政务公开工作。" * 3 + "</p>"


@pytest.mark.parametrize("literal, value", [
    (r"'a\'b'", "a'b"),
    (r'"a\"b\/c"', 'a"b/c'),
    (r"'\x3cp\x3e'", "<p>"),
    (r"'\u4e00\u3001'", "一、"),
    (r"'\u{4e00}\u{1F600}'", "一\U0001F600"),
    (r"'\ud83d\ude00'", "\U0001F600"),
    (r"'\n\t\r\\'", "\n\t\r\\"),
    ("'line\\\ncontinued'", "linecontinued"),
    (r"'\101\0'", "A\0"),
    (r"'\q'", "q"),  # an unknown escape is the character itself
    (r'"\x3c/p\x3e"', "</p>"),  # JavaScript-only escape in a double-quoted literal (not JSON)
])
def test_js_string_literals_decode(literal, value):
    assert embedded.decode_js_string(literal) == value


def test_strings_built_by_concatenation_push_and_append_are_one_value():
    script = """
    // a comment with a quote: don't
    var html = '<table>' +
        '<tr><td>一</td></tr>';
    html += '</table>';
    $('#zoom').html(html);
    var parts = []; parts.push("<p>"); parts.push("二</p>");
    var u = unescape('%u4E09%3Cbr%3E');
    /* 'not a string' */
    """
    assert list(embedded.js_strings(script)) == [
        "<table><tr><td>一</td></tr></table>", "#zoom", "<p>二</p>", "三<br>"]


def test_a_script_without_markup_or_chinese_costs_one_search():
    assert not embedded.might_hold_html("for (var i = 0; i < n; i++) { a[i] = 'x'; }")
    assert embedded.script_html("var a = '<p>短</p>';") == []  # too little text to be a report


def _page(body: str, head: str = "") -> bytes:
    return (f"<html><head><title>政务公开</title>{head}</head><body>"
            f"<div class='nav'>首页 政务公开</div>{body}</body></html>").encode("utf-8")


def test_script_html_is_read_where_the_script_stands():
    literal = json.dumps(REPORT_P)
    doc = read_document(_page(f"<h1>标题</h1><div id='zoom'><script>document.write({literal});</script></div>"
                              "<p>页面底部</p>"), "a.html")
    assert "一、总体情况" in doc.text and "持续推进政务公开工作" in doc.text


def test_script_html_already_shown_on_the_page_is_not_added_twice():
    literal = json.dumps(REPORT_P)
    doc = read_document(_page(f"<div id='zoom'>{REPORT_P}</div><script>var c = {literal};</script>"), "a.html")
    assert doc.text.count("一、总体情况") == 1


def test_textarea_and_template_scripts_hold_plain_html():
    escaped = REPORT_P.replace("<", "&lt;").replace(">", "&gt;")
    for holder in (f"<textarea style='display:none'>{escaped}</textarea>",
                   f"<script type='text/template'>{REPORT_P}</script>"):
        doc = read_document(_page(holder), "a.html")
        assert "持续推进政务公开工作" in doc.text, holder


def test_bare_javascript_source_is_read_as_its_strings():
    data = ("var content = " + json.dumps(REPORT_P) + ";\ndocument.getElementById('zoom').innerHTML = content;")
    doc = read_document(data.encode(), "content.js")
    assert "一、总体情况" in doc.text


def test_json_documents_are_sniffed_and_read():
    value = {"data": {"title": "某县人民政府2021年政府信息公开工作年度报告", "publishDate": 1643074200000,
                      "content": REPORT_P}}
    data = json.dumps(value, ensure_ascii=True).replace("/", "\\/").encode()
    assert sniff(data, "api") == "json"
    doc = read_document(data, "api")
    assert doc.title == value["data"]["title"]
    assert doc.published == "2022-01-25"  # epoch milliseconds, a Beijing date
    assert "持续推进政务公开工作" in doc.text
    assert sniff(b"cb(" + data + b");", "x.js") == "json"


def test_json_with_plain_text_content_is_read_as_text():
    text = "一、总体情况\n" + "本机关持续推进政务公开。" * 5
    doc = read_document(json.dumps({"title": "年度报告", "body": text}).encode(), "api")
    assert doc.format == "text" and doc.text.startswith("一、总体情况")


def test_damaged_json_is_read_as_what_it_otherwise_is():
    doc = read_document(b'{"content": "<p>\xe4\xb8\x80\xe3\x80\x81\xe6\x80\xbb\xe4\xbd\x93</p>", ', "api")
    assert doc.text  # no traceback; read as text


def test_json_without_report_text_is_no_report():
    record = parsers.parse(b'{"code": 0, "rows": [1, 2, 3]}', "api")
    assert record.template == "unknown" and record.facts == {}


def test_markup_after_a_long_script_is_sniffed_as_html():
    script = b"<script>" + b"var a = 1;\n" * 6000 + b"</script>"
    assert sniff(script + b"<table><tr><td>1</td></tr></table>", "index") == "html"
    assert sniff(b"var a = 1;\n" * 6000 + b"<html><body><p>x</p></body></html>", "page") == "html"
    # a stray tag deep in plain text does not make it a page
    assert sniff("一、总体情况\n".encode() * 3000 + b"a <p> b", "notes") == "text"
