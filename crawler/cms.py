"""Pagination of Chinese government CMS listings, recognised from the page itself.

- TRS WCM: ``createPageHTML(34, 0, "index", "html")`` (also ``createPage(...)`` and the
  newer ``createPageHTML('div', 34, 0, 'index', 'html')``) → ``index_1.html`` …
  ``index_33.html``; older templates ``var countPage = 17; var currentPage = 0``.
- Hanweb (大汉): the list sits in ``<script type="text/xml"><datastore>`` as
  ``<record><![CDATA[<li>…]]></record>`` (sometimes entity-encoded); further records
  come from ``/module/web/jpage/dataproxy.jsp?startrecord=…&endrecord=…&perpage=…``
  (the ``<nextgroup>`` link carries the column's parameters), answered with XML
  that carries ``<totalrecord>``.
- ``下一页`` links, and ``?page=N`` (pageNo, PageIndex, currPage, pageNum) links.
"""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from crawler.discovery import Link, clean

_CREATE_PAGE = re.compile(
    r"createPage(?:HTML)?\s*\(\s*(?:['\"][^'\"]*['\"]\s*,\s*)?['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?"
    r"\s*,\s*['\"]([\w\-]+)['\"]\s*,\s*['\"](\w+)['\"]"
)
_COUNT_PAGE = re.compile(r"\b(?:countPage|pageCount|totalPage|totalPages)\s*=\s*['\"]?(\d+)")
_CURRENT_PAGE = re.compile(r"\bcurrentPage\s*=\s*['\"]?(\d+)")
_NEXT_TEXT = re.compile(r"^(下一页|下页|后一页|下一頁|>|›|»|next)$", re.I)
_PAGE_PARAMS = ("page", "pageno", "pageindex", "currpage", "pagenum", "curpage", "p")
HANWEB_GROUP = 45  # records per dataproxy request (the sites' own default: 3 pages of 15)
HANWEB_PROXY = "/module/web/jpage/dataproxy.jsp"
# ASCII-only case folding: the same test as "<recordset>" in text.lower(), without a lowered copy of the page.
_RECORDSET = re.compile(r"<recordset>", re.I | re.A)
_DATASTORE = re.compile(r"<datastore>(.*?)</datastore>", re.S | re.I)
_RECORD = re.compile(r"<record>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</record>", re.S | re.I)
_NEXTGROUP = re.compile(r"<nextgroup>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</nextgroup>", re.S | re.I)
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>|totalRecord\s*[:=]\s*['\"]?(\d+)", re.I)
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)


def trs_pages(text: str, url: str, limit: int) -> list[str]:
    """The other pages of a TRS listing (only from its first page, where the script says how many)."""
    match = _CREATE_PAGE.search(text)
    if match:
        count, current, base, ext = int(match.group(1)), int(match.group(2)), match.group(3), match.group(4)
    else:
        # "currentPage" first: a plain substring test, where the count's pattern (no
        # literal to search for) scans the whole page.
        count_match = "currentPage" in text and _COUNT_PAGE.search(text)
        if not count_match:
            return []
        current_match = _CURRENT_PAGE.search(text)
        count, current = int(count_match.group(1)), int(current_match.group(1)) if current_match else 0
        path = urlsplit(url).path
        name = path.rsplit("/", 1)[-1] or "index.html"
        base = re.sub(r"_\d+$", "", name.rsplit(".", 1)[0]) or "index"
        ext = name.rsplit(".", 1)[-1] if "." in name else "html"
    if current != 0:
        return []  # later pages repeat the same call: the first page already scheduled them
    count = min(count, limit)
    return [urljoin(url, f"{base}_{n}.{ext}") for n in range(1, count)]


def next_links(page_links: list[Link]) -> list[str]:
    """Targets of ``下一页`` (next page) links."""
    return [link.url for link in page_links if _NEXT_TEXT.match(clean(link.text))]


def _page_param(url: str) -> tuple[str, int] | None:
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if key.lower() in _PAGE_PARAMS and value.isdigit():
            return key, int(value)
    return None


def query_pages(page_links: list[Link], url: str) -> list[str]:
    """Links to other pages of the same listing by a page number in the query (``?page=N``)."""
    here = urlsplit(url)
    found = []
    for link in page_links:
        target = urlsplit(link.url)
        if target.netloc != here.netloc or target.path != here.path or link.url == url:
            continue
        if _page_param(link.url):
            found.append(link.url)
    return found


def with_page(url: str, page: int) -> str:
    """``url`` with its page-number parameter set to ``page``."""
    parts = urlsplit(url)
    param = _page_param(url)
    if not param:
        return url
    query = [(k, str(page) if k == param[0] else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def hanweb_records(text: str) -> list[str] | None:
    """The HTML snippets of a Hanweb datastore (``None`` when the page has none)."""
    store = _DATASTORE.search(text)
    if not store and not _RECORDSET.search(text):
        return None
    body = store.group(1) if store else text
    if "<record" not in body.lower() and "&lt;record" in body.lower():
        body = html.unescape(body)
    records = []
    for match in _RECORD.finditer(body):
        snippet = match.group(1) if match.group(1) is not None else match.group(2)
        if "<" not in snippet and "&lt;" in snippet:
            snippet = html.unescape(snippet)
        records.append(snippet)
    return records


def hanweb_total(text: str) -> int | None:
    """``totalRecord`` of a Hanweb column or dataproxy answer, if stated."""
    match = _TOTAL.search(text)
    return int(match.group(1) or match.group(2)) if match else None


def hanweb_proxy_base(text: str, url: str) -> str | None:
    """The dataproxy URL with the column's parameters (from ``<nextgroup>``), if the page has one."""
    match = _NEXTGROUP.search(text)
    if match:
        snippet = html.unescape(match.group(1) or match.group(2) or "")
        href = _HREF.search(snippet)
        if href and HANWEB_PROXY in href.group(1):
            return urljoin(url, html.unescape(href.group(1)))
    if HANWEB_PROXY in urlsplit(url).path:
        return url
    return None


def hanweb_group_url(base: str, start: int, per_page: int = 15) -> str:
    """A dataproxy request for records ``start`` … ``start + HANWEB_GROUP - 1``."""
    parts = urlsplit(base)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in ("startrecord", "endrecord", "perpage")]
    query += [("startrecord", str(start)), ("endrecord", str(start + HANWEB_GROUP - 1)), ("perpage", str(per_page))]
    return urlunsplit(parts._replace(query=urlencode(query)))


def hanweb_next_start(url: str, records_here: int, total: int | None) -> int | None:
    """Where the next dataproxy group starts, or ``None`` when the column is exhausted."""
    params = {k.lower(): v for k, v in parse_qsl(urlsplit(url).query)}
    if HANWEB_PROXY in urlsplit(url).path and params.get("startrecord", "").isdigit():
        start = int(params["startrecord"]) + HANWEB_GROUP
    else:
        start = records_here + 1
    if records_here == 0 or (total is not None and start > total):
        return None
    return start
