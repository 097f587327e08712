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
