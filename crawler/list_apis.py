"""Listings that a page builds by script from a known CMS list API, read directly.

Recognised from the listing page's HTML and scripts (no browser needed):

- **Hanweb JPaaS** (大汉 新一代): an element ``<script url="/api-gateway/jpaas-publish-server/
  front/page/build/unit" queryData="{'webId':…,'pageId':…,'tplSetId':…,'tagId':…,…}">``.
  The list is ``GET <url>?<queryData>&paramJson={"pageNo":N,"pageSize":S}``, answered
  with JSON ``{"data": {"html": "<ul><li><a href=… title=…>…"}}`` whose pager element
  says ``rows`` (page size), ``count`` (records) and ``pageNo``.
- **Guangdong gkmlpt** (政府信息公开平台): ``…/gkmlpt/index#<column>``, hash-routed; the
  page's ``window._CONFIG`` carries ``SID`` and the column ``TREE``. The list is
  ``…/gkmlpt/api/all/<column>?page=N&sid=<SID>``, JSON ``{"classify": {…, "post_count"},
  "articles": [{"title", "url", "date", …}]}``. Without a ``#column`` in the URL, the
  tree's columns named like the annual-report column are read.
- **TRS 海云 "动静结合"**: the first page is static; the later ones come from the search
  API ``list2.trsapi`` called by a script with ``channelid``, ``classsql``
  (``"chnlid=1813"``), a page number and a page size; the answer is JSON with the
  documents (``doctitle``/``title``, ``docpuburl``/``url``) and a ``pagebar``
  (``pagecount``, ``total``).

Each answer is read the same tolerant way (:func:`api_links`): list entries of the JSON
with a title and a URL, and links of any HTML fragment it carries. Paging goes on until
a page brings nothing new (the spider's rule) or the stated page count is reached.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from urllib.parse import urlencode, urljoin, urlsplit

from crawler.discovery import Link, clean, is_column_title, links, parse_html

JPAAS_PATH = "/api-gateway/jpaas-publish-server/front/page/build/unit"
_JPAAS_TAG = re.compile(r"<[^<>]*?jpaas-publish-server/front/page/build/unit[^<>]*>", re.I | re.S)
# Cheap first tests for the patterns above and below, run on every listing page: each is
# a part of its pattern that begins with a character that has no case, which the regex
# engine searches for as a literal (a pattern that begins with a letter, under re.I, is
# tried at every position of the page: ~1 ms for a 30 KB page instead of ~0.05 ms).
_JPAAS_HINT = re.compile(r"-publish-server/front/page/build/unit", re.I)
_TRSAPI_HINT = re.compile(r"2\.trsapi", re.I)
_ATTR = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.S)
_PAIR = re.compile(r"""["']?(\w+)["']?\s*:\s*(?:"([^"]*)"|'([^']*)'|(-?\d+|null|true|false))""")
_GKMLPT = re.compile(r"^(.*?/gkmlpt)/", re.I)
_SID = re.compile(r"""["']?\bSID["']?\s*[:=]\s*["']?(\w+)""")
_TREE_ENTRY = re.compile(r"""\{[^{}]*?["']?\bid["']?\s*:\s*["']?(\d+)["']?[^{}]*?["']?\bname["']?\s*:\s*["']([^"']{1,60})["']""")
_TRSAPI_URL = re.compile(r"""["']([^"'\s<>]*?list2\.trsapi[^"'\s<>]*)["']""", re.I)
_OBJECT = re.compile(r"\{[^{}]{0,2000}\}", re.S)
_PAGER_ATTRS = re.compile(r"""<[^<>]*\bcount\s*=\s*["']?(\d+)[^<>]*>""", re.I)
_ROWS = re.compile(r"""\brows\s*=\s*["']?(\d+)""", re.I)
_PAGECOUNT_KEYS = ("pagecount", "pagetotal", "totalpage", "totalpages", "pages")
_TOTAL_KEYS = ("total", "totalcount", "post_count", "count", "recordcount", "totalrecord")
_URL_KEYS = ("url", "docpuburl", "post_url", "link", "href", "docurl", "puburl")
_TITLE_KEYS = ("title", "doctitle", "showtitle", "name", "subject")
MAX_ITEMS = 2000  # entries read from one answer (a hostile API cannot make us hold more)
MAX_DEPTH = 8


@dataclass
class ListApi:
    """A recognised list API of one column: enough to ask for any page of it."""

    kind: str  # "jpaas", "gkmlpt", "trsapi"
    endpoint: str  # absolute URL without the page parameters
    params: dict[str, str] = field(default_factory=dict)
    page_param: str = "page"
    page_size: int = 15
    first_page: int = 1  # the first page to ask the API for (TRS: 2, page 1 is the static page)

    def page_url(self, page: int) -> str:
        """The API URL of page ``page`` (1-based, as the CMSs count)."""
        params = dict(self.params)
        if self.kind == "jpaas":
            params["paramJson"] = json.dumps({"pageNo": page, "pageSize": self.page_size}, separators=(",", ":"))
        else:
            params[self.page_param] = str(page)
        return self.endpoint + ("&" if "?" in self.endpoint else "?") + urlencode(params)

    def to_dict(self) -> dict:
        """Plain data for request meta (JOBDIR pickles it)."""
        return asdict(self)


def _pairs(text: str) -> dict[str, str]:
    """``key: value`` pairs of a small JS object literal (no evaluation)."""
    out = {}
    for match in _PAIR.finditer(text[:4000]):
        value = next((g for g in match.groups()[1:] if g is not None), "")
        out[match.group(1)] = value
    return out


def jpaas(text: str, url: str) -> list[ListApi]:
    """Hanweb JPaaS unit requests of a page (one per list on it)."""
    found = []
    if not _JPAAS_HINT.search(text):
        return found
    for tag in _JPAAS_TAG.findall(text)[:10]:
        attrs = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3) for m in _ATTR.finditer(tag)}
        endpoint = attrs.get("url") or JPAAS_PATH
        params = _pairs(attrs.get("querydata", ""))
        if not params.get("pageId"):
            continue
        params = {k: v for k, v in params.items() if k != "paramJson"}
        found.append(ListApi("jpaas", urljoin(url, endpoint.split("?")[0]), params, page_size=15))
    return found


def gkmlpt(text: str, url: str) -> list[ListApi]:
    """gkmlpt column APIs of a ``…/gkmlpt/index[#column]`` page."""
    base = _GKMLPT.match(urlsplit(url)._replace(query="", fragment="").geturl())
    if not base or "_CONFIG" not in text and "gkmlpt" not in text.lower():
        return []
    sid = _SID.search(text)
    params = {"sid": sid.group(1)} if sid else {}
    fragment = urlsplit(url).fragment
    columns = [fragment] if fragment.isdigit() else []
    if not columns:
        columns = [cid for cid, name in _TREE_ENTRY.findall(text) if is_column_title(name)][:5]
    return [ListApi("gkmlpt", f"{base.group(1)}/api/all/{cid}", dict(params), page_size=0) for cid in columns]


def trsapi(text: str, url: str) -> list[ListApi]:
    """TRS ``list2.trsapi`` calls of a page's scripts (the page itself is page 1)."""
    match = _TRSAPI_HINT.search(text) and _TRSAPI_URL.search(text)
    if not match:
        return []
    params: dict[str, str] = {}
    for obj in _OBJECT.findall(text):
        if "channelid" in obj.lower():
            params = _pairs(obj)
            break
    if not any(k.lower() == "channelid" for k in params):
        return []
    page_param = next((k for k in params if k.lower() in ("page", "pageno", "curpage", "pagenum")), "page")
    size_key = next((k for k in params if k.lower() in ("prepage", "pagesize", "perpage")), None)
    size = int(params[size_key]) if size_key and params[size_key].isdigit() else 15
    params = {k: v for k, v in params.items() if k != page_param}
    return [ListApi("trsapi", urljoin(url, match.group(1)), params, page_param=page_param, page_size=size,
                    first_page=2)]


def find(text: str, url: str) -> list[ListApi]:
    """Every known list API the page calls."""
    return jpaas(text, url) + gkmlpt(text, url) + trsapi(text, url)


def _walk(data, items: list[tuple[str, str]], fragments: list[str], numbers: dict[str, int], depth: int = 0):
    if depth > MAX_DEPTH or len(items) >= MAX_ITEMS:
        return
    if isinstance(data, dict):
        lower = {str(k).lower(): v for k, v in data.items()}
        link = next((lower[k] for k in _URL_KEYS if isinstance(lower.get(k), str)), None)
        title = next((lower[k] for k in _TITLE_KEYS if isinstance(lower.get(k), str)), None)
        if link and title:
            items.append((link, title))
        for key, value in lower.items():
            if isinstance(value, int) and not isinstance(value, bool) and key in _PAGECOUNT_KEYS + _TOTAL_KEYS:
                numbers.setdefault(key, value)
            elif isinstance(value, str) and value.isdigit() and key in _PAGECOUNT_KEYS + _TOTAL_KEYS:
                numbers.setdefault(key, int(value))
            elif isinstance(value, str) and "<a" in value and "href" in value:
                fragments.append(value)
            elif isinstance(value, (dict, list)):
                _walk(value, items, fragments, numbers, depth + 1)
    elif isinstance(data, list):
        for value in data[:MAX_ITEMS]:
            _walk(value, items, fragments, numbers, depth + 1)


@dataclass
class ApiPage:
    """What one API answer listed."""

    links: list[Link]
    pages: int | None  # the page count it states, if any


def api_links(api: ListApi, body: str, url: str) -> ApiPage:
    """The links and stated page count of one list-API answer (JSON, or an HTML fragment)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        data = body  # some answer HTML (or JSONP-free text): read it as a fragment
    items: list[tuple[str, str]] = []
    fragments: list[str] = []
    numbers: dict[str, int] = {}
    if isinstance(data, str):
        fragments.append(data)
    else:
        _walk(data, items, fragments, numbers)
    found: list[Link] = []
    for link, title in items:
        try:
            absolute = urljoin(url, link.strip())
        except ValueError:
            continue
        if urlsplit(absolute).scheme in ("http", "https"):
            found.append(Link(absolute, clean(title)))
    pages = next((numbers[k] for k in _PAGECOUNT_KEYS if numbers.get(k)), None)
    total = next((numbers[k] for k in _TOTAL_KEYS if numbers.get(k)), None)
    for fragment in fragments[:20]:
        found += links(parse_html(fragment, url), url)
        pager = _PAGER_ATTRS.search(fragment)
        if pager and total is None:
            total = int(pager.group(1))
            rows = _ROWS.search(pager.group(0))
            if rows and int(rows.group(1)) > 0 and pages is None:
                pages = math.ceil(total / int(rows.group(1)))
    size = api.page_size or len(found)  # gkmlpt says no page size: this page's length
    if pages is None and total is not None and size > 0:
        pages = math.ceil(total / size)
    return ApiPage(found, pages)
