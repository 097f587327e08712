"""The crawl's bookkeeping: the archive connection, each source's crawl in the archive,
and what the crawl saw of each source.

:class:`Bookkeeping` is an extension built from settings (``NIANBAO_DB``); the other
components find it with ``crawler.get_extension(Bookkeeping)``. It owns:

- the archive (:class:`archive.db.Archive`): read-only sessions for the look-ups, one
  writer thread for the crawling process's writes (``archive.db`` holds the SQLite
  single-writer policy);
- per source, what this crawl saw: the URLs its listings showed, its pages, and why it is
  incomplete, failed or blocked — kept in JOBDIR (``nianbao.state``) so that a resumed
  crawl knows the whole listing;
- each source's crawl in the archive, driven by signals: begun when the spider opens
  (sources on hold left out), events counted as items are scraped, finished when the
  spider closes (withdrawals only for a complete crawl), then pending alerts delivered
  and the summary that ``nianbao crawl`` prints made.

The spider calls none of it: what it saw of each source comes as the signals of
:mod:`crawler.signals` (``listed``, ``pages_read``, ``incomplete``, ``failed``,
``request_failed``), connected here to the methods of the same facts (:meth:`listed`,
:meth:`page`, :meth:`incomplete`, :meth:`failed`, :meth:`error`). The other components
(bounds, anti-bot) find the extension with ``crawler.get_extension`` and call those
methods directly.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import html
import logging
import pickle
import re
from pathlib import Path
from urllib.parse import urldefrag, urljoin

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.job import job_dir

from crawler import signals as crawl_signals
from crawler.discovery import is_attachment
from crawler.items import ReportItem

logger = logging.getLogger(__name__)

MAX_EVENTS_LISTED = 1000  # events listed in the summary (all are counted)
# What a crawl saw, per source (kept in JOBDIR): URL sets, reasons, counts.
STATE_KEYS = ("listed", "incomplete", "failed", "blocked", "errors", "pages", "reports", "budget", "stopped")
STATE_FILE = "nianbao.state"

# Every href of a stored page; which are attachments is discovery's word (is_attachment).
_HREF = re.compile(rb"""href\s*=\s*["']?([^"'\s>]+)""", re.I)


def unreached_attachments(archive_urls: list[str], listed: set[str]) -> bool:
    """Whether report attachments the archive holds were not shown by this crawl's listings."""
    return any(is_attachment(u) and u not in listed for u in archive_urls)


def attachment_links(url: str, data: bytes) -> set[str]:
    """The attachment URLs a stored page links to (read from its bytes, no HTML parse)."""
    links = (urldefrag(urljoin(url, html.unescape(match.group(1).decode("latin-1"))))[0]
             for match in _HREF.finditer(data))
    return {link for link in links if is_attachment(link)}


class Bookkeeping:
    """Extension: the archive connection and the crawl's bookkeeping (see the module doc)."""

    def __init__(self, crawler):
        from archive.db import Archive

        self.crawler = crawler
        self.archive = Archive(crawler.settings.get("NIANBAO_DB"))  # opened (and migrated) once, here
        self.redis_mode = bool(crawler.settings.get("NIANBAO_REDIS"))
        self.jobdir = job_dir(crawler.settings)
        self.state: dict[str, dict] = {key: {} for key in STATE_KEYS}
        self.unbounded: set[str] = set()  # sources confirmed after a hold: no bound on new reports this once
        self.crawl_ids: dict[str, int] = {}
        self.fetched: set[str] = set()  # URLs archived from a full (200) answer in this crawl
        # Document URLs requested in this crawl (crawler.middlewares: the repeats dropped, the look-ups).
        self.requested: set[str] = set()
        self.complete: dict[str, bool] = {}
        # Events: counted per kind and per source; the first MAX_EVENTS_LISTED kept for the
        # summary (a crawl of 20,000 new reports must not hold 20,000 dicts).
        self.event_counts: dict[str, int] = {}
        self.source_events: dict[str, dict[str, int]] = {}
        self.event_sample: list[dict] = []
        self.summary: dict | None = None  # made when the spider closes

    @classmethod
    def from_crawler(cls, crawler):
        book = cls(crawler)
        crawler.signals.connect(book._opened, signal=signals.spider_opened)
        crawler.signals.connect(book._scraped, signal=signals.item_scraped)
        crawler.signals.connect(book._spider_error, signal=signals.spider_error)
        crawler.signals.connect(book._closed, signal=signals.spider_closed)
        # What the spider saw (crawler.signals).
        crawler.signals.connect(book._listed, signal=crawl_signals.listed)
        crawler.signals.connect(book.page, signal=crawl_signals.pages_read)
        crawler.signals.connect(book.incomplete, signal=crawl_signals.incomplete)
        crawler.signals.connect(book.failed, signal=crawl_signals.failed)
        crawler.signals.connect(book.error, signal=crawl_signals.request_failed)
        return book

    @classmethod
    def of(cls, crawler) -> "Bookkeeping":
        """The crawl's bookkeeping, for a component's ``from_crawler`` (which is then not
        configured without it: it has no archive to work with)."""
        book = crawler.get_extension(cls)
        if book is None:
            raise NotConfigured("needs the crawler.bookkeeping.Bookkeeping extension (EXTENSIONS)")
        return book

    @property
    def sources(self) -> dict:
        return getattr(self.crawler.spider, "sources", {}) or {}

    # --- what the crawl saw (told by the spider and the middlewares) -------------------

    def listed(self, source: str, url: str, report: bool = False) -> None:
        """A listing (or a report page) showed ``url``: it is still published."""
        self.state["listed"].setdefault(source, set()).add(url)
        if report:
            self.state["reports"].setdefault(source, set()).add(url)

    def page(self, source: str, count: int = 1) -> None:
        pages = self.state["pages"]
        pages[source] = pages.get(source, 0) + count

    def incomplete(self, source: str, reason: str) -> None:
        """The source's crawl did not see its whole listing (the first reason is kept)."""
        self.state["incomplete"].setdefault(source, reason)

    def failed(self, source: str, reason: str) -> None:
        """The source could not be crawled (the first reason is kept): its crawl is
        incomplete and ``nianbao crawl`` reports it in one line and exits 1."""
        self.state["failed"].setdefault(source, reason)
        self.incomplete(source, reason)

    def blocked(self, source: str, kind: str, url: str) -> None:
        """The source was answered with a challenge or block page."""
        self.state["blocked"].setdefault(source, f"{kind} at {url}")
        self.failed(source, f"answered with a {kind} challenge page at {url}")

    def error(self, source: str) -> None:
        errors = self.state["errors"]
        errors[source] = errors.get(source, 0) + 1

    def stopped(self, source: str) -> bool:
        return source in self.state["stopped"]

    def stop(self, source: str, reason: str) -> None:
        """Stop crawling a source (over its bound of new reports) and put it on hold."""
        from crawler import holds

        if self.stopped(source):
            return
        self.state["stopped"][source] = reason
        self.failed(source, reason)
        holds.hold(self.archive.url, source, reason)
        logger.warning("%s: %s", source, reason)

    def listing_budget(self, source: str) -> set[str]:
        """The distinct listing pages of the source admitted so far (the page budget)."""
        return self.state["budget"].setdefault(source, set())

    def note_events(self, events: list[dict], source: str | None = None) -> None:
        """Count the archive's events (in the stats, per kind and per source)."""
        for event in events:
            kind = event.get("kind")
            self.crawler.stats.inc_value(f"nianbao/events/{kind}")
            self.event_counts[kind] = self.event_counts.get(kind, 0) + 1
            name = source
            if name is None:  # a batch of 304s: find the source by URL
                listed = self.state["listed"]
                name = next((n for n in listed if event.get("url") in listed[n]), None)
            if name is not None:
                counts = self.source_events.setdefault(name, {})
                counts[kind] = counts.get(kind, 0) + 1
            if len(self.event_sample) < MAX_EVENTS_LISTED:
                self.event_sample.append(event)

    # --- signals -----------------------------------------------------------------------

    def _listed(self, source: str, urls: list[str], reports: bool = False) -> None:
        for url in urls:
            self.listed(source, url, report=reports)

    def _opened(self, spider):
        from archive.bookkeeping import begin_crawl

        self._load()
        self._holds()

        def begin(session):
            return {name: begin_crawl(session, name) for name in self.sources}

        self.crawl_ids = self.archive.write(begin).result()

    def _holds(self) -> None:
        """Sources on hold are left out (and fail, in one line); confirmed ones go unbounded once."""
        from crawler import holds

        for name, entry in holds.load(self.archive.url).items():
            if name not in self.sources:
                continue
            if entry.get("confirmed"):
                self.unbounded.add(name)
            else:
                self.state["stopped"][name] = entry.get("reason", "on hold")
                self.failed(name, f"on hold since {entry.get('since', '?')} ({entry.get('reason', '?')}); "
                                  f"look at the portal, then: nianbao sources confirm {name}")

    def _scraped(self, item, response, spider):
        if isinstance(item, ReportItem):
            self.fetched.add(item.url)
            self.note_events((item.result or {}).get("events", []), item.source)

    def _spider_error(self, failure, response, spider):
        # A bug met on one page (Scrapy logs its traceback, shown with -v): the source is
        # reported, the rest of the crawl goes on.
        source = response.meta.get("source", "?") if response is not None else "?"
        self.error(source)
        self.crawler.stats.inc_value("nianbao/errors")
        self.failed(source, f"internal error on {response.url if response is not None else '?'}: "
                            f"{failure.type.__name__} (details with -v)")

    async def _closed(self, spider, reason):
        # After the pipelines closed, when the close reason is known: a crawl stopped early
        # (closespider_*, shutdown) is not complete and withdraws nothing.
        try:
            for name, events in await asyncio.wrap_future(self.archive.write(self._finish, reason)):
                self.note_events(events, name)
            self.summary = self._summary()
            started = self.crawler.stats.get_value("start_time")
            if started is not None:
                self.summary["elapsed"] = (dt.datetime.now(dt.timezone.utc) - started).total_seconds()
            self._save()
            await asyncio.to_thread(self._deliver_alerts)
        finally:
            self.archive.close()

    def _finish(self, session, reason) -> list[tuple[str, list[dict]]]:
        from archive.bookkeeping import finish_crawl
        from archive.listings import report_document_urls, stored_pages
        from crawler import holds

        st = self.state
        events: list[tuple[str, list[dict]]] = []
        stopped_early = reason not in (None, "finished")
        for name, crawl_id in self.crawl_ids.items():
            complete = not (stopped_early or self.redis_mode or name in st["incomplete"])
            listed = set(st["listed"].get(name, ()))
            if unreached_attachments(report_document_urls(session, name), listed):
                # Pages this crawl did not read in full (304, not due) still list their
                # attachments: read the links from their stored bytes, so that
                # finish_crawl does not take those attachments for withdrawn.
                unread = [u for u in listed - self.fetched if not is_attachment(u)]
                for url, data in stored_pages(session, unread):
                    listed |= attachment_links(url, data)
            if not listed and not stopped_early and not self.redis_mode:
                # An empty listing is more likely a broken page than every report withdrawn.
                complete = False
                st["failed"].setdefault(name, "no annual report found from its start pages")
                st["incomplete"].setdefault(name, "no report listed")
            if stopped_early:
                st["incomplete"].setdefault(name, f"stopped early ({reason})")
            self.complete[name] = complete
            if name in self.unbounded and not stopped_early:
                holds.release(self.archive.url, name)  # confirmed by a person, and crawled
            events.append((name, finish_crawl(session, crawl_id, listed_urls=listed, complete=complete)))
        return events

    def _deliver_alerts(self) -> None:
        try:
            from archive.alerts.outbox import deliver_pending
        except ImportError:
            return  # alerts not installed in this build
        try:
            result = deliver_pending(self.archive.sessions)
            logger.info("alerts: %s", result)
        except Exception as exc:  # noqa: BLE001 - a failing notifier must not fail the crawl
            logger.error("delivering alerts failed: %s", exc)

    # --- JOBDIR ------------------------------------------------------------------------

    def _state_path(self) -> Path | None:
        return Path(self.jobdir) / STATE_FILE if self.jobdir else None

    def _load(self) -> None:
        path = self._state_path()
        if path is not None and path.exists():
            with path.open("rb") as f:
                saved = pickle.load(f)
            for key in STATE_KEYS:
                self.state[key] = saved.get(key, {})

    def _save(self) -> None:
        path = self._state_path()
        if path is not None:
            with path.open("wb") as f:
                pickle.dump(self.state, f, protocol=4)

    # --- the summary -------------------------------------------------------------------

    def _summary(self) -> dict:
        stats = self.crawler.stats
        st = self.state
        sources = {}
        for name in self.sources:
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
            # Worker seconds spent parsing, waiting for the SQLite write lock, archiving (wall
            # clock), and the CPU seconds of parsing and archiving.
            "work_seconds": {key: round(stats.get_value(f"nianbao/{key}_seconds", 0.0), 1)
                             for key in ("parse", "lock", "archive", "parse_cpu", "archive_cpu")},
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
