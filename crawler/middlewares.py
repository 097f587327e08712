"""Downloader middlewares: retries with backoff, conditional requests, honest decoding.

- :class:`BackoffRetryMiddleware`: Scrapy's retry (5xx, timeouts), waiting 2, 4, 8 … s
  between attempts instead of retrying at once.
- :class:`ConditionalRequestMiddleware`: document requests wait while the parse pool
  is behind (backpressure); a known report page or attachment is fetched only when due (re-check by age, :class:`crawler.state.RecheckPolicy`) and then with
  ``If-None-Match`` / ``If-Modified-Since`` from the archive; listing pages are always
  read in full. The archive is consulted in a thread, off the reactor.
- :class:`EncodingMiddleware`: GBK/GB2312 pages with or without a charset decode right
  (Scrapy's own fallback garbles a GBK page without one).

Spider middlewares, on the requests the spider yields:

- :class:`RepeatedDocumentsMiddleware`: a document request for a URL already requested
  is dropped at once (not after the look-up and the engine, by the duplicate filter);
- :class:`ArchiveLookupSpiderMiddleware`: what the archive knows of a page's document
  requests, in one query.
"""
from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, TextResponse

from crawler import state
from crawler.bookkeeping import Bookkeeping

logger = logging.getLogger(__name__)

# Request kinds (request.meta["kind"]) whose URL is a document the archive keeps.
DOCUMENT_KINDS = ("report", "attachment")


class BackoffRetryMiddleware(RetryMiddleware):
    """Retry 5xx answers and timeouts after an exponentially growing pause."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff = settings.getfloat("NIANBAO_RETRY_BACKOFF")
        self.backoff_max = settings.getfloat("NIANBAO_RETRY_BACKOFF_MAX")

    async def _pause(self, retry):
        if retry is not None and self.backoff > 0:
            attempt = retry.meta.get("retry_times", 1)
            await asyncio.sleep(min(self.backoff * 2 ** (attempt - 1), self.backoff_max))
        return retry

    async def process_response(self, request, response):
        result = super().process_response(request, response)
        if result is response:
            return response
        return await self._pause(result)

    async def process_exception(self, request, exception):
        result = super().process_exception(request, exception)
        return await self._pause(result)


class _ArchiveLookups:
    """Base of the middlewares that ask the archive what it knows of a URL: the re-check
    policy from settings, the archive's read-only sessions (from the bookkeeping
    extension) and a thread pool for the (blocking) database look-ups."""

    lookup_threads = 1

    def __init__(self, crawler, book: Bookkeeping):
        self.crawler = crawler
        self.policy = state.RecheckPolicy.from_settings(crawler.settings)
        self.reads = book.archive.read_sessions
        self.executor = ThreadPoolExecutor(max_workers=self.lookup_threads,
                                           thread_name_prefix=f"nianbao-{type(self).__name__}")
        crawler.signals.connect(self._closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, Bookkeeping.of(crawler))

    def _closed(self, spider):
        self.executor.shutdown(wait=False)


class ConditionalRequestMiddleware(_ArchiveLookups):
    """Skip report pages that are not due; ask for the others conditionally."""

    lookup_threads = 2
    _parse = None

    def _parse_pipeline(self):
        """The parse pipeline, whose backlog holds document requests back (None: not enabled)."""
        if self._parse is None:
            from crawler.pipelines import ParsePipeline

            self._parse = self.crawler.get_item_pipeline(ParsePipeline) or False
        return self._parse or None

    async def process_request(self, request):
        if request.meta.get("kind") not in DOCUMENT_KINDS or request.meta.get("nianbao_checked"):
            return None
        request.meta["nianbao_checked"] = True  # retries and redirects do not ask again
        parse = self._parse_pipeline()
        while parse is not None and parse.pending >= parse.backlog:
            # Backpressure: the parse workers are behind; this request (and, with the
            # downloader's slots full, the frontier behind it) waits instead of filling memory.
            await asyncio.sleep(0.05)
        known = request.meta.pop("nianbao_doc", False)
        if known is False:  # not looked up in a batch by ArchiveLookupSpiderMiddleware
            future = self.executor.submit(state.lookup, self.reads, request.url, self.policy)
            known = await asyncio.wrap_future(future)
        # Whether the archive knows the URL (the new-report bound counts the unknown ones).
        request.meta["nianbao_known"] = known is not None
        due, etag, last_modified = known or (True, None, None)
        if not due:
            self.crawler.stats.inc_value("nianbao/not_due")
            raise IgnoreRequest(f"not due for a re-check: {request.url}")
        if etag:
            request.headers[b"If-None-Match"] = etag
        if last_modified:
            request.headers[b"If-Modified-Since"] = last_modified
        return None


def page_codec(body: bytes, content_type: str | None) -> str | None:
    """The codec that decodes this page's bytes right (``None``: undecidable).

    Fast path for the usual cases (valid UTF-8; a declared charset that decodes
    strictly), then the parsers' detection (``parsers.formats.encoding``), which trusts a
    declaration only as far as the bytes bear it out.
    """
    from parsers.formats.encoding import declared_charset, decode

    declared = declared_charset(body[:4096], content_type)
    if body.isascii():
        return declared or "utf-8"
    # A single-byte label (latin-1, windows-1252) decodes any bytes: never proof for a Chinese page.
    multibyte = declared if declared in ("gb18030", "big5hkscs", "utf-16", "euc_jp", "shift_jis") else None
    for codec in ("utf-8", multibyte):
        if codec:
            try:
                body.decode(codec)
                return codec
            except (UnicodeDecodeError, LookupError):
                pass
    try:
        text = decode(body, content_type)
    except Exception:  # noqa: BLE001 - an undecidable page keeps Scrapy's own guess
        return None
    for codec in ("gb18030", "big5hkscs", "utf-8"):
        try:
            if body.decode(codec) == text:
                return codec
        except UnicodeDecodeError:
            continue
    return None


class EncodingMiddleware:
    """Give text responses the encoding the parsers' detection finds (not Scrapy's guess)."""

    def process_response(self, request, response):
        if not isinstance(response, TextResponse) or not response.body:
            return response
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1") or None
        codec = page_codec(response.body, content_type)
        if codec and codec != response.encoding:
            return response.replace(encoding=codec)
        return response


def _document_request(obj) -> bool:
    """Whether ``obj`` is a request for a document that the duplicate filter would drop when
    its URL was requested before (GET, no body, not ``dont_filter``)."""
    return (isinstance(obj, Request) and obj.meta.get("kind") in DOCUMENT_KINDS and not obj.dont_filter
            and obj.method == "GET" and not obj.body)


class RepeatedDocumentsMiddleware:
    """Spider middleware: drop a document request for a URL already requested in this crawl.

    Every report page of a portal links the other years' reports (and a listing may show
    one twice): those requests would go on through the spider middlewares, the archive
    look-up and the engine only for the scheduler's duplicate filter to drop them — ~1 ms
    of the reactor's CPU a page. Placed after :class:`crawler.bounds.CrawlBounds`, it
    remembers only requests that passed the crawl's bounds, so that a request it drops is
    one the duplicate filter would drop: the same URL (GET, no body, not ``dont_filter``)
    went on from here before, and nothing downstream of it drops a request but the
    duplicate filter (``DEPTH_LIMIT`` is not used: the depth bound is ``CrawlBounds``').

    The URLs are the crawl's one set of requested documents (``Bookkeeping.requested``),
    which :class:`ArchiveLookupSpiderMiddleware` reads too. A URL goes in once the request
    went on: after the middlewares downstream took it, so that the look-up holds it as new.
    """

    def __init__(self, crawler, book: Bookkeeping):
        self.crawler = crawler
        self.requested = book.requested

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, Bookkeeping.of(crawler))

    def _repeated(self, obj) -> bool:
        if _document_request(obj) and obj.url in self.requested:
            self.crawler.stats.inc_value("nianbao/repeated_requests")
            return True
        return False

    def _went_on(self, obj) -> None:
        if _document_request(obj):
            self.requested.add(obj.url)

    def process_spider_output(self, response, result):
        for obj in result:
            if not self._repeated(obj):
                yield obj
                self._went_on(obj)

    async def process_spider_output_async(self, response, result):
        async for obj in result:
            if not self._repeated(obj):
                yield obj
                self._went_on(obj)


class ArchiveLookupSpiderMiddleware(_ArchiveLookups):
    """Spider middleware: look up in one query what the archive knows of all the document
    requests one listing page yields (instead of one query per request downstream).

    A URL is looked up here once: a page that links documents already requested (a
    report page's links to the other years' reports, on every report page) yields
    requests that the scheduler's duplicate filter drops, and a look-up for them (a
    thread and a query a page) would be wasted. The URLs requested are the crawl's one set
    (``Bookkeeping.requested``): :class:`RepeatedDocumentsMiddleware`, upstream, puts in
    those that went on (and drops their repeats), this middleware those it looked up. A
    request passed on alone is not looked up here: should it reach the downloader,
    :class:`ConditionalRequestMiddleware` looks it up."""

    def __init__(self, crawler, book: Bookkeeping):
        super().__init__(crawler, book)
        self.requested = book.requested

    def _holds(self, obj) -> bool:
        return (_document_request(obj) and "nianbao_doc" not in obj.meta and not obj.meta.get("nianbao_checked")
                and obj.url not in self.requested)

    def _urls(self, held: list[Request]) -> list[str]:
        urls = [r.url for r in held]
        self.requested.update(urls)
        return urls

    def _annotate(self, held: list[Request], known: dict) -> list[Request]:
        for request in held:
            request.meta["nianbao_doc"] = known.get(request.url)  # None: unknown, hence due
        return held

    def process_spider_output(self, response, result):
        held = []
        for obj in result:
            if self._holds(obj):
                held.append(obj)
            else:
                yield obj
        if len(held) > 1:
            held = self._annotate(held, state.lookup_many(self.reads, self._urls(held), self.policy))
        yield from held

    async def process_spider_output_async(self, response, result):
        held = []
        async for obj in result:
            if self._holds(obj):
                held.append(obj)
            else:
                yield obj
        if len(held) > 1:
            future = self.executor.submit(state.lookup_many, self.reads, self._urls(held), self.policy)
            held = self._annotate(held, await asyncio.wrap_future(future))
        for request in held:
            yield request
