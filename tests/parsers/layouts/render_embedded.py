"""A report held inside something else: the article as data the browser draws.

- ``script_var``: the article HTML in a single-quoted JavaScript string built by
  concatenation (``var content = '…' + '…'; $('#zoom').html(content)``), with the escapes
  a CMS template writes (``\\'``, ``\\/``, ``\\n``, some Chinese as ``\\uXXXX``);
- ``document_write``: ``document.write("…")`` with JavaScript-only escapes (``\\x3c``);
- ``json``: a JSON article API (``{"data": {"title": …, "content": "<p>\\u4e00…"}}``,
  ``\\/`` escaped as PHP writes it), or JSONP;
- ``long_script``: the page opens with tens of KB of inline script before any markup,
  and declares its GBK charset only after it.

The visible page holds only chrome; every cell of the report is in the data.
"""
from __future__ import annotations

import json
import random
import zlib

from .model import SourceReport
from .render_html import render_html

_ZOOM_OPEN = '<div class="TRS_Editor" id="zoom">'


def _rng(report: SourceReport, salt: str) -> random.Random:
    return random.Random(zlib.crc32(repr((report.agency, report.year, sorted(report.values.items()), salt)).encode()))


def split_article(report: SourceReport, **kw) -> tuple[str, str, str]:
    """The rendered page cut around its article: (before, article HTML, after)."""
    page = render_html(report, **kw)
    start = page.index(_ZOOM_OPEN) + len(_ZOOM_OPEN)
    end = page.index("</div>", start)  # the article holds <p> and <table> only
    return page[:start], page[start:end], page[end:]


def js_single_quoted(text: str, rng: random.Random) -> str:
    """A JavaScript single-quoted literal of ``text``, escaped as CMS templates do."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == "'":
            out.append("\\'")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "/":
            out.append("\\/")
        elif ord(ch) > 0x3000 and rng.random() < 0.3:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "'" + "".join(out) + "'"


def js_double_quoted(text: str) -> str:
    """A JavaScript double-quoted literal with ``\\x3c``/``\\x3e`` for the angle brackets
    (valid JavaScript, invalid JSON)."""
    body = json.dumps(text, ensure_ascii=False)[1:-1]
    return '"' + body.replace("<", "\\x3c").replace(">", "\\x3e") + '"'


def script_var_bytes(report: SourceReport) -> bytes:
    rng = _rng(report, "script_var")
    before, article, after = split_article(report)
    # Concatenated in pieces at line breaks, as templates emit long strings.
    lines = article.split("\n")
    pieces = [js_single_quoted(line + "\n", rng) for line in lines]
    script = ("<script type=\"text/javascript\">\n// 正文由模板输出, don't edit\nvar content = "
              + " +\n    ".join(pieces) + ";\n$('#zoom').html(content);\n</script>")
    return (before + "</div>" + script + "<div>" + after).encode("utf-8")


def document_write_bytes(report: SourceReport) -> bytes:
    before, article, after = split_article(report)
    script = f"<script>document.write({js_double_quoted(article)});</script>"
    return (before + script + after).encode("utf-8")


def json_bytes(report: SourceReport, *, jsonp: bool = False) -> bytes:
    _, article, _ = split_article(report)
    value = {"code": 200, "msg": "success", "data": {
        "id": 48213, "channelName": "政府信息公开年报", "title": report.title,
        "publishDate": f"{report.year + 1}-01-25 09:30:00", "content": article,
        "attachments": []}}
    # PHP's json_encode: non-ASCII as \uXXXX and "/" as "\/".
    text = json.dumps(value, ensure_ascii=True).replace("/", "\\/")
    if jsonp:
        text = f"jQuery1124023({text});"
    return text.encode("ascii")


def long_script_bytes(report: SourceReport) -> bytes:
    rng = _rng(report, "long_script")
    page = render_html(report, charset=None)
    filler = "\n".join(
        f"var menu{i} = {{id: {i}, name: '栏目{i}', url: '/col/col{i}/index.html', open: {str(i % 2 == 0).lower()}}};"
        for i in range(rng.randint(600, 1100)))
    head, rest = page.split("<html>", 1)
    # Tens of KB of script before any markup, and the charset declared only after it.
    page = (f"<script type=\"text/javascript\">\n{filler}\n</script>\n" + head + "<html>"
            + rest.replace("<head>", '<head><meta http-equiv="Content-Type" content="text/html; charset=gbk">', 1))
    return page.encode("gb18030")


# (name, make, file name, blanks drawable, slow): registered in layouts/__init__.py.
LAYOUT_SPECS = [
    ("html_script_var", script_var_bytes, "content_1234.html", True, False),
    ("html_document_write", document_write_bytes, "art_77.jsp", True, False),
    ("json_api", json_bytes, "getContent?id=48213", True, False),
    ("jsonp_api", lambda r: json_bytes(r, jsonp=True), "content.js", True, False),
    ("html_long_script", long_script_bytes, "index", True, False),
]
