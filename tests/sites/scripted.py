"""Fixture portal whose annual-report column is built by script, as many real ones are.

``/js/`` (a district portal, JPaaS/TRS "动静结合" style):

- home → 政务公开 hub → 政府信息公开年报 column. The column's static HTML holds an empty
  ``<ul id="list"></ul>`` and a script that fetches each page of the list as JSON
  (``/js/api/ndbg_N.json``) and draws it, with a script pager (``下一页`` runs
  ``go(n)``; on the last page it is a disabled ``<span>``);
- the list mixes reports with decoys (a notice about reports, a work plan);
- report pages: ordinary HTML; one whose body is an escaped string a script puts into
  ``innerHTML``; one whose body is written with ``document.write``; one published only
  as a PDF attachment.

Everything is static files: the browser's scripts fetch the JSON pages like any page.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import build
from crawler.sources import Source
from layouts.render_html import html_bytes
from layouts.render_pdf import pdf_bytes

PER_PAGE = 4
BASE = "/js/zwgk/ndbg/"

COLUMN_SCRIPT = """
<script type="text/javascript">
var current = 1;
function draw(d) {
  var list = document.getElementById('list'), pager = document.getElementById('pager');
  list.innerHTML = d.items.map(function (i) {
    return '<li><a href="' + i.url + '" title="' + i.title + '" target="_blank">' + i.title + '</a><span>' + i.date + '</span></li>';
  }).join('');
  var nav = '<a href="javascript:;" onclick="go(1)">首页</a>';
  if (d.page > 1) nav += '<a href="javascript:;" onclick="go(' + (d.page - 1) + ')">上一页</a>';
  nav += '<span class="num">' + d.page + '/' + d.pages + '</span>';
  nav += d.page < d.pages ? '<a href="javascript:;" onclick="go(' + (d.page + 1) + ')">下一页</a>'
                          : '<span class="disabled">下一页</span>';
  pager.innerHTML = nav;
}
function go(p) {
  var xhr = new XMLHttpRequest();
  xhr.open('GET', '/js/api/ndbg_' + p + '.json?_=' + Date.now());
  xhr.onload = function () { current = p; draw(JSON.parse(xhr.responseText)); };
  xhr.send();
}
go(1);
</script>"""


def entries() -> list[build.Entry]:
    """The column's reports (slug says the form: html, innerhtml, docwrite, pdf)."""
    E = build.Entry
    return [
        E("js", "js-html-1", "示例区发展和改革委员会", 2023, 61),
        E("js", "js-innerhtml", "示例区市场监督管理局", 2023, 62),
        E("js", "js-html-2", "示例区人力资源和社会保障局", 2022, 63),
        E("js", "js-docwrite", "示例区水务局", 2022, 64),
        E("js", "js-pdf", "示例区退役军人事务局", 2022, 65, form="pdf_only"),
        E("js", "js-html-3", "示例区城市管理委员会", 2021, 66),
        E("js", "js-html-4", "示例区科学技术局", 2021, 67),
    ]


def path_of(entry: build.Entry) -> str:
    return f"{BASE}{entry.year + 1}01/t{entry.year + 1}0120_{entry.seed}.html"


def _body_and_head(page: str) -> tuple[str, str]:
    head = re.search(r"<head>(.*?)</head>", page, re.S).group(1)
    body = re.search(r"<body>(.*?)</body>", page, re.S).group(1)
    return head, body


def _js_string(text: str) -> str:
    """A JavaScript string literal as CMS templates write them: every non-ASCII character escaped."""
    return json.dumps(text, ensure_ascii=True).replace("</", "<\\/")


def scripted_page(page: str, how: str) -> str:
    """The report page with its body moved into a script string (``innerhtml`` or ``docwrite``)."""
    head, body = _body_and_head(page)
    if how == "innerhtml":
        inner = (f'<div class="header">示例区人民政府</div><div id="zoom" class="article"></div>'
                 f'<script type="text/javascript">var content = {_js_string(body)};'
                 "document.getElementById('zoom').innerHTML = content;</script>"
                 '<div class="footer">主办单位：示例区人民政府办公室</div>')
    else:
        inner = (f'<div class="header">示例区人民政府</div><div class="article">'
                 f'<script type="text/javascript">document.write({_js_string(body)});</script></div>'
                 '<div class="footer">主办单位：示例区人民政府办公室</div>')
    return f"<!DOCTYPE html><html><head>{head}</head><body>{inner}</body></html>"


def write_report(root: Path, entry: build.Entry) -> list[str]:
    """The entry's page (and attachment); the URL paths of the documents it makes."""
    page_path = path_of(entry)
    page = root / page_path.lstrip("/")
    page.parent.mkdir(parents=True, exist_ok=True)
    report = build.report_of(entry)
    if entry.form == "pdf_only":
        name = f"P0{entry.year + 1}{entry.seed:04d}.pdf"
        (page.parent / name).write_bytes(pdf_bytes(report))
        page.write_text(build._stub(entry, name), encoding="utf-8")
        return [page_path, page_path.rsplit("/", 1)[0] + "/" + name]
    text = html_bytes(report).decode("utf-8")
    if entry.slug.endswith("innerhtml"):
        text = scripted_page(text, "innerhtml")
    elif entry.slug.endswith("docwrite"):
        text = scripted_page(text, "docwrite")
    page.write_text(text, encoding="utf-8")
    return [page_path]


def write(root: Path, reports: list[build.Entry] | None = None, column_extra: str = "") -> list[str]:
    """Write the portal under ``root/js``; the URL paths of every document it holds.
    ``column_extra``: more markup (scripts) for the column page."""
    reports = entries() if reports is None else reports
    d = root / "js"
    (d / "zwgk/ndbg").mkdir(parents=True, exist_ok=True)
    (d / "api").mkdir(parents=True, exist_ok=True)
    (d / "index.html").write_text(build._page("示例区人民政府", (
        '<ul class="nav"><li><a href="/js/index.html">首页</a></li><li><a href="/js/zwgk/index.html">政务公开</a></li>'
        '<li><a href="/js/news/index.html">新闻中心</a></li></ul>')), encoding="utf-8")
    (d / "zwgk/index.html").write_text(build._page("政务公开_示例区", (
        '<ul><li><a href="/js/zwgk/zn.html">政府信息公开指南</a></li>'
        '<li><a href="/js/zwgk/ndbg/index.html">政府信息公开年报</a></li></ul>')), encoding="utf-8")
    documents: list[str] = []
    items = []
    for title, name in build.DECOYS:
        (d / "zwgk/ndbg" / name).write_text(build._page(title, f"<h1>{title}</h1><p>各单位：请按要求做好相关工作。</p>"),
                                            encoding="utf-8")
        items.append({"url": BASE + name, "title": title, "date": "2023-12-01"})
    for entry in reports:
        documents += write_report(root, entry)
        items.append({"url": path_of(entry), "title": entry.title, "date": f"{entry.year + 1}-01-20"})
    pages = [items[i:i + PER_PAGE] for i in range(0, len(items), PER_PAGE)] or [[]]
    for n, chunk in enumerate(pages, start=1):
        (d / f"api/ndbg_{n}.json").write_text(json.dumps(
            {"page": n, "pages": len(pages), "total": len(items), "items": chunk}, ensure_ascii=False),
            encoding="utf-8")
    column = build._page("政府信息公开年报_示例区", (
        '<div class="crumb">当前位置：<a href="/js/index.html">首页</a> &gt; 政府信息公开年报</div>'
        '<div class="list-box"><ul id="list" class="list"></ul><div id="pager" class="pager"></div></div>'),
        script=COLUMN_SCRIPT + column_extra)
    (d / "zwgk/ndbg/index.html").write_text(column, encoding="utf-8")
    return documents


def sources_toml(base: str) -> str:
    return build.sources_text(Source("js-district", [f"{base}/js/index.html"]))
