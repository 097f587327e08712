"""Hostile documents, generated small: each is built to make a naive parser work without end
(span expansion, quadratic libxml2 paths, zip bombs, deep nesting, recursion).

``HOSTILE[name]() -> (bytes, file name)``. Used by test_parse_hostile.py (each must give a
record or a named one-line error, fast) and tests/benchmarks/bench_hostile.py (worst
time and peak memory, each in a fresh process).
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '</Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>')


def _docx(body: str, extra: Callable[[zipfile.ZipFile], None] | None = None) -> bytes:
    """A minimal DOCX whose document body is ``body`` (WordprocessingML, ``w:`` prefix)."""
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<w:document xmlns:w="{_W_NS}"><w:body>{body}</w:body></w:document>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", document)
        if extra:
            extra(archive)
    return buffer.getvalue()


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def _tc(text: str, props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{_p(text)}</w:tc>"


def html_spans() -> tuple[bytes, str]:
    """~9 KB of cells that each span 500 rows and 500 columns."""
    cell = '<td rowspan="500" colspan="500">0</td>'
    rows = "".join(f"<tr>{cell * 12}</tr>" for _ in range(20))
    return f"<html><body><p>年度报告</p><table>{rows}</table></body></html>".encode(), "spans.html"


def html_span_digits() -> tuple[bytes, str]:
    """A span written with 5,000 digits (Python's int() refuses 4,300)."""
    span = "9" * 5000
    return (f'<html><body><table><tr><td colspan="{span}">规章</td></tr><tr><td>1</td><td>2</td></tr>'
            f"</table></body></html>").encode(), "digits.html"


def html_attributes() -> tuple[bytes, str]:
    """200,000 attributes on one element (libxml2's duplicate check is quadratic)."""
    attrs = " ".join(f"a{i}" for i in range(200_000))
    return f"<html><body><p {attrs}>年度报告</p></body></html>".encode(), "attributes.html"


def html_attributes_quoted() -> tuple[bytes, str]:
    """The same, with a "<" and ">" inside every quoted value (to slip past a naive tag scan)."""
    attrs = " ".join(f'a{i}="<b>"' for i in range(200_000))
    return f"<html><body><p {attrs}>年度报告</p></body></html>".encode(), "attributes2.html"


def html_deep() -> tuple[bytes, str]:
    """100,000 nested elements."""
    depth = 100_000
    return ("<html><body>" + "<div>" * depth + "一、总体情况" + "</div>" * depth + "</body></html>").encode(), "deep.html"


def html_script_escapes() -> tuple[bytes, str]:
    """A script string of a million backslashes and a comment that never ends."""
    return ("<html><body><p>报告</p><script>var a = '<p>" + "\\\\" * 500_000 + "一二三四五六七八九十" * 10
            + "</p>'; /* " + "x" * 100_000 + "</script></body></html>").encode(), "escapes.html"


def html_too_big() -> tuple[bytes, str]:
    """17 MB of page (over the markup bound)."""
    return b"<html><body>" + ("<p>" + "报" * 1000 + "</p>").encode() * 5800 + b"</body></html>", "big.html"


def html_bad_bytes() -> tuple[bytes, str]:
    """A UTF-8 page with one invalid byte: read, with a warning."""
    page = "<html><body><h1>某县人民政府2021年政府信息公开工作年度报告</h1>" + "<p>一、总体情况。本机关持续推进政务公开。</p>" * 20
    data = page.encode()
    return data[:300] + b"\xff" + data[300:] + b"</body></html>", "bad.html"


def json_deep() -> tuple[bytes, str]:
    """JSON nested 100,000 deep."""
    return b"[" * 100_000 + b"]" * 100_000, "deep.json"


def mht_deep() -> tuple[bytes, str]:
    """A MIME HTML file of 2,000 nested multipart parts."""
    depth = 2000
    parts = [b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="b0"\r\n\r\n']
    for i in range(1, depth):
        parts.append(b'--b%d\r\nContent-Type: multipart/related; boundary="b%d"\r\n\r\n' % (i - 1, i))
    parts.append(b"--b%d\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>x</p></body></html>\r\n"
                 % (depth - 1))
    parts += [b"--b%d--\r\n" % i for i in range(depth - 1, -1, -1)]
    return b"".join(parts), "deep.mht"


def docx_gridspan() -> tuple[bytes, str]:
    """A 1.5 KB DOCX whose cells each span 100,000 grid columns."""
    row = "<w:tr>" + _tc("0", '<w:gridSpan w:val="100000"/>') * 4 + "</w:tr>"
    return _docx(_p("年度报告") + "<w:tbl>" + row * 3 + "</w:tbl>"), "gridspan.docx"


def docx_vmerge() -> tuple[bytes, str]:
    """A small DOCX of 400 rows × 30 columns of vertically merged cells (python-docx's
    row.cells is quadratic and recursive on these)."""
    first = "<w:tr>" + _tc("合并", '<w:vMerge w:val="restart"/>') * 30 + "</w:tr>"
    rest = ("<w:tr>" + _tc("", "<w:vMerge/>") * 30 + "</w:tr>") * 400
    return _docx(_p("年度报告") + "<w:tbl>" + first + rest + "</w:tbl>"), "vmerge.docx"


def docx_bomb() -> tuple[bytes, str]:
    """A DOCX with a part that inflates to 300 MB (written as a stream: the file is ~300 KB)."""
    def bomb(archive: zipfile.ZipFile) -> None:
        with archive.open("word/media/image1.png", "w", force_zip64=True) as part:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):
                part.write(chunk)

    return _docx(_p("年度报告"), bomb), "bomb.docx"


def docx_entries() -> tuple[bytes, str]:
    """A DOCX of 6,000 zip entries."""
    def many(archive: zipfile.ZipFile) -> None:
        for i in range(6000):
            archive.writestr(f"word/media/x{i}.bin", b"")

    return _docx(_p("年度报告"), many), "entries.docx"


def docx_deep() -> tuple[bytes, str]:
    """A DOCX whose body nests 10,000 content controls."""
    depth = 10_000
    body = "<w:sdt><w:sdtContent>" * depth + _p("年度报告") + "</w:sdtContent></w:sdt>" * depth
    return _docx(body), "deep.docx"


def docx_attributes() -> tuple[bytes, str]:
    """A DOCX whose paragraph carries 200,000 attributes."""
    attrs = " ".join(f'x{i}="1"' for i in range(200_000))
    return _docx(f"<w:p {attrs}><w:r><w:t>年度报告</w:t></w:r></w:p>"), "attributes.docx"


def pdf_pages() -> tuple[bytes, str]:
    """A PDF of 2,500 empty pages."""
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pageCompression=1)
    for _ in range(2500):
        canvas.showPage()
    canvas.save()
    return buffer.getvalue(), "pages.pdf"


HOSTILE: dict[str, Callable[[], tuple[bytes, str]]] = {
    f.__name__: f for f in (
        html_spans, html_span_digits, html_attributes, html_attributes_quoted, html_deep, html_script_escapes,
        html_too_big, html_bad_bytes, json_deep, mht_deep, docx_gridspan, docx_vmerge, docx_bomb,
        docx_entries, docx_deep, docx_attributes, pdf_pages)
}
