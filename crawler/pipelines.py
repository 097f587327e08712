"""Pipeline steps: parse and archive (the same code as ``nianbao ingest``), 304s and 404s.

:class:`ParsePipeline` sends each fetched document to the parse pool
(``crawler.parsing.ParsePool``, size from ``NIANBAO_PARSE_WORKERS``, each job bounded in
time and memory) where ``crawler.parsing.process_job`` parses it (``parsers.parse``) and
archives it (``archive.ingest.archive_document``): the CPU-heavy work runs on every
core and never blocks the reactor. :class:`ArchivePipeline` batches 304s into
``mark_not_modified`` and turns 404/410 of known reports into ``mark_gone``. The crawl's
bookkeeping (each source's crawl begun and finished, the events counted, the summary) is
the :class:`crawler.bookkeeping.Bookkeeping` extension's, which both find with
``crawler.get_extension``.
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from crawler.bookkeeping import Bookkeeping
from crawler.items import GoneItem, NotModifiedItem, ReportItem
from crawler.parsing import (
    JobFailed, ParsePool, mark_not_modified_batch, not_modified_job, process_batch, process_job, record_failure,
)

logger = logging.getLogger(__name__)

NOT_MODIFIED_BATCH = 200



class ParsePipeline:
    """Parse and archive fetched documents in worker processes (``crawler.parsing``), in
    batches: up to ``NIANBAO_ARCHIVE_BATCH`` documents, or those that came within
    ``NIANBAO_ARCHIVE_BATCH_WAIT`` seconds, go to one worker that parses each and archives
    them all in one write transaction (``process_batch``). A batch that fails as a whole
    (its worker died twice, its time ran out, the database refused it) is done again one
    document at a time, so that one hostile document fails alone."""

    def __init__(self, crawler, book: Bookkeeping):
        settings = crawler.settings
        self.crawler = crawler
        self.book = book
        self.workers = settings.getint("NIANBAO_PARSE_WORKERS") or os.cpu_count() or 1
        self.pool = ParsePool.from_settings(settings, self.workers, db_url=book.archive.url)
        self.batch_size = max(1, settings.getint("NIANBAO_ARCHIVE_BATCH", 1))
        self.batch_wait = settings.getfloat("NIANBAO_ARCHIVE_BATCH_WAIT", 0.25)
        # Documents handed to the pool and not done yet. The conditional-request
        # middleware holds new document requests back while this is at the limit, so
        # that downloads never run far ahead of parsing (memory stays flat); room for
        # two batches a worker, so that a worker never waits for its next batch to fill.
        self.pending = 0
        self.backlog = settings.getint("NIANBAO_PARSE_BACKLOG") or max(4, 2 * self.batch_size) * self.workers
        self._batch: list[tuple[ReportItem, asyncio.Future]] = []
        self._timer: asyncio.TimerHandle | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, Bookkeeping.of(crawler))

    def open_spider(self):
        self.pool.start()  # the archive was migrated when the bookkeeping opened it

    def close_spider(self):
        self._flush()
        # Not cancelled: the archive pipeline's last batch of 304s may be queued.
        self.pool.close()

    async def process_item(self, item):
        if not isinstance(item, ReportItem):
            return item
        item = replace(item, crawl_id=self.book.crawl_ids.get(item.source))
        started = time.monotonic()
        self.pending += 1
        try:
            result = await self._archived(item)
        finally:
            self.pending -= 1
        stats = self.crawler.stats
        stats.inc_value("nianbao/parsed")
        stats.inc_value("nianbao/process_seconds", time.monotonic() - started)
        for key in ("parse_seconds", "lock_seconds", "archive_seconds", "parse_cpu_seconds", "archive_cpu_seconds"):
            stats.inc_value(f"nianbao/{key}", result.get(key, 0.0))
        if result["parse_error"]:
            stats.inc_value("nianbao/parse_errors")
        if result.get("ocr"):
            stats.inc_value("nianbao/ocr_documents")  # scanned reports read by OCR
            stats.inc_value("nianbao/ocr_pages", result.get("ocr_pages", 0))
        stats.inc_value("nianbao/archived" if result["archived"] else "nianbao/not_report")
        return replace(item, data=b"", result=result)  # the bytes are archived: not kept in memory

    # --- batches -----------------------------------------------------------------------

    async def _archived(self, item: ReportItem) -> dict:
        """``item`` parsed and archived, in the next batch; what happened."""
        if self.batch_size == 1:
            return await self._alone(item)
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._batch.append((item, future))
        if len(self._batch) >= self.batch_size:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.batch_wait, self._flush)
        return await future

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._batch = self._batch, []
        if batch:
            asyncio.ensure_future(self._run_batch(batch))

    async def _run_batch(self, batch: list[tuple[ReportItem, asyncio.Future]]) -> None:
        items = [item for item, _ in batch]
        try:
            try:
                results = await self.pool.run(process_batch, self.book.archive.url, items,
                                              timeout=self.pool.timeout_for_batch([i.data for i in items]))
            except Exception as exc:  # noqa: BLE001 - JobFailed, or the database: each document on its own
                logger.warning("a batch of %d documents failed (%s); archiving them one at a time", len(items), exc)
                results = await asyncio.gather(*(self._alone(item) for item in items))
            for (item, future), result in zip(batch, results):
                if "error" in result:  # this document's archiving failed in the batch: alone, it says why
                    result = await self._alone(item)
                if not future.done():
                    future.set_result(result)
        except BaseException as exc:  # a bug here must not leave the items waiting for ever
            for _item, future in batch:
                if not future.done():
                    future.set_exception(exc)
            raise

    async def _alone(self, item: ReportItem) -> dict:
        """One document in one job (and, if it fails, recorded as failed with the reason)."""
        try:
            return await self.pool.run(process_job, self.book.archive.url, item,
                                       timeout=self.pool.timeout_for(item.data))
        except JobFailed as exc:
            # Killed for its time, or its worker died twice: the document is recorded as
            # failed with the reason (its bytes kept), and the crawl goes on.
            logger.error("%s: %s", item.url, exc)
            return await self._record_failure(item, str(exc))
        except Exception as exc:  # noqa: BLE001 - one document's failure (e.g. the database) is reported
            logger.error("%s: archiving failed: %s", item.url, exc)
            self.crawler.stats.inc_value("nianbao/errors")
            return {"events": [], "archived": False, "parse_error": f"archiving failed: {exc}", "template": None}

    async def _record_failure(self, item: ReportItem, reason: str) -> dict:
        try:
            result = await asyncio.to_thread(record_failure, self.book.archive.url, item, reason)
        except Exception as exc:  # noqa: BLE001 - the archive itself failed: counted, reported
            logger.error("%s: archiving failed: %s", item.url, exc)
            self.crawler.stats.inc_value("nianbao/errors")
            result = {"events": [], "archived": False, "parse_error": f"{reason}; archiving failed: {exc}"}
        return {**result, "template": None}


class ArchivePipeline:
    """Store 304s (in batches) and 404s of known documents in the archive."""

    def __init__(self, crawler, book: Bookkeeping):
        self.crawler = crawler
        self.book = book
        self.not_modified: list[str] = []
        self.parse: ParsePipeline | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, Bookkeeping.of(crawler))

    def open_spider(self):
        self.parse = self.crawler.get_item_pipeline(ParsePipeline)  # its pool takes the 304 batches

    async def close_spider(self):
        await self._flush_not_modified()

    async def _write(self, fn, *args, **kwargs):
        return await asyncio.wrap_future(self.book.archive.write(fn, *args, **kwargs))

    async def process_item(self, item):
        if isinstance(item, NotModifiedItem):
            self.crawler.stats.inc_value("nianbao/not_modified")
            self.not_modified.append(item.url)
            if len(self.not_modified) >= NOT_MODIFIED_BATCH:
                await self._flush_not_modified()
        elif isinstance(item, GoneItem):
            from archive.bookkeeping import mark_gone

            self.crawler.stats.inc_value("nianbao/gone")
            self.book.note_events(await self._write(mark_gone, item.url, status=item.status), item.source)
        return item

    async def _flush_not_modified(self) -> None:
        urls, self.not_modified = self.not_modified, []
        if not urls:
            return
        try:
            # In a worker process: the crawling process keeps its CPU for the crawl.
            future = self.parse.pool.submit(not_modified_job, self.book.archive.url, urls)
        except (AttributeError, RuntimeError, BrokenProcessPool):  # no pool (any more): do it here
            events = await self._write(mark_not_modified_batch, urls)
        else:
            try:
                events = await asyncio.wrap_future(future)
            except (OSError, RuntimeError, BrokenProcessPool) as exc:  # the worker died: do it here
                logger.warning("a parse worker failed on a batch of 304s (%s); recording them here", exc)
                events = await self._write(mark_not_modified_batch, urls)
        self.book.note_events(events)

