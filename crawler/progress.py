"""Live progress of a crawl: one line on stderr every few seconds.

On a terminal the line is refreshed in place; otherwise (a log file, cron) a new line is
written each time. ``NIANBAO_PROGRESS_INTERVAL = 0`` turns it off.
"""
from __future__ import annotations

import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task


def progress_line(stats: dict, elapsed: float) -> str:
    """``pages 120 (8.1/s) · reports new 3 revised 1 withdrawn 0 · 304 40 · blocked 1 · errors 2``,
    and ``· OCR 2 scans, 9 pages`` once scanned reports were read (seconds a page: a crawl
    slowed by scans says why)."""
    pages = stats.get("response_received_count", 0)
    rate = pages / elapsed if elapsed > 0 else 0.0
    ev = lambda kind: stats.get(f"nianbao/events/{kind}", 0)  # noqa: E731
    scans = stats.get("nianbao/ocr_documents", 0)
    ocr = f" · OCR {scans} scans, {stats.get('nianbao/ocr_pages', 0)} pages" if scans else ""
    return (f"pages {pages} ({rate:.1f}/s) · reports new {ev('new')} revised {ev('revised')} "
            f"withdrawn {ev('withdrawn')} · not modified {stats.get('nianbao/not_modified', 0)} · "
            f"parsed {stats.get('nianbao/parsed', 0)} · blocked {stats.get('nianbao/blocked', 0)} · "
            f"errors {stats.get('nianbao/errors', 0)}{ocr}")


class Progress:
    """Scrapy extension writing :func:`progress_line` to stderr periodically."""

    def __init__(self, crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("NIANBAO_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured
        ext = cls(crawler, interval)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def opened(self, spider):
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.show)
        self.loop.start(self.interval, now=False)

    def show(self, final: bool = False):
        line = progress_line(self.crawler.stats.get_stats(), time.monotonic() - self.started)
        if self.tty:
            sys.stderr.write("\r\x1b[K" + line + ("\n" if final else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def closed(self, spider):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.show(final=True)
