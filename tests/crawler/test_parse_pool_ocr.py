"""The parse pool's limits for scanned PDFs: a PDF's job may take the OCR budget on top of the
parse time limit, and the worker's alarm is extended only when an OCR reading really starts."""
from __future__ import annotations

import signal

import pytest

from crawler import parsing
from crawler.parsing import ParsePool
from parsers.formats import ocr


def test_a_pdf_job_gets_the_ocr_budget_on_top_of_its_limit():
    pool = ParsePool(1, parse_timeout=30, ocr_limits=(20, 120.0))
    assert pool.timeout_for(b"<html><body>report</body></html>") == pool.job_timeout
    assert pool.timeout_for(b"%PDF-1.7\n...") == pool.job_timeout + 120.0
    assert ParsePool(1, parse_timeout=0, ocr_limits=(20, 120.0)).timeout_for(b"%PDF-1.7") is None


def test_settings_reach_the_pool():
    from scrapy.settings import Settings

    pool = ParsePool.from_settings(Settings({"NIANBAO_OCR_MAX_PAGES": 7, "NIANBAO_OCR_TIME_BUDGET": 45}), 1)
    assert pool.ocr_limits == (7, 45.0)


def test_the_worker_alarm_is_extended_when_ocr_starts(monkeypatch):
    if not ocr.available():
        monkeypatch.setattr(ocr, "available", lambda: True)
    armed = []
    monkeypatch.setattr(parsing.signal, "setitimer", lambda which, seconds: armed.append((which, seconds)))
    monkeypatch.setattr(parsing, "_PARSE_TIMEOUT", 30.0)
    monkeypatch.setattr(ocr, "_ON_START", None)
    monkeypatch.setattr(ocr, "MAX_PAGES", ocr.MAX_PAGES)
    monkeypatch.setattr(ocr, "TIME_BUDGET", ocr.TIME_BUDGET)
    monkeypatch.setattr(parsing.resource, "setrlimit", lambda *a: None)
    monkeypatch.setattr(parsing.threading, "Thread", lambda **kw: type("T", (), {"start": lambda self: None})())
    previous = signal.getsignal(signal.SIGALRM)
    try:
        parsing.init_worker(30.0, 0, (5, 90.0))
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert (ocr.MAX_PAGES, ocr.TIME_BUDGET) == (5, 90.0)
    assert armed == []
    monkeypatch.setattr(parsing, "_DEADLINE", parsing.time.monotonic() + 30.0)
    reader = ocr.page_reader("scan.pdf")
    assert (reader.max_pages, reader.budget) == (5, 90.0)
    assert len(armed) == 1 and armed[0][0] == signal.ITIMER_REAL and 119 < armed[0][1] <= 120


@pytest.mark.skipif(not ocr.available(), reason="the OCR extra is not installed")
def test_a_page_past_the_budget_is_not_read():
    reader = ocr.PageReader("scan.pdf", max_pages=10, budget=0.0)
    lines, tables, drawn, height = reader.read_page(page=None, index=0, height=842.0)
    assert (lines, tables, reader.skipped) == ([], [], [0])


def test_the_progress_line_shows_ocr_pages_once_scans_were_read():
    from crawler.progress import progress_line

    stats = {"response_received_count": 40, "nianbao/parsed": 12}
    assert "OCR" not in progress_line(stats, 10.0)  # an ordinary crawl: the line it always was
    stats.update({"nianbao/ocr_documents": 2, "nianbao/ocr_pages": 9})
    assert progress_line(stats, 10.0).endswith(" · OCR 2 scans, 9 pages")


def _counted(result: dict) -> dict:
    """The crawl stats the parse pipeline keeps for one document whose job gave ``result``."""
    import asyncio
    from types import SimpleNamespace

    from scrapy.statscollectors import MemoryStatsCollector

    from crawler.items import ReportItem
    from crawler.pipelines import ParsePipeline

    from scrapy.settings import Settings

    class Pool:  # the worker's answer, without a worker
        async def run(self, fn, *args, timeout=None):
            return dict(result)

        def timeout_for(self, body):
            return None

    crawler = SimpleNamespace(settings=Settings({"NIANBAO_PARSE_WORKERS": 1}))
    crawler.stats = MemoryStatsCollector(SimpleNamespace(settings=crawler.settings))
    pipeline = ParsePipeline(crawler, SimpleNamespace(crawl_ids={}, archive=SimpleNamespace(url="sqlite://")))
    pipeline.pool = Pool()
    asyncio.run(pipeline.process_item(ReportItem(url="http://gov.example/a.pdf", data=b"%PDF", source="s")))
    return crawler.stats.get_stats()


def test_a_scans_ocr_pages_are_counted_in_the_crawl_stats(monkeypatch, sqlite_url):
    """process_job reports how many pages OCR read (a real OCR record, archived), and the
    pipeline adds them to the stats the progress line and the summary read."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "parsers"))
    from layouts.scans import misprinted_scan

    if not ocr.available():
        pytest.skip("the OCR extra is not installed")
    scan, record = misprinted_scan()
    monkeypatch.setattr(parsing, "parse_job", lambda body, url, content_type=None: (record, None))
    from archive.db import open_archive
    from crawler.items import ReportItem

    open_archive(sqlite_url)  # migrated, as the crawl's bookkeeping does before the workers start
    result = parsing.process_job(sqlite_url, ReportItem(url="http://gov.example/scan.pdf", data=scan,
                                                        content_type="application/pdf", source="s"))
    assert result["archived"] and (result["ocr"], result["ocr_pages"]) == (True, 1)
    stats = _counted(result)
    assert (stats["nianbao/ocr_documents"], stats["nianbao/ocr_pages"]) == (1, 1)
    plain = _counted({**result, "ocr": False, "ocr_pages": 0})
    assert "nianbao/ocr_documents" not in plain and "nianbao/ocr_pages" not in plain
