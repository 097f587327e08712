"""Fixture portals for the crawler tests, generated into a directory at test time.

Each CMS family the crawler must handle has a portal under its own path prefix of one
server (``tests/sites/server.py``):

- ``/trs/``: a city portal (home → 政务公开 hub → 政府信息公开年报 column), TRS listing paged
  by ``createPageHTML``; a multi-agency column (the agency comes from each title); a
  report published only as a PDF, one only as a DOCX; decoy notices (关于做好…年度报告…的
  通知, 政务公开工作要点); a report under a path robots.txt disallows; a page that answers
  503 once; a slow page.
- ``/hanweb/``: one agency's Hanweb column: records in ``<datastore>``, more from
  ``dataproxy.jsp`` (served by the server), one GBK page without charset.
- ``/next/``: a district listing walked by ``下一页`` links.
- ``/page/``: a ``?page=N`` listing that never ends (pages past the last repeat it).
- ``/years/``: a column of year folders (``2023年``), each listing that year's report.

Report pages and attachments are rendered from consistent generated records by the
parsers' layout generators (``tests/parsers/layouts``).
"""
from __future__ import annotations

import html
import json
import sys
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

_LAYOUTS = Path(__file__).resolve().parents[1] / "parsers"
if str(_LAYOUTS) not in sys.path:
    sys.path.insert(0, str(_LAYOUTS))

from crawler.sources import Source, source_toml  # noqa: E402
from layouts import sample_report  # noqa: E402
from layouts.render_docx import docx_bytes  # noqa: E402
from layouts.render_html import html_bytes  # noqa: E402
from layouts.render_pdf import pdf_bytes  # noqa: E402

PER_PAGE = 4


def sources_text(*sources: Source) -> str:
    """A sources file naming ``sources``, written as ``nianbao sources add`` writes one."""
    return "\n".join(source_toml(s) for s in sources)


@dataclass
class Entry:
    """One report of a portal."""

    site: str  # trs, hanweb, next, page
    slug: str
    agency: str
    year: int
    seed: int
    form: str = "html"  # html, html_gbk, pdf_only, docx_only
    revision: int = 0
    title_agency: bool = True  # the listing title names the agency
    private: bool = False  # under a robots.txt-disallowed path

    @property
    def title(self) -> str:
        name = self.agency if self.title_agency else ""
        return f"{name}{self.year}年政府信息公开工作年度报告"

    def path(self) -> str:
        """URL path of the report page (or file, for attachment-only listings)."""
        if self.site == "hanweb":
            return f"/hanweb/art/{self.year + 1}/1/20/art_100_{self.seed}.html"
        folder = "private" if self.private else f"{self.year + 1}01"
        if self.site == "years":
            return f"/years/gknb/{self.year}/t{self.year + 1}0120_{self.seed}.html"
        if self.site == "jpaas":
            return f"/jpaas/art/{self.year + 1}/1/20/art_500_{self.seed}.html"
        if self.site == "gkmlpt":
            return f"/gd/gkmlpt/content/0/{self.seed}/post_{self.seed}.html"
        if self.site == "trsapi":
            return f"/trsapi/zwgk/ndbg/{self.year + 1}01/t{self.year + 1}0120_{self.seed}.html"
        base = {"trs": "/trs/zwgk/gknb", "next": "/next/xxgk/ndbg", "page": "/page/info"}[self.site]
        return f"{base}/{folder}/t{self.year + 1}0120_{self.seed}.html"


def report_of(entry: Entry):
    """The generated report behind an entry (a revision changes one figure)."""
    template = "2019" if entry.year <= 2020 else "2021"
    report = sample_report(entry.seed, template=template, agency=entry.agency, year=entry.year)
    if entry.revision:
        values = dict(report.values)
        key = next(k for k in sorted(values) if k.startswith("active/") and isinstance(values[k], int)
                   and not k.endswith("/change"))
        values[key] = values[key] + 7 * entry.revision
        report = replace(report, values=values)
    return report


def _page(title: str, body: str, charset: str | None = "utf-8", script: str = "") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return (f"<!DOCTYPE html><html><head>{meta}<title>{html.escape(title)}</title></head><body>"
            f'<div class="header"><a href="index.html">首页</a></div>{body}{script}'
            f'<div class="footer">主办单位：示例市人民政府办公室　网站标识码：1100000000</div></body></html>')


def write_html(path: Path, title: str, body: str, script: str = "") -> None:
    """A page of a portal at ``path`` (its folders made)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_page(title, body, script=script), encoding="utf-8")


def _stub(entry: Entry, attachment: str) -> str:
    name = attachment.rsplit("/", 1)[-1]
    return _page(entry.title, f'<div class="article"><h1>{html.escape(entry.title)}</h1>'
                 f'<div class="TRS_Editor"><p>现将{html.escape(entry.title)}予以公布，详见附件。</p>'
                 f'<p>附件：<a href="./{name}">{html.escape(entry.title)}.{name.rsplit(".", 1)[1]}</a></p>'
                 "</div></div>")


def write_report(root: Path, entry: Entry) -> None:
    """The report page of an entry, and its attachment if it has one."""
    page = root / entry.path().lstrip("/")
    page.parent.mkdir(parents=True, exist_ok=True)
    report = report_of(entry)
    if entry.form == "html":
        page.write_bytes(html_bytes(report))
    elif entry.form == "html_gbk":
        page.write_bytes(html_bytes(report, "gb18030", declare=None))
    elif entry.form in ("pdf_only", "docx_only"):
        ext = "pdf" if entry.form == "pdf_only" else "docx"
        attachment = page.with_name(f"P0{entry.year + 1}{entry.seed:04d}.{ext}")
        attachment.write_bytes(pdf_bytes(report) if ext == "pdf" else docx_bytes(report))
        page.write_text(_stub(entry, attachment.name), encoding="utf-8")
    else:
        raise ValueError(entry.form)


def _li(entry: Entry, base_dir: str | None = None) -> str:
    """An entry as a listing shows it, its link relative when it is below ``base_dir``."""
    href = entry.path()
    if base_dir is not None and href.startswith(base_dir):
        href = "./" + href[len(base_dir):]
    title = html.escape(entry.title)
    return f'<li><a href="{href}" title="{title}" target="_blank">{title}</a><span>{entry.year + 1}-01-20</span></li>'


DECOYS = [
    ("关于做好2023年政府信息公开工作年度报告编制发布工作的通知", "notice.html"),
    ("2024年政务公开工作要点", "yaodian.html"),
]


def _decoy_pages(root: Path, folder: str) -> list[str]:
    items = []
    for title, name in DECOYS:
        write_html(root / folder / name, title, f"<h1>{title}</h1><p>各单位：请按要求做好相关工作。</p>")
        items.append(f'<li><a href="./{name}" title="{title}">{title}</a><span>2023-12-01</span></li>')
    return items


def _records(root: Path, portal: str, records: list) -> None:
    """The entries the server answers ``portal``'s list API or dataproxy with (see server.py)."""
    (root / portal).mkdir(parents=True, exist_ok=True)
    (root / portal / "records.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i:i + PER_PAGE] for i in range(0, len(items), PER_PAGE)] or [[]]


def write_trs(root: Path, entries: list[Entry]) -> None:
    base = "/trs/zwgk/gknb/"
    d = root / "trs"
    write_html(d / "index.html", "示例市人民政府门户网站", (
        '<ul class="nav"><li><a href="/trs/index.html">首页</a></li><li><a href="/trs/zwgk/index.html">政务公开</a></li>'
        '<li><a href="/trs/news/index.html">要闻动态</a></li></ul>'
        '<div class="news"><a href="/trs/news/1.html">市政府召开第十二次常务会议</a></div>'))
    write_html(d / "zwgk/index.html", "政务公开_示例市", (
        '<ul><li><a href="/trs/zwgk/zn.html">政府信息公开指南</a></li>'
        '<li><a href="/trs/zwgk/zd.html">政府信息公开制度</a></li>'
        '<li><a href="/trs/zwgk/gknb/index.html">政府信息公开年报</a></li>'
        '<li><a href="/trs/zwgk/fdzdgk.html">法定主动公开内容</a></li></ul>'))
    items = _decoy_pages(root, "trs/zwgk/gknb") + [_li(e, base) for e in entries]
    pages = _chunks(items)
    for i, chunk in enumerate(pages):
        name = "index.html" if i == 0 else f"index_{i}.html"
        script = (f'<script type="text/javascript">var currentPage = {i};var countPage = {len(pages)}'
                  f'\ncreatePageHTML({len(pages)}, {i}, "index", "html");</script>')
        write_html(d / "zwgk/gknb" / name, "政府信息公开年报", '<ul class="list">' + "".join(chunk) + "</ul>",
                   script=script)


def write_hanweb(root: Path, entries: list[Entry], embedded: int = 3) -> None:
    records = "".join(f"<record><![CDATA[{_li(e)}]]></record>" for e in entries[:embedded])
    body = ('<div id="328"><script type="text/xml"><datastore>'
            '<nextgroup><![CDATA[<a href="/hanweb/module/web/jpage/dataproxy.jsp?page=1&webid=1&path=/&columnid=100'
            '&unitid=328&webname=%E7%A4%BA%E4%BE%8B&permissiontype=0"></a>]]></nextgroup>'
            f"<recordset>{records}</recordset></datastore></script></div>"
            f'<script>var totalRecord = {len(entries)};</script>')
    write_html(root / "hanweb/col/col100/index.html", "政府信息公开年报_示例市教育局", body)
    _records(root, "hanweb", [_li(e) for e in entries])


def write_next(root: Path, entries: list[Entry]) -> None:
    base = "/next/xxgk/ndbg/"
    pages = _chunks([_li(e, base) for e in entries])
    for i, chunk in enumerate(pages):
        name = "list.html" if i == 0 else f"list_{i + 1}.html"
        nav = ""
        if i + 1 < len(pages):
            nav = f'<div class="page"><a href="list_{i + 2}.html">下一页</a><a href="list_{len(pages)}.html">尾页</a></div>'
        write_html(root / base.lstrip("/") / name, "年度报告_示例区", '<ul class="list">' + "".join(chunk) + "</ul>" + nav)


def write_page(root: Path, entries: list[Entry]) -> None:
    _records(root, "page", [_li(e) for e in entries])


def write_years(root: Path, entries: list[Entry]) -> None:
    """A column of year folders (``2023年``), each a listing of that year's reports."""
    d = root / "years/gknb"
    years = sorted({e.year for e in entries}, reverse=True)
    folders = "".join(f'<li><a href="./{y}/index.html">{y}年</a></li>' for y in years)
    write_html(d / "index.html", "政府信息公开年报", f'<ul class="years">{folders}</ul>')
    for y in years:
        items = "".join(_li(e, f"/years/gknb/{y}/") for e in entries if e.year == y)
        write_html(d / str(y) / "index.html", f"{y}年", f'<ul class="list">{items}</ul>')


# --- columns whose list a script fetches from a CMS list API (served by server.py) ---
# Each API answers API_PAGE_SIZE entries a page, whatever page size is asked for.
API_PAGE_SIZE = 2
JPAAS_QUERY = ("{'webId':'8d828e408d90447786ddbe128d495e9e','pageId':'c52d8862a87d454582ed7c46513978d9',"
               "'tplSetId':'209741b2109044b5b7695700b2bec37e','pageType':'column','tagId':'当前栏目_list',"
               "'editType':'null','parseType':'bulidstatic'}")
GKMLPT_SID = "755001"
GKMLPT_COLUMN = 7
TRS_CHANNEL = "247532"


def api_record(entry: Entry) -> dict:
    """One entry as the list APIs carry it (the server shapes it per CMS)."""
    return {"title": entry.title, "url": entry.path(), "date": f"{entry.year + 1}-01-20", "seed": entry.seed}


def write_jpaas(root: Path, entries: list[Entry]) -> None:
    """A Hanweb JPaaS column: an empty list container filled by unitbuild.js from the API."""
    body = ('<div class="column-list" id="当前栏目_list">'
            '<script url="/api-gateway/jpaas-publish-server/front/page/build/unit" '
            f'queryData="{JPAAS_QUERY}" src="/jpaas/static/unitbuild.js" type="text/javascript"></script></div>')
    write_html(root / "jpaas/col/col500/index.html", "政府信息公开年报_示例部", body)
    _records(root, "jpaas", [api_record(e) for e in entries])


def write_gkmlpt(root: Path, entries: list[Entry]) -> None:
    """A Guangdong gkmlpt platform: a hash-routed shell with the column tree in window._CONFIG."""
    tree = [{"id": 3, "name": "政策文件", "parent": 0}, {"id": GKMLPT_COLUMN, "name": "政府信息公开年报", "parent": 0},
            {"id": 9, "name": "政府信息公开指南", "parent": 0}]
    config = {"SID": GKMLPT_SID, "APP_URL": "/gd", "TREE": tree}
    script = f"<script>window._CONFIG = {json.dumps(config, ensure_ascii=False)};</script>"
    body = '<div id="app"></div><script src="/gd/gkmlpt/static/js/chunk-common.js"></script>'
    write_html(root / "gd/gkmlpt/index", "示例市政府信息公开平台", body, script=script)
    _records(root, "gd", [api_record(e) for e in entries])


def write_trsapi(root: Path, entries: list[Entry]) -> None:
    """A TRS column "动静结合": page 1 static, later pages from list2.trsapi by script."""
    first = "".join(_li(e, "/trsapi/zwgk/ndbg/") for e in entries[:API_PAGE_SIZE])
    script = ('<script type="text/javascript">\nvar searchParam = {"channelid": "' + TRS_CHANNEL + '", '
              '"searchword": "", "classsql": "chnlid=1813", "page": 1, "prepage": ' + str(API_PAGE_SIZE) + '};\n'
              'function loadPage(n) { searchParam.page = n; $.ajax({url: "/trsapi/trs-search/list2.trsapi", '
              'type: "get", data: searchParam, dataType: "json", success: function (res) { render(res.data); '
              'pagebar(res.pagebar); }}); }\n</script>')
    body = f'<ul class="list">{first}</ul><div id="pagebar"></div>'
    write_html(root / "trsapi/zwgk/ndbg/index.html", "年度报告_示例县", body, script=script)
    _records(root, "trsapi", [api_record(e) for e in entries])


def api_portals() -> "Portals":
    """The list-API portals: five reports behind each CMS's API."""
    e = [Entry("jpaas", f"jp-{i}", "示例部", 2024 - i, 60 + i, title_agency=False) for i in range(5)]
    e += [Entry("gkmlpt", f"gd-{i}", agency, 2023, 70 + i)
          for i, agency in enumerate(["示例市发展和改革局", "示例市教育局", "示例市科学技术局", "示例市公安局", "示例市民政局"])]
    e += [Entry("trsapi", f"ta-{i}", "示例县人民政府", 2024 - i, 80 + i) for i in range(5)]
    return Portals(e)


def api_sources_toml(base: str) -> str:
    """A sources file for the list-API portals served at ``base``."""
    return sources_text(
        Source("jpaas-dept", [f"{base}/jpaas/col/col500/index.html"], agency="示例部"),
        Source("gkmlpt-city", [f"{base}/gd/gkmlpt/index"], region="示例市"),
        Source("trsapi-county", [f"{base}/trsapi/zwgk/ndbg/index.html"], agency="示例县人民政府"),
    )


@dataclass
class Portals:
    """The state of all fixture portals (mutable between crawls)."""

    entries: list[Entry] = field(default_factory=list)

    def write(self, root: Path, only_changed: list[Entry] | None = None) -> None:
        """(Re)write the listings, and the report files that are missing or in ``only_changed``."""
        for e in self.entries:
            page = root / e.path().lstrip("/")
            if not page.exists() or (only_changed is not None and e in only_changed):
                write_report(root, e)
        by_site = lambda s: [e for e in self.entries if e.site == s]  # noqa: E731
        write_trs(root, by_site("trs"))
        write_hanweb(root, by_site("hanweb"))
        write_next(root, by_site("next"))
        write_page(root, by_site("page"))
        write_years(root, by_site("years"))
        if by_site("jpaas") or by_site("gkmlpt") or by_site("trsapi"):
            write_jpaas(root, by_site("jpaas"))
            write_gkmlpt(root, by_site("gkmlpt"))
            write_trsapi(root, by_site("trsapi"))
        (root / "robots.txt").write_text("User-agent: *\nDisallow: /trs/zwgk/gknb/private/\n", encoding="utf-8")

    def to_json(self) -> str:
        return json.dumps([asdict(e) for e in self.entries], ensure_ascii=False)


def default_portals() -> Portals:
    """The portals of the end-to-end test: 20 reports (one robots-disallowed), 5 kinds of listing."""
    e = [
        Entry("trs", "trs-gaj", "示例市公安局", 2022, 11),
        Entry("trs", "trs-jyj", "示例市教育局", 2022, 12),
        Entry("trs", "trs-pdf", "示例市财政局", 2022, 13, form="pdf_only"),
        Entry("trs", "trs-docx", "示例市民政局", 2021, 14, form="docx_only"),
        Entry("trs", "trs-gaj-old", "示例市公安局", 2021, 15),
        Entry("trs", "trs-private", "示例市审计局", 2022, 16, private=True),
        Entry("hanweb", "hw-1", "示例市交通运输局", 2023, 21, title_agency=False),
        Entry("hanweb", "hw-2", "示例市交通运输局", 2022, 22, title_agency=False, form="html_gbk"),
        Entry("hanweb", "hw-3", "示例市交通运输局", 2021, 23, title_agency=False),
        Entry("hanweb", "hw-4", "示例市交通运输局", 2020, 24, title_agency=False),
        Entry("hanweb", "hw-5", "示例市交通运输局", 2019, 25, title_agency=False),
        Entry("next", "nx-1", "示例区卫生健康委员会", 2023, 31),
        Entry("next", "nx-2", "示例区人民政府办公室", 2023, 32),
        Entry("next", "nx-3", "示例区住房和城乡建设局", 2022, 33),
        Entry("next", "nx-4", "示例区生态环境局", 2022, 34),
        Entry("next", "nx-5", "示例区应急管理局", 2021, 35),
        Entry("page", "pg-1", "示例县人民政府", 2023, 41),
        Entry("page", "pg-2", "示例县农业农村局", 2023, 42),
        Entry("page", "pg-3", "示例县司法局", 2022, 43),
        Entry("years", "yr-1", "示例市统计局", 2023, 51, title_agency=False),
        Entry("years", "yr-2", "示例市统计局", 2022, 52, title_agency=False),
    ]
    return Portals(e)


def sources_toml(base: str) -> str:
    """A sources file for the fixture portals served at ``base``."""
    return sources_text(
        Source("trs-city", [f"{base}/trs/index.html"], region="示例市"),
        Source("hanweb-jtj", [f"{base}/hanweb/col/col100/index.html"], agency="示例市交通运输局"),
        Source("next-district", [f"{base}/next/xxgk/ndbg/list.html"]),
        Source("page-county", [f"{base}/page/InfoPublic.aspx?cid=1&page=1"], max_pages=30),
        Source("years-tjj", [f"{base}/years/gknb/index.html"], agency="示例市统计局"),
        Source("challenged", [f"{base}/blocked/index.html"]),
        Source("challenged-jsl", [f"{base}/jsl/index.html"]),
    )
