"""Pipeline steps: parse and archive (the same code as ``nianbao ingest``), then bookkeeping.

:class:`ParsePipeline` sends each fetched document to the parse pool
(``crawler.parsing.ParsePool``, size from ``NIANBAO_PARSE_WORKERS``, each job bounded in
time and memory) where ``crawler.parsing.process_job`` parses it (``parsers.parse``) and
archives it (``archive.ingest.archive_document``): the CPU-heavy work runs on every
core and never blocks the reactor. :class:`ArchivePipeline` counts the
events, batches 304s into ``mark_not_modified``, turns 404/410 of known reports into
``mark_gone`` (one writer thread), and when the spider closes ends each source's crawl
with ``finish_crawl`` (withdrawals only for complete crawls), then delivers pending alerts.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import html
import logging
import re
import os
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from urllib.parse import urldefrag, urljoin

from scrapy import signals

from crawler import state
from crawler.discovery import is_attachment
from crawler.items import GoneItem, NotModifiedItem, ReportItem
from crawler.parsing import JobFailed, ParsePool, not_modified_job, process_job, record_failure

logger = logging.getLogger(__name__)

NOT_MODIFIED_BATCH = 200
MAX_EVENTS_LISTED = 1000  # events listed in the summary (all are counted)


_ATTACHMENT_HREF = re.compile(
    rb"""href\s*=\s*["']?([^"'\s>]+\.(?:pdf|docx?|wps|xlsx?|ofd)(?:\?[^"'\s>]*)?)["'\s>]""", re.I)


def _unreached_attachments(session, source: str, listed: set[str]) -> bool:
    """Whether the source has archived report attachments that this crawl's listings did not show."""
    import sqlalchemy as sa

    from archive.models import Document, Source as SourceRow

    urls = session.execute(sa.select(Document.url).join(SourceRow, SourceRow.id == Document.source_id)
                           .where(SourceRow.name == source, Document.report_id.is_not(None))).scalars()
    return any(is_attachment(u) and u not in listed for u in urls)


def _attachments_of_unread_pages(session, listed: set[str], fetched: set[str]) -> set[str]:
    """Attachment URLs of listed pages that this crawl did not read in full (304, not due).

    Their attachments were not requested this time, yet they are still listed: read the
    links from the page's stored snapshot, so that ``finish_crawl`` does not take them
    for withdrawn.
    """
    import sqlalchemy as sa

    from archive import snapshots
    from archive.models import Document

    pages = [u for u in listed - fetched if not is_attachment(u)]
    found: set[str] = set()
    for start in range(0, len(pages), 500):
        rows = session.execute(sa.select(Document.url, Document.sha256)
                               .where(Document.url.in_(pages[start:start + 500]), Document.sha256.is_not(None)))
        for url, digest in rows.all():
            try:
                data = snapshots.load(session, digest)
            except Exception:  # noqa: BLE001 - a damaged snapshot only loses its links
                continue
            for match in _ATTACHMENT_HREF.finditer(data):
                found.add(urldefrag(urljoin(url, html.unescape(match.group(1).decode("latin-1"))))[0])
    return found


class ParsePipeline:
    """Parse and archive fetched documents in worker processes (``crawler.parsing.process_job``)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.workers = crawler.settings.getint("NIANBAO_PARSE_WORKERS") or os.cpu_count() or 1
        self.db_url = crawler.settings.get("NIANBAO_DB")
        self.pool = ParsePool.from_settings(crawler.settings, self.workers)
        # Documents handed to the pool and not done yet. The conditional-request
        # middleware holds new document requests back while this is at the limit, so
        # that downloads never run far ahead of parsing (memory stays flat).
        self.pending = 0
        self.backlog = crawler.settings.getint("NIANBAO_PARSE_BACKLOG") or 4 * self.workers

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        crawler.nianbao_parse_pipeline = pipeline
        return pipeline

    def open_spider(self):
        state.session_factory(self.crawler)  # migrate once, here, before the workers open it
        self.pool.start()

    def close_spider(self):
        # Not cancelled: the archive pipeline's last batch of 304s may be queued.
        self.pool.close()

    async def _record_failure(self, item: ReportItem, reason: str) -> dict:
        try:
            result = await asyncio.to_thread(record_failure, self.db_url, item, reason)
        except Exception as exc:  # noqa: BLE001 - the archive itself failed: counted, reported
            logger.error("%s: archiving failed: %s", item.url, exc)
            self.crawler.stats.inc_value("nianbao/errors")
            result = {"events": [], "archived": False, "parse_error": f"{reason}; archiving failed: {exc}"}
        return {**result, "template": None}

    async def process_item(self, item):
        if not isinstance(item, ReportItem):
            return item
        archive = self.crawler.nianbao_archive_pipeline
        item = replace(item, crawl_id=archive.crawl_ids.get(item.source))
        started = time.monotonic()
        self.pending += 1
        try:
            result = await self.pool.run(process_job, self.db_url, item, timeout=self.pool.timeout_for(item.data))
        except JobFailed as exc:
            # Killed for its time, or its worker died twice: the document is recorded as
            # failed with the reason (its bytes kept), and the crawl goes on.
            logger.error("%s: %s", item.url, exc)
            result = await self._record_failure(item, str(exc))
        except Exception as exc:  # noqa: BLE001 - one document's failure (e.g. the database) is reported
            logger.error("%s: archiving failed: %s", item.url, exc)
            self.crawler.stats.inc_value("nianbao/errors")
            result = {"events": [], "archived": False, "parse_error": f"archiving failed: {exc}", "template": None}
        finally:
            self.pending -= 1
        stats = self.crawler.stats
        stats.inc_value("nianbao/parsed")
        stats.inc_value("nianbao/process_seconds", time.monotonic() - started)
        for key in ("parse_seconds", "lock_seconds", "archive_seconds"):
            stats.inc_value(f"nianbao/{key}", result.get(key, 0.0))
        if result["parse_error"]:
            stats.inc_value("nianbao/parse_errors")
        if result.get("ocr"):
            stats.inc_value("nianbao/ocr_documents")  # scanned reports read by OCR
            stats.inc_value("nianbao/ocr_pages", result.get("ocr_pages", 0))
        stats.inc_value("nianbao/archived" if result["archived"] else "nianbao/not_report")
        return replace(item, data=b"", result=result)  # the bytes are archived: not kept in memory


class ArchivePipeline:
    """Store parsed documents, 304s and 404s in the archive; close each source's crawl."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.factory = state.session_factory(crawler)
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nianbao-archive")
        self.crawl_ids: dict[str, int] = {}
        self.not_modified: list[str] = []
        # Events: counted per kind and per source; the first MAX_EVENTS_LISTED kept for the
        # summary (a crawl of 20,000 new reports must not hold 20,000 dicts).
        self.event_counts: dict[str, int] = {}
        self.source_events: dict[str, dict[str, int]] = {}
        self.event_sample: list[dict] = []
        self.summary: dict = {}
        self.complete: dict[str, bool] = {}
        self.fetched: set[str] = set()  # URLs archived from a full (200) answer in this crawl

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        crawler.nianbao_archive_pipeline = pipeline  # the parse pipeline needs the crawl ids
        crawler.signals.connect(pipeline._spider_closed, signal=signals.spider_closed)
        return pipeline

    async def _in_writer(self, fn, *args):
        return await asyncio.wrap_future(self.writer.submit(fn, *args))

    # --- open / close ----------------------------------------------------------------

    def open_spider(self):
        from archive.bookkeeping import begin_crawl

        spider = self.crawler.spider
        with self.factory.begin() as session:
            for name in spider.sources:
                self.crawl_ids[name] = begin_crawl(session, name)

    async def close_spider(self):
        await self._flush_not_modified()

    async def _spider_closed(self, spider, reason):
        # After the pipelines closed, when the close reason is known: a crawl stopped early
        # (closespider_*, shutdown) is not complete and withdraws nothing.
        for name, events in await self._in_writer(self._finish, spider, reason):
            self._note_events(events, name)
        self.summary = self._summary(spider)
        started = self.crawler.stats.get_value("start_time")
        if started is not None:
            self.summary["elapsed"] = (dt.datetime.now(dt.timezone.utc) - started).total_seconds()
        self.crawler.nianbao_summary = self.summary
        await self._in_writer(self._deliver_alerts)
        self.writer.shutdown(wait=True)

    def _finish(self, spider, reason) -> list[tuple[str, list[dict]]]:
        from archive.bookkeeping import finish_crawl

        st = spider.crawl_state
        events: list[tuple[str, list[dict]]] = []
        stopped_early = reason not in (None, "finished")
        with self.factory.begin() as session:
            for name, crawl_id in self.crawl_ids.items():
                complete = not (stopped_early or spider.redis_mode or name in st["incomplete"])
                listed = set(st["listed"].get(name, ()))
                if _unreached_attachments(session, name, listed):
                    listed |= _attachments_of_unread_pages(session, listed, self.fetched)
                if not listed and not stopped_early and not spider.redis_mode:
                    # An empty listing is more likely a broken page than every report withdrawn.
                    complete = False
                    st["failed"].setdefault(name, "no annual report found from its start pages")
                    st["incomplete"].setdefault(name, "no report listed")
                if stopped_early:
                    st["incomplete"].setdefault(name, f"stopped early ({reason})")
                self.complete[name] = complete
                if name in getattr(spider, "unbounded", ()) and not stopped_early:
                    from crawler import holds

                    holds.release(spider.db_url, name)  # confirmed by a person, and crawled
                events.append((name, finish_crawl(session, crawl_id, listed_urls=listed, complete=complete)))
        return events

    def _deliver_alerts(self) -> None:
        try:
            from archive.alerts.outbox import deliver_pending
        except ImportError:
            return  # alerts not installed in this build
        try:
            result = deliver_pending(self.factory)
            logger.info("alerts: %s", result)
        except Exception as exc:  # noqa: BLE001 - a failing notifier must not fail the crawl
            logger.error("delivering alerts failed: %s", exc)

    # --- items -----------------------------------------------------------------------

    async def process_item(self, item):
        source = getattr(item, "source", None)
        if isinstance(item, ReportItem):
            self.fetched.add(item.url)
            events = (getattr(item, "result", None) or {}).get("events", [])
        elif isinstance(item, NotModifiedItem):
            self.crawler.stats.inc_value("nianbao/not_modified")
            self.not_modified.append(item.url)
            events = []
            if len(self.not_modified) >= NOT_MODIFIED_BATCH:
                await self._flush_not_modified()
        elif isinstance(item, GoneItem):
            self.crawler.stats.inc_value("nianbao/gone")
            events = await self._in_writer(self._gone, item)
        else:
            return item
        self._note_events(events, source)
        return item

    def _note_events(self, events: list[dict], source: str | None = None) -> None:
        spider = self.crawler.spider
        for event in events:
            kind = event.get("kind")
            self.crawler.stats.inc_value(f"nianbao/events/{kind}")
            self.event_counts[kind] = self.event_counts.get(kind, 0) + 1
            name = source
            if name is None and spider is not None:  # a batch of 304s: find the source by URL
                listed = spider.crawl_state["listed"]
                name = next((n for n in listed if event.get("url") in listed[n]), None)
            if name is not None:
                counts = self.source_events.setdefault(name, {})
                counts[kind] = counts.get(kind, 0) + 1
            if len(self.event_sample) < MAX_EVENTS_LISTED:
                self.event_sample.append(event)

    def _gone(self, item: GoneItem) -> list[dict]:
        from archive.bookkeeping import mark_gone

        with self.factory.begin() as session:
            return mark_gone(session, item.url, status=item.status)

    async def _flush_not_modified(self) -> None:
        urls, self.not_modified = self.not_modified, []
        if not urls:
            return
        db_url = self.crawler.settings.get("NIANBAO_DB")
        parse = getattr(self.crawler, "nianbao_parse_pipeline", None)
        try:
            # In a worker process: the crawling process keeps its CPU for the crawl.
            future = parse.pool.submit(not_modified_job, db_url, urls)
        except (AttributeError, RuntimeError, BrokenProcessPool):  # no pool (any more): do it here
            events = await self._in_writer(self._mark_not_modified, urls)
        else:
            try:
                events = await asyncio.wrap_future(future)
            except (OSError, RuntimeError, BrokenProcessPool) as exc:  # the worker died: do it here
                logger.warning("a parse worker failed on a batch of 304s (%s); recording them here", exc)
                events = await self._in_writer(self._mark_not_modified, urls)
        self._note_events(events)

    def _mark_not_modified(self, urls: list[str]) -> list[dict]:
        from archive.bookkeeping import mark_not_modified

        now = dt.datetime.now(dt.timezone.utc)
        events: list[dict] = []
        with self.factory.begin() as session:
            for url in urls:
                events += mark_not_modified(session, url, at=now)
        return events

    # --- summary ---------------------------------------------------------------------

    def _summary(self, spider) -> dict:
        stats = self.crawler.stats
        st = spider.crawl_state
        sources = {}
        for name in spider.sources:
            sources[name] = {
                "pages": st["pages"].get(name, 0),
                "listed": len(st["listed"].get(name, ())),
                "complete": self.complete.get(name, False),
                "incomplete_reason": st["incomplete"].get(name),
                "reports": len(st["reports"].get(name, ())),
                "refused": stats.get_value(f"nianbao/refused/{name}", 0),
                "failed": st["failed"].get(name),
                "blocked": st["blocked"].get(name),
                "errors": st["errors"].get(name, 0),
                "events": dict(self.source_events.get(name, {})),
            }
        total = sum(self.event_counts.values())
        return {
            "pages": stats.get_value("response_received_count", 0),
            "archived": stats.get_value("nianbao/archived", 0),
            "not_modified": stats.get_value("nianbao/not_modified", 0),
            "not_due": stats.get_value("nianbao/not_due", 0),
            "parse_errors": stats.get_value("nianbao/parse_errors", 0),
            "ocr_documents": stats.get_value("nianbao/ocr_documents", 0),
            "ocr_pages": stats.get_value("nianbao/ocr_pages", 0),
            "errors": stats.get_value("nianbao/errors", 0),
            "blocked": stats.get_value("nianbao/blocked", 0),
            # Requests refused by the origin guard (private addresses, other schemes).
            "refused": stats.get_value("nianbao/refused", 0),
            "events": dict(self.event_counts),
            # Worker seconds spent parsing, waiting for the SQLite write lock, archiving.
            "work_seconds": {key: round(stats.get_value(f"nianbao/{key}_seconds", 0.0), 1)
                             for key in ("parse", "lock", "archive")},
            # The browser path: pages rendered (by why), challenges solved, Chromium's peak memory.
            "browser": browser_summary(stats.get_stats()),
            "event_list": self.event_sample,
            "event_list_truncated": max(0, total - len(self.event_sample)),
            "sources": sources,
        }


def browser_summary(stats: dict) -> dict:
    """What the browser did in this crawl (empty when it was never needed)."""
    keys = {"nianbao/browser/launched": "launched", "nianbao/browser/list": "lists",
            "nianbao/browser/page": "pages", "nianbao/browser/challenge": "solves",
            "nianbao/challenge/solved": "challenges_passed", "nianbao/challenge/unsolvable": "challenges_failed",
            "nianbao/browser/unavailable": "unavailable", "nianbao/browser/peak_rss_mb": "peak_rss_mb",
            "nianbao/browser/peak_pss_mb": "peak_pss_mb",
            "nianbao/browser/recycled": "recycled", "nianbao/browser/refused": "refused"}
    return {name: stats[key] for key, name in keys.items() if key in stats}
