"""The ``reports`` spider: from a portal's home page or annual-report column to the reports.

It only navigates (discovery in :mod:`crawler.discovery`, pagination in
:mod:`crawler.cms`) and yields items; parsing and archiving are pipeline steps.

What it sees of each source it sends as signals (:mod:`crawler.signals`), which the
crawl's bookkeeping (:class:`crawler.bookkeeping.Bookkeeping`, kept in JOBDIR) listens
to: the URLs its listings showed, the pages it read, and whether its crawl was complete
— a listing page that failed, a challenge page, or a listing cut at ``max_pages`` makes
it incomplete, and an incomplete crawl never withdraws anything. It calls no extension.
Sources on hold are left out by :class:`crawler.bounds.CrawlBounds`, which drops their
requests, start requests included.
"""
from __future__ import annotations

import hashlib
import logging
import time
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from crawler import cms, list_apis, rendering
from crawler import signals as crawl_signals
from crawler.failures import reason as failure_reason
from crawler.netguard import Refused
from crawler.discovery import Link, PageLinks, classify, is_attachment, links, parse_html
from crawler.items import GoneItem, NotModifiedItem, ReportItem
from crawler.sources import Source, load_sources, select
from parsers.titles import title_agency, title_year

logger = logging.getLogger(__name__)

# Known documents answer 304 (conditional request) or 404/410 (gone): the spider sees them.
DOCUMENT_STATUSES = [304, 404, 410]
MAX_HUBS_PER_PAGE = 6


class ReportsSpider(scrapy.Spider):
    """Discover annual-report columns, walk their listings, fetch reports and attachments.

    ``scrapy crawl reports -a sources=FILE -a source=NAME,NAME`` or ``nianbao crawl``.
    """

    name = "reports"

    def __init__(self, *args, sources: str | None = None, source: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._sources_arg = sources
        self._source_arg = [s for s in (source or "").split(",") if s]
        self.sources: dict[str, Source] = {}
        self.column_seen: dict[str, set[str]] = {}
        self.content_seen: dict[str, dict[str, str]] = {}  # source → listing content hash → first URL
        self.rendered_columns: set[str] = set()  # columns whose lists are built by script
        self.last_activity = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        path = spider._sources_arg or settings.get("NIANBAO_SOURCES_FILE")
        names = spider._source_arg or settings.getlist("NIANBAO_SOURCE_NAMES")
        spider.sources = {s.name: s for s in select(load_sources(path), names)}
        spider.redis_mode = bool(settings.get("NIANBAO_REDIS"))
        spider.idle_close = settings.getfloat("NIANBAO_REDIS_IDLE_CLOSE")
        spider.max_hops = settings.getint("NIANBAO_DISCOVERY_HOPS")
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        return spider

    def _tell(self, signal, source: str, **facts) -> None:
        """Send what the spider saw of ``source`` (:mod:`crawler.signals`) to whoever listens."""
        self.crawler.signals.send_catch_log(signal=signal, source=source, **facts)

    def _on_idle(self, spider):
        # With scrapy-redis, other workers may still add requests to the shared queue.
        if self.redis_mode and time.monotonic() - self.last_activity < self.idle_close:
            raise DontCloseSpider

    # --- requests -------------------------------------------------------------------

    def _request(self, url: str, callback, source: Source, kind: str, **meta) -> scrapy.Request:
        meta.update(source=source.name, kind=kind)
        if kind in ("report", "attachment"):
            meta["handle_httpstatus_list"] = DOCUMENT_STATUSES
        if kind == "listing" and (source.render or meta.get("column") in self.rendered_columns):
            meta.setdefault("nianbao_render", rendering.RENDER_LIST)
        if meta.get("nianbao_render") == rendering.RENDER_LIST:
            meta["max_pages"] = source.max_pages
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta)

    def _rendered(self, response, render: str, callback) -> scrapy.Request:
        """The same page again, through the browser (its content is built by script)."""
        meta = {k: v for k, v in response.meta.items() if k in (
            "source", "kind", "hops", "column", "page", "prev", "title", "agency", "year", "listed_as_report",
            "parent", "handle_httpstatus_list", "nianbao_checked")}
        meta["nianbao_render"] = render
        if render == rendering.RENDER_LIST:
            meta["max_pages"] = self._source(response).max_pages
        self.crawler.stats.inc_value(f"nianbao/needs_browser/{render}")
        return scrapy.Request(response.url, callback=callback, errback=self.on_error, meta=meta, dont_filter=True)

    async def start(self):
        for source in self.sources.values():  # those on hold: dropped by CrawlBounds
            for url in source.start_urls:
                render = {"nianbao_render": rendering.RENDER_LIST} if source.render else {}
                yield self._request(url, self.parse_start, source, "start", hops=0, **render)

    def _source(self, response) -> Source:
        return self.sources[response.meta["source"]]

    def _page(self, response) -> tuple[str, list[Link], int, object]:
        """The page's decoded text, its links (with Hanweb datastore records, and those of
        the further pages a script pager showed in the browser), how many records, its tree."""
        self.last_activity = time.monotonic()
        source = response.meta.get("source", "?")
        more = response.meta.get("nianbao_more_pages") or []
        self._tell(crawl_signals.pages_read, source, count=1 + len(more))
        text = response.text if hasattr(response, "text") else ""
        tree = parse_html(text, response.url)
        found = links(tree, response.url)
        for other in more:
            found += links(parse_html(other, response.url), response.url)
        records = cms.hanweb_records(text)
        if records:
            snippet = parse_html("<ul>" + "".join(records) + "</ul>", response.url)
            found = links(snippet, response.url) + found
        return text, found, len(records or []), tree

    def _needs_list_render(self, response, tree, found, records: int) -> bool:
        """A listing with no report link whose list a script builds (not yet rendered)."""
        if response.meta.get("nianbao_render") or found.reports or records or found.year_folders:
            return False
        if list_apis.find(getattr(response, "text", ""), response.url):
            return False  # a known CMS list API: read directly, no browser needed
        return rendering.list_built_by_script(tree)

    # --- callbacks ------------------------------------------------------------------

    def parse_start(self, response):
        """A home page, a disclosure hub, or the column itself: find the column (or be it)."""
        source = self._source(response)
        text, page_links, records, tree = self._page(response)
        found = classify(page_links, response.url)
        hops = response.meta.get("hops", 0)
        apis = list_apis.find(text, response.url)
        if not found.columns and self._needs_list_render(response, tree, found, records):
            # The start page may be the column itself, its list built by script.
            yield self._rendered(response, rendering.RENDER_LIST, self.parse_start)
        if found.reports or records or found.year_folders or apis:
            # The start page is a column itself (or a home page listing reports).
            if response.meta.get("nianbao_render") == rendering.RENDER_LIST:
                self.rendered_columns.add(response.url)
            yield from self._listing(response, source, text, page_links, records, column=response.url, page=0,
                                     found=found)
        for link in found.columns:
            if source.allows(link.url):
                yield self._request(link.url, self.parse_listing, source, "listing", column=link.url, page=0)
        if not found.columns and not found.year_folders and hops < self.max_hops:
            for link in found.hubs[:MAX_HUBS_PER_PAGE]:
                if source.allows(link.url):
                    yield self._request(link.url, self.parse_start, source, "start", hops=hops + 1)
        if not (found.reports or found.columns or found.hubs) and hops == 0 and (
                response.meta.get("nianbao_render") or not rendering.list_built_by_script(tree)):
            logger.warning("%s: no annual-report column or report link found at %s", source.name, response.url)
            self.crawler.stats.inc_value(f"nianbao/nothing_found/{source.name}")

    def parse_listing(self, response):
        """One page of an annual-report column (or of one year's folder in it)."""
        source = self._source(response)
        text, page_links, records, tree = self._page(response)
        found = classify(page_links, response.url)
        if self._needs_list_render(response, tree, found, records):
            yield self._rendered(response, rendering.RENDER_LIST, self.parse_listing)
            return
        if response.meta.get("nianbao_render") == rendering.RENDER_LIST:
            self.rendered_columns.add(response.meta["column"])
            if (response.meta.get("nianbao_browser") or {}).get("cut"):
                self._tell(crawl_signals.incomplete, source.name, reason=f"listing cut at max_pages={source.max_pages}")
        yield from self._listing(response, source, text, page_links, records,
                                 column=response.meta["column"], page=response.meta.get("page", 0), found=found)

    def _reports(self, source: Source, found, column: str) -> tuple[list[scrapy.Request], bool, str]:
        """Requests for the reports a listing page shows that its column has not shown
        yet; whether there were such; the fingerprint of the page's report set."""
        seen = self.column_seen.setdefault(column, set())
        reports = [link for link in found.reports if source.allows(link.url) or link.url in source.start_urls]
        fingerprint = hashlib.sha1("\n".join(sorted({l.url for l in reports})).encode()).hexdigest()
        new = [link for link in reports if link.url not in seen]
        if reports:
            self._tell(crawl_signals.listed, source.name, urls=[link.url for link in reports], reports=True)
        requests = []
        for link in new:
            seen.add(link.url)
            agency = title_agency(link.text) or source.agency
            meta = dict(title=link.text, agency=agency, year=title_year(link.text), listed_as_report=True)
            if is_attachment(link.url):
                requests.append(self._request(link.url, self.parse_document, source, "attachment", **meta))
            else:
                requests.append(self._request(link.url, self.parse_report, source, "report", **meta))
        return requests, bool(new), fingerprint

    def _listing(self, response, source: Source, text: str, page_links: list[Link], records: int,
                 column: str, page: int, found: PageLinks):
        """What a listing page (``found``: its links as :func:`classify` sorts them) leads to:
        its reports, its list API, year folders, and its next pages."""
        requests, any_new, fingerprint = self._reports(source, found, column)
        yield from requests
        if self._looped(source.name, page_links, response.url):
            return  # this listing already read under another URL: its links were followed once
        if page == 0:
            # A column whose list a script fetches from a known CMS API: read the API.
            for api in list_apis.find(text, response.url):
                if source.allows(api.page_url(api.first_page)):
                    yield self._request(api.page_url(api.first_page), self.parse_api, source, "listing",
                                        column=column, page=1, api=api.to_dict())
        for link in found.year_folders:
            if source.allows(link.url):
                yield self._request(link.url, self.parse_listing, source, "listing", column=link.url, page=0)
        # Pagination. A page that brings no report not seen before in this column (or
        # repeats the previous page) ends the walk: a listing that never ends cannot trap us.
        brought_new = any_new and fingerprint != response.meta.get("prev")
        if page > 0 and not brought_new:
            return
        nxt = page + 1
        targets: list[str] = []
        if page == 0:
            trs = cms.trs_pages(text, response.url, source.max_pages)
            targets += trs
            if len(trs) + 1 >= source.max_pages and cms.trs_pages(text, response.url, 10**6)[len(trs):]:
                self._tell(crawl_signals.incomplete, source.name, reason=f"listing cut at max_pages={source.max_pages}")
        targets += cms.next_links(page_links) + cms.query_pages(page_links, response.url)
        base = cms.hanweb_proxy_base(text, response.url)
        if base and records:
            start = cms.hanweb_next_start(response.url, records, cms.hanweb_total(text))
            if start is not None:
                targets.append(cms.hanweb_group_url(base, start))
        targets = [u for u in dict.fromkeys(targets) if u != response.url and source.allows(u)]
        if targets and nxt >= source.max_pages:
            self._tell(crawl_signals.incomplete, source.name, reason=f"listing cut at max_pages={source.max_pages}")
            return
        for url in targets:
            yield self._request(url, self.parse_listing, source, "listing", column=column, page=nxt,
                                prev=fingerprint)

    def _looped(self, source: str, page_links: list[Link], url: str) -> bool:
        """Whether a listing page reads exactly like an earlier one of the source at another
        URL (year folders nesting for ever, ``2023/2023/…``; a pager that repeats a page):
        a loop found by content, whatever the URLs."""
        def tail(link_url: str) -> str:
            parts = urlsplit(link_url)
            return parts.path.rsplit("/", 1)[-1] + "?" + parts.query

        content = hashlib.sha1("\n".join(f"{l.text}\t{tail(l.url)}" for l in page_links).encode()).hexdigest()
        first = self.content_seen.setdefault(source, {}).setdefault(content, url)
        if first != url:
            self.crawler.stats.inc_value(f"nianbao/listing_loops/{source}")
            logger.info("%s: %s reads like %s (a loop): not followed further", source, url, first)
            return True
        return False

    def parse_api(self, response):
        """One page of a column's list API (JPaaS, gkmlpt, TRS trsapi): its reports, then the next page."""
        source = self._source(response)
        self._page_count(source.name)
        api = list_apis.ListApi(**response.meta["api"])
        text = response.text if hasattr(response, "text") else response.body.decode("utf-8", "replace")
        answer = list_apis.api_links(api, text, response.url)
        found = classify(answer.links, response.url)
        column, page = response.meta["column"], response.meta.get("page", 1)
        requests, any_new, fingerprint = self._reports(source, found, column)
        yield from requests
        number = api.first_page + page - 1  # the CMS's own page number of this answer
        if not any_new or fingerprint == response.meta.get("prev"):
            return  # nothing new on this page: the list is exhausted (or loops)
        if answer.pages is not None and number >= answer.pages:
            return
        if page + 1 >= source.max_pages:
            self._tell(crawl_signals.incomplete, source.name, reason=f"listing cut at max_pages={source.max_pages}")
            return
        if not api.page_size:  # gkmlpt states no page size: the first page's length is it
            api.page_size = len(answer.links)
        url = api.page_url(number + 1)
        if source.allows(url):
            yield self._request(url, self.parse_api, source, "listing", column=column, page=page + 1,
                                api=api.to_dict(), prev=fingerprint)

    def _known_document_status(self, response, source: Source):
        """The item for a known document's answer that is no page: 304 (unchanged), 404/410 (gone)."""
        if response.status == 304:
            return NotModifiedItem(url=response.url, source=source.name)
        if response.status in (404, 410):
            return GoneItem(url=response.url, source=source.name, status=response.status)
        return None

    def _item(self, response, source: Source, attachments: list[str] | None = None) -> ReportItem:
        meta = response.meta
        header = response.headers.get
        return ReportItem(
            url=response.url, data=response.body, source=source.name,
            content_type=(header(b"Content-Type") or b"").decode("latin-1") or None,
            title=meta.get("title"), agency=meta.get("agency") or source.agency, year=meta.get("year"),
            etag=(header(b"ETag") or b"").decode("latin-1") or None,
            last_modified=(header(b"Last-Modified") or b"").decode("latin-1") or None,
            parent=meta.get("parent"), attachments=tuple(attachments or ()), region=source.region,
            listed_as_report=meta.get("listed_as_report", False),
        )

    def parse_report(self, response):
        """A report page: the page itself, and requests for its attachments."""
        source = self._source(response)
        if not hasattr(response, "text") or self._known_document_status(response, source) is not None:
            # A report link that serves a PDF/DOCX directly, or a known report's answer that is
            # no page (unchanged, gone): a document's answer.
            yield from self.parse_document(response)
            return
        text, page_links, records, tree = self._page(response)
        found = classify(page_links, response.url)
        if not response.meta.get("nianbao_render") and not found.attachments and (
                source.render or rendering.body_written_by_script(tree)):
            # The body is written by a script: the page as the browser shows it is the document.
            yield self._rendered(response, rendering.RENDER_PAGE, self.parse_report)
            return
        # The source's allow/deny rules apply to attachments too (a stranger's page links anywhere).
        attachments = [link for link in found.attachments if link.url != response.url and source.allows(link.url)]
        if attachments:
            self._tell(crawl_signals.listed, source.name, urls=[link.url for link in attachments], reports=False)
        yield self._item(response, source, [link.url for link in attachments])
        for link in attachments:
            yield self._request(
                link.url, self.parse_document, source, "attachment", parent=response.url,
                title=link.text if title_year(link.text) else response.meta.get("title"),
                agency=title_agency(link.text) or response.meta.get("agency"),
                year=title_year(link.text) or response.meta.get("year"), listed_as_report=False,
            )
        # Some "report" links lead to one year's list of several reports.
        others = [link for link in found.reports if link.url != response.url and not is_attachment(link.url)]
        if len(others) >= 2:
            yield from self._listing(response, source, text, page_links, records, column=response.url, page=0,
                                     found=found)

    def parse_document(self, response):
        """An attachment (PDF, DOCX, …) or a report served as a file."""
        source = self._source(response)
        status_item = self._known_document_status(response, source)
        if status_item is not None:
            yield status_item
            return
        self._page_count(source.name)
        yield self._item(response, source)

    def _page_count(self, source: str) -> None:
        self.last_activity = time.monotonic()
        self._tell(crawl_signals.pages_read, source, count=1)

    def on_error(self, failure):
        """A request failed for good (after retries): count it; a failed listing makes the crawl incomplete."""
        self.last_activity = time.monotonic()
        request = failure.request
        source, kind = request.meta.get("source", "?"), request.meta.get("kind")
        if failure.check(rendering.BrowserUnavailable):
            # One line for the source (the browser's own warning shows with -v).
            self._tell(crawl_signals.failed, source, reason=f"needs a browser; no browser: {failure.getErrorMessage()}")
            self.crawler.stats.inc_value(f"nianbao/needs_browser/skipped/{source}")
            return
        if failure.check(Refused):
            if kind in ("start", "listing"):
                self._tell(crawl_signals.failed, source, reason=f"refused {request.url}: {failure.value.reason}")
            return
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            # Not due for a re-check, disallowed by robots.txt, or blocked (already noted).
            if kind in ("start", "listing") and "robots.txt" in str(failure.value):
                self._tell(crawl_signals.failed, source, reason=f"robots.txt forbids {request.url}")
            return
        self._tell(crawl_signals.request_failed, source)
        self.crawler.stats.inc_value(f"nianbao/errors/{source}")
        self.crawler.stats.inc_value("nianbao/errors")
        if failure.check(HttpError):
            reason = f"{request.url} answered HTTP {failure.value.response.status}"
        else:
            reason = failure_reason(failure.value, request.url)
        if kind == "start":
            self._tell(crawl_signals.failed, source, reason=reason)
        elif kind == "listing":
            self._tell(crawl_signals.failed, source, reason=f"listing page failed: {reason}")
        logger.warning("%s: %s %s failed: %s", source, kind, request.url, reason)
