"""Every crawl ends, whatever a portal serves.

- :class:`CrawlBounds` (spider middleware, on every request the spider yields): a
  **depth limit** per source — folder depth, not clicks: a column, a year folder, a
  report page that lists other reports each go one deeper, pagination of the same
  column does not (``max_depth``, default ``NIANBAO_MAX_DEPTH``); a **page budget** per
  source — distinct listing pages of all its columns together, which no sub-column
  resets (``max_pages``), so year folders that nest for ever (``2023年/`` →
  ``2023/2023/…``) end; and nothing more for a source that was stopped.
- :class:`NewReportBound` (downloader middleware, after the archive look-up): a bound on
  the new reports (report URLs the archive does not know) one source may add in one
  crawl (``max_new_reports``, default ``NIANBAO_MAX_NEW_REPORTS``). Beyond it the source
  is stopped, the summary says so (the source fails), and it is put on hold
  (:mod:`crawler.holds`): later crawls leave it out, raising no events for it, until a
  person runs ``nianbao sources confirm NAME``.

Listing loops are also caught by content in the spider (a listing page whose links read
exactly like an earlier one's is not followed further).
"""
from __future__ import annotations

import logging

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request

from crawler.bookkeeping import Bookkeeping

logger = logging.getLogger(__name__)



class SourceStopped(IgnoreRequest):
    """A request of a source that was stopped (over its bound, or on hold)."""


class CrawlBounds:
    """Spider middleware: depth limit and page budget per source (see the module doc)."""

    def __init__(self, crawler, book: Bookkeeping):
        self.crawler = crawler
        self.book = book
        self.default_depth = crawler.settings.getint("NIANBAO_MAX_DEPTH")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, Bookkeeping.of(crawler))

    def _admit(self, response, request: Request) -> Request | None:
        name = request.meta.get("source")
        source = self.book.sources.get(name)
        if source is None:
            return request
        stats = self.crawler.stats
        if self.book.stopped(name):
            stats.inc_value(f"nianbao/bounds/stopped/{name}")
            return None
        kind = request.meta.get("kind")
        if response is None:  # a start request
            depth = 0
        else:
            parent = response.meta.get("nianbao_depth", 0)
            same_column = (kind == "listing" and request.meta.get("page", 0) > 0
                           and request.meta.get("column") == response.meta.get("column"))
            same_page = request.url == response.url  # the same page again (through the browser)
            depth = parent if (same_column or same_page) else parent + 1
        request.meta["nianbao_depth"] = depth
        limit = source.max_depth or self.default_depth
        if depth > limit:
            stats.inc_value(f"nianbao/bounds/depth/{name}")
            self.book.incomplete(name, f"depth limit {limit} reached (at {request.url})")
            return None
        if kind in ("start", "listing"):
            budget = self.book.listing_budget(name)
            if request.url not in budget:
                if len(budget) >= source.max_pages:
                    stats.inc_value(f"nianbao/bounds/pages/{name}")
                    self.book.incomplete(name, f"page budget of {source.max_pages} listing pages spent")
                    return None
                budget.add(request.url)
        return request

    async def process_start(self, start):
        async for obj in start:
            if isinstance(obj, Request):
                obj = self._admit(None, obj)
            if obj is not None:
                yield obj

    def process_spider_output(self, response, result):
        for obj in result:
            if isinstance(obj, Request):
                obj = self._admit(response, obj)
            if obj is not None:
                yield obj

    async def process_spider_output_async(self, response, result):
        async for obj in result:
            if isinstance(obj, Request):
                obj = self._admit(response, obj)
            if obj is not None:
                yield obj


class NewReportBound:
    """Downloader middleware: stop a source that adds too many new reports in one crawl."""

    def __init__(self, crawler, book: Bookkeeping):
        self.crawler = crawler
        self.book = book
        self.default = crawler.settings.getint("NIANBAO_MAX_NEW_REPORTS")
        self.counts: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, Bookkeeping.of(crawler))

    def process_request(self, request):
        name = request.meta.get("source")
        if name is None:
            return None
        if self.book.stopped(name):
            raise SourceStopped(f"source {name} stopped: {request.url}")
        if (request.meta.get("kind") not in ("report", "attachment") or not request.meta.get("listed_as_report")
                or request.meta.get("nianbao_known") is not False or request.meta.get("nianbao_counted")):
            return None
        request.meta["nianbao_counted"] = True
        source = self.book.sources.get(name)
        limit = None if name in self.book.unbounded else (
            source.max_new_reports if source and source.max_new_reports else self.default)
        self.counts[name] = self.counts.get(name, 0) + 1
        if limit is not None and self.counts[name] > limit:
            self.book.stop(name, f"more than {limit} new reports in one crawl: stopped and put on hold, "
                                     f"no events until a person confirms (`nianbao sources confirm {name}`)")
            raise SourceStopped(f"source {name} stopped: {request.url}")
        return None
