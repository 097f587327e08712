"""Generic discovery: which links on a government page lead to annual reports.

No per-site selectors: links are judged by their text (or ``title``) the way a reader
would — the annual-report column (政府信息公开年报, 信息公开年报, 年度报告), the disclosure
hub that holds it (政府信息公开, 政务公开), the reports themselves (an agency's annual
report of a year) and their attachments. Notices about reports (关于做好…年度报告工作的通知),
work plans (工作要点) and news are not reports. What a report title is (years, report
words, decoys, agency endings) is ``parsers.titles``' vocabulary, shared with the recognizer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import html as lxml_html

from parsers.titles import ARABIC_YEAR, CN_YEAR, DECOY, YEAR, is_report_title

# The annual-report column of a portal (a listing, no year of its own).
_COLUMN = re.compile(r"(信息公开|政务公开)?(工作)?(年度报告|年报)|年度工作报告")
# The disclosure hub that usually links to the column.
_HUB = re.compile(r"(政府信息公开|政务公开|信息公开)")
# One year's folder inside the column: "2023年", "2023年度", "二〇二三年度政府信息公开年报".
_YEAR_ONLY = re.compile(rf"^\s*({ARABIC_YEAR}|{CN_YEAR})\s*(年度?)?(政府信息公开)?(工作)?(年度报告|年报)?\s*$")
ATTACHMENT_EXTENSIONS = (".pdf", ".docx", ".doc", ".wps", ".xls", ".xlsx", ".ofd")
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "#", "data:")
_ASSET = re.compile(r"\.(css|js|png|jpe?g|gif|bmp|ico|svg|zip|rar|mp4|swf)(\?|$)", re.I)


@dataclass(frozen=True)
class Link:
    """A link of a page: absolute URL (no fragment) and its visible text or title."""

    url: str
    text: str


def clean(text: str) -> str:
    """Collapse white space (including full-width) in link text."""
    return re.sub(r"[\s\u3000\xa0]+", " ", text or "").strip()


def links(tree, base_url: str) -> list[Link]:
    """All followable links of a parsed page, with the longer of their text and title."""
    found: list[Link] = []
    seen: set[str] = set()
    for a in tree.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.lower().startswith(_SKIP_SCHEMES):
            continue
        try:
            url = urldefrag(urljoin(base_url, href))[0]
            if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
                continue
        except ValueError:  # a malformed href ("//[::1") costs that link, not the page
            continue
        text = clean(a.text_content())
        title = clean(a.get("title") or "")
        if len(title) > len(text):
            text = title
        key = url + "\0" + text
        if key in seen:
            continue
        seen.add(key)
        found.append(Link(url, text))
    return found


# Bounds of a page parsed in the crawling process (the reactor's thread): libxml2 is
# quadratic in the attributes of one element (200,000 of them took 34 s), so a tag longer
# than any real one is dropped before parsing; and past MAX_PAGE_CHARS the rest is not read.
MAX_TAG_CHARS = 8192
MAX_PAGE_CHARS = 8 * 1024 * 1024
_HUGE_TAG = re.compile(r"<[^<>]{%d,}>?" % MAX_TAG_CHARS)


def bounded(text: str) -> str:
    """``text`` without tags too long to be real and cut at :data:`MAX_PAGE_CHARS`."""
    text = text[:MAX_PAGE_CHARS]
    # Cheap first: an element with thousands of attributes needs thousands of '=' or of
    # white space between them (str.count is ~30x faster than the regex scan, which most
    # ordinary pages then skip).
    spaces = text.count(" ") + text.count("\n") + text.count("\t") + text.count("\r") + text.count("\f")
    if (text.count("=") > 2000 or spaces > 5000) and _HUGE_TAG.search(text):
        text = _HUGE_TAG.sub("", text)
    return text


def parse_html(text: str, base_url: str):
    """An lxml tree of a decoded page (empty tree for empty or unparsable text), bounded
    in time: see :func:`bounded`."""
    try:
        tree = lxml_html.fromstring(bounded(text) or "<html></html>", base_url=base_url)
    except (ValueError, lxml_html.etree.ParserError):
        tree = lxml_html.fromstring("<html></html>")
    return tree


# An attachment named in the query (``download.jsp?file=a.pdf``): one pattern for all the
# extensions (called for every link of every page, so compiled once).
_QUERY_ATTACHMENT = re.compile("(%s)(&|$)" % "|".join(re.escape(ext) for ext in ATTACHMENT_EXTENSIONS))


def is_attachment(url: str) -> bool:
    """A link to a document file a report may be published as."""
    parts = urlsplit(url)
    return parts.path.lower().endswith(ATTACHMENT_EXTENSIONS) or (
        bool(parts.query) and _QUERY_ATTACHMENT.search(parts.query.lower()) is not None)


def is_column_title(text: str) -> bool:
    """Whether a link text names the annual-report column (a listing, not one report)."""
    text = clean(text)
    if not text or len(text) > 30 or YEAR.search(text) or DECOY.search(text):
        return False
    return bool(_COLUMN.search(text))


def is_year_folder(text: str) -> bool:
    """A link to one year's folder inside the column (``2023年``, ``2023年度``)."""
    return bool(_YEAR_ONLY.match(clean(text))) and not is_report_title(text)


def is_hub_title(text: str) -> bool:
    """Whether a link text names the disclosure hub (政府信息公开, 政务公开, …)."""
    text = clean(text)
    return 0 < len(text) <= 20 and bool(_HUB.search(text)) and not DECOY.search(text)


def same_site(url: str, other: str) -> bool:
    """Same registrable site (``www.x.gov.cn`` and ``gaj.x.gov.cn`` are one site)."""
    a, b = urlsplit(url).hostname or "", urlsplit(other).hostname or ""

    def root(host: str) -> str:
        parts = host.split(".")
        keep = 4 if host.endswith((".gov.cn", ".com.cn", ".org.cn", ".edu.cn")) else 2
        return ".".join(parts[-keep + 1:]) if len(parts) >= keep else host

    return root(a) == root(b)


def is_page_link(url: str) -> bool:
    """A link that may be an HTML page (not a stylesheet, image or archive)."""
    return not _ASSET.search(urlsplit(url).path)


@dataclass
class PageLinks:
    """What discovery found on one page."""

    reports: list[Link]
    columns: list[Link]
    hubs: list[Link]
    year_folders: list[Link]
    attachments: list[Link]


def classify(page_links: list[Link], base_url: str) -> PageLinks:
    """Sort a page's links into reports, columns, hubs, year folders and attachments."""
    reports, columns, hubs, years, attachments = [], [], [], [], []
    for link in page_links:
        if is_attachment(link.url):
            attachments.append(link)
            if is_report_title(link.text):
                reports.append(link)
            continue
        if not is_page_link(link.url) or not same_site(link.url, base_url):
            continue
        if is_report_title(link.text):
            reports.append(link)
        elif is_column_title(link.text):
            columns.append(link)
        elif is_year_folder(link.text):
            years.append(link)
        elif is_hub_title(link.text):
            hubs.append(link)
    return PageLinks(reports, columns, hubs, years, attachments)
