"""Pipeline steps: parse (in a process pool) and archive (the same code as ``nianbao ingest``).

:class:`ParsePipeline` runs ``parsers.parse`` in a ``ProcessPoolExecutor`` (size from
``NIANBAO_PARSE_WORKERS``) and awaits it, so that extraction (~25 ms a page) never
blocks the reactor. :class:`ArchivePipeline` hands each parsed item to
``archive.service.archive_document`` in one writer thread, batches 304s into
``mark_not_modified``, turns 404/410 of known reports into ``mark_gone``, and at the end
closes each source's crawl with ``finish_crawl`` (withdrawals only for complete crawls),
then delivers pending alerts.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import html
import logging
import re
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from urllib.parse import urldefrag, urljoin

from scrapy import signals

from crawler import state
from crawler.discovery import is_attachment
from crawler.items import GoneItem, NotModifiedItem, ReportItem
from crawler.parsing import parse_job, warm_up

logger = logging.getLogger(__name__)

NOT_MODIFIED_BATCH = 200


_ATTACHMENT_HREF = re.compile(
    rb"""href\s*=\s*["']?([^"'\s>]+\.(?:pdf|docx?|wps|xlsx?|ofd)(?:\?[^"'\s>]*)?)["'\s>]""", re.I)


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
    """Parse fetched documents in worker processes."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.workers = crawler.settings.getint("NIANBAO_PARSE_WORKERS") or os.cpu_count() or 1
        self.pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn, not fork: the crawling process has a reactor and threads running.
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))

    def open_spider(self):
        self.pool = self._new_pool()
        for _ in range(self.workers):
            self.pool.submit(warm_up)

    def close_spider(self):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    async def process_item(self, item):
        if not isinstance(item, ReportItem):
            return item
        started = time.monotonic()
        try:
            item.record, item.parse_error = await asyncio.wrap_future(self.pool.submit(parse_job, item.body, item.url))
        except BrokenProcessPool:
            logger.error("the parse worker pool broke (a worker died); starting a new one")
            self.pool = self._new_pool()
            item.record, item.parse_error = None, "parser worker died on this document"
        self.crawler.stats.inc_value("nianbao/parsed")
        self.crawler.stats.inc_value("nianbao/parse_seconds", time.monotonic() - started)
        if item.parse_error:
            self.crawler.stats.inc_value("nianbao/parse_errors")
        return item


class ArchivePipeline:
    """Store parsed documents, 304s and 404s in the archive; close each source's crawl."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.factory = state.session_factory(crawler)
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nianbao-archive")
        self.crawl_ids: dict[str, int] = {}
        self.not_modified: list[str] = []
        self.events: list[dict] = []
        self.summary: dict = {}
        self.complete: dict[str, bool] = {}
        self.fetched: set[str] = set()  # URLs archived from a full (200) answer in this crawl

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline._spider_closed, signal=signals.spider_closed)
        return pipeline

    async def _in_writer(self, fn, *args):
        return await asyncio.wrap_future(self.writer.submit(fn, *args))

    # --- open / close ----------------------------------------------------------------

    def open_spider(self):
        from archive.service import begin_crawl

        spider = self.crawler.spider
        with self.factory.begin() as session:
            for name in spider.sources:
                self.crawl_ids[name] = begin_crawl(session, name)

    async def close_spider(self):
        await self._flush_not_modified()

    async def _spider_closed(self, spider, reason):
        # After the pipelines closed, when the close reason is known: a crawl stopped early
        # (closespider_*, shutdown) is not complete and withdraws nothing.
        finished = await self._in_writer(self._finish, spider, reason)
        self._note_events(finished)
        self.summary = self._summary(spider)
        self.crawler.nianbao_summary = self.summary
        await self._in_writer(self._deliver_alerts)
        self.writer.shutdown(wait=True)

    def _finish(self, spider, reason) -> list[dict]:
        from archive.service import finish_crawl

        st = spider.crawl_state
        events: list[dict] = []
        stopped_early = reason not in (None, "finished")
        with self.factory.begin() as session:
            for name, crawl_id in self.crawl_ids.items():
                complete = not (stopped_early or spider.redis_mode or name in st["incomplete"])
                listed = set(st["listed"].get(name, ()))
                listed |= _attachments_of_unread_pages(session, listed, self.fetched)
                if complete and not listed:
                    # An empty listing is more likely a broken page than every report withdrawn.
                    complete = False
                    st["incomplete"].setdefault(name, "no report listed")
                if stopped_early:
                    st["incomplete"].setdefault(name, f"stopped early ({reason})")
                self.complete[name] = complete
                events += finish_crawl(session, crawl_id, listed_urls=listed, complete=complete)
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
        if isinstance(item, ReportItem):
            self.fetched.add(item.url)
            events = await self._in_writer(self._archive, item)
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
        self._note_events(events)
        return item

    def _note_events(self, events: list[dict]) -> None:
        for event in events:
            self.events.append(event)
            self.crawler.stats.inc_value(f"nianbao/events/{event.get('kind')}")

    def _archive(self, item: ReportItem) -> list[dict]:
        from archive.service import archive_document, document_validators
        from parsers import Record

        record = Record.from_dict(item.record) if item.record else None
        if record is not None and item.attachments and not record.facts and record.template != "unknown":
            # A stub page ("详见附件") names the report but holds none of its tables: the
            # report is its attachment, archived on its own; the page is kept as a document.
            record.template = "unknown"
        with self.factory.begin() as session:
            is_report = record is not None and record.template != "unknown"
            # A page found by a report title is kept even when it is no report itself (a
            # stub whose report is its attachment): its snapshot tells later crawls, which
            # only get a 304 for it, which attachments it lists.
            if not is_report and not item.listed_as_report:
                if document_validators(session, item.url) is None:
                    # A page that is no report (a stub whose report is its attachment, a
                    # notice that slipped through): not archived unless the archive knows it.
                    self.crawler.stats.inc_value("nianbao/not_report")
                    return []
            self.crawler.stats.inc_value("nianbao/archived")
            return archive_document(
                session, url=item.url, data=item.body, content_type=item.content_type, record=record,
                parse_error=item.parse_error, source=item.source, agency=item.agency, year=item.year,
                etag=item.etag, last_modified=item.last_modified,
                fetched_at=dt.datetime.now(dt.timezone.utc), crawl_id=self.crawl_ids.get(item.source),
            )

    def _gone(self, item: GoneItem) -> list[dict]:
        from archive.service import mark_gone

        with self.factory.begin() as session:
            return mark_gone(session, item.url, status=item.status)

    async def _flush_not_modified(self) -> None:
        urls, self.not_modified = self.not_modified, []
        if urls:
            await self._in_writer(self._mark_not_modified, urls)

    def _mark_not_modified(self, urls: list[str]) -> None:
        from archive.service import mark_not_modified

        now = dt.datetime.now(dt.timezone.utc)
        with self.factory.begin() as session:
            for url in urls:
                mark_not_modified(session, url, at=now)

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
                "blocked": st["blocked"].get(name),
                "errors": st["errors"].get(name, 0),
                "events": {},
            }
        for event in self.events:
            url = event.get("url") or ""
            for name in sources:
                if url in st["listed"].get(name, ()):
                    kinds = sources[name]["events"]
                    kinds[event["kind"]] = kinds.get(event["kind"], 0) + 1
                    break
        kinds: dict[str, int] = {}
        for event in self.events:
            kinds[event["kind"]] = kinds.get(event["kind"], 0) + 1
        return {
            "pages": stats.get_value("response_received_count", 0),
            "archived": stats.get_value("nianbao/archived", 0),
            "not_modified": stats.get_value("nianbao/not_modified", 0),
            "not_due": stats.get_value("nianbao/not_due", 0),
            "parse_errors": stats.get_value("nianbao/parse_errors", 0),
            "errors": stats.get_value("nianbao/errors", 0),
            "blocked": stats.get_value("nianbao/blocked", 0),
            "events": kinds,
            "event_list": self.events,
            "sources": sources,
        }
