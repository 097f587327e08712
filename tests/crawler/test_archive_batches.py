"""Parsed documents archived in batches: one write transaction for several documents,
one document's failure undone alone, a batch that fails as a whole done one at a time."""
from __future__ import annotations

import asyncio

import sqlalchemy as sa
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from archive import ingest
from archive.bookkeeping import begin_crawl
from archive.db import open_archive
from archive.models import Document
from crawler.items import ReportItem
from crawler.parsing import JobFailed, process_batch, process_job
from crawler.pipelines import ParsePipeline
from tests.archive.factories import make_record, page


def _items(crawl_id: int | None, n: int = 3) -> list[ReportItem]:
    items = []
    for i in range(n):
        record = make_record(agency=f"测试{i}县公安局")
        items.append(ReportItem(url=f"http://gov.example/{i}.html", data=page(record), source="city",
                                agency=f"测试{i}县公安局", year=2021,
                                content_type="text/html; charset=utf-8", crawl_id=crawl_id))
    return items


def _urls(url: str) -> set[str]:
    with open_archive(url)() as session:
        return set(session.execute(sa.select(Document.url)).scalars())


def _crawl_id(url: str) -> int:
    with open_archive(url).begin() as session:
        return begin_crawl(session, "city")


def test_a_parsed_batch_is_archived_together_in_one_transaction(sqlite_url, monkeypatch):
    items = _items(_crawl_id(sqlite_url))
    together = ingest.archive_documents
    calls = []

    def watched(session, batch):
        calls.append((session.get_transaction(), [fetched.url for fetched, _record in batch]))
        return together(session, batch)

    monkeypatch.setattr(ingest, "archive_documents", watched)
    results = process_batch(sqlite_url, items)
    assert [(urls) for _t, urls in calls] == [[item.url for item in items]]  # one call, one transaction
    assert [r["events"][0]["kind"] for r in results] == ["new"] * 3 and all(r["archived"] for r in results)
    assert _urls(sqlite_url) == {item.url for item in items}


def test_a_batch_that_fails_in_the_archive_is_undone_whole(sqlite_url, monkeypatch):
    items = _items(_crawl_id(sqlite_url))
    together = ingest.archive_documents

    def written_then_failed(session, batch):
        together(session, batch)
        session.flush()
        raise RuntimeError("the archive failed")

    monkeypatch.setattr(ingest, "archive_documents", written_then_failed)
    results = process_batch(sqlite_url, items)
    assert all("the archive failed" in r["error"] and not r["archived"] for r in results)
    assert _urls(sqlite_url) == set()  # nothing of it kept: the pipeline does them again alone


def test_a_document_failing_in_a_batch_one_at_a_time_is_undone_alone(sqlite_url, monkeypatch):
    """A batch with a document that did not parse goes one document at a time, each in a
    savepoint: the one whose archiving fails is undone alone."""
    items = _items(_crawl_id(sqlite_url)) + [
        ReportItem(url="http://gov.example/broken.pdf", data=b"%PDF-1.4 truncated", source="city",
                   content_type="application/pdf")]
    alone = ingest.archive_document

    def archive_or_fail(session, item, **kwargs):
        events = alone(session, item, **kwargs)
        if item.url.endswith("/1.html"):  # written, then failed: all of it must be undone
            session.flush()
            raise RuntimeError("this document's archiving failed")
        return events

    monkeypatch.setattr(ingest, "archive_document", archive_or_fail)
    results = process_batch(sqlite_url, items)
    assert [r["events"][0]["kind"] if r["events"] else None for r in results] == ["new", None, "new", None]
    assert "this document's archiving failed" in results[1]["error"] and not results[1]["archived"]
    assert results[3]["archived"] and results[3]["parse_error"]  # kept with its parse error
    assert _urls(sqlite_url) == {items[0].url, items[2].url, items[3].url}
    with open_archive(sqlite_url)() as session:
        assert session.execute(sa.text("SELECT count(*) FROM reports")).scalar_one() == 2


class FakePool:
    """A pool whose batch jobs fail as a whole (the worker died twice, say): what the
    pipeline then does, one document at a time, is watched."""

    def __init__(self, db_url: str):
        self.db_url = db_url
        self.calls: list[tuple[str, int]] = []

    def timeout_for(self, body):
        return None

    def timeout_for_batch(self, bodies):
        return None

    async def run(self, fn, db_url, arg, timeout=None):
        if fn is process_batch:
            self.calls.append(("batch", len(arg)))
            raise JobFailed("parse worker died (killed by SIGKILL)")
        self.calls.append(("alone", 1))
        return process_job(db_url, arg)


def _pipeline(db: str, batch: int) -> ParsePipeline:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict({"NIANBAO_DB": db, "TWISTED_REACTOR_ENABLED": False, "NIANBAO_ARCHIVE_BATCH": batch,
                      "NIANBAO_ARCHIVE_BATCH_WAIT": 0.05}, priority="cmdline")
    crawler = get_crawler(settings_dict=settings.copy_to_dict())
    return ParsePipeline.from_crawler(crawler)


def test_a_batch_that_fails_as_a_whole_is_done_one_document_at_a_time(sqlite_url):
    pipeline = _pipeline(sqlite_url, batch=2)
    pipeline.pool = pool = FakePool(sqlite_url)
    items = _items(None, n=3)

    async def scenario():
        return await asyncio.gather(*(pipeline.process_item(item) for item in items))

    try:
        done = asyncio.run(scenario())
    finally:
        pipeline.book.archive.close()
    # Two full batches of 2 and 1 (the last one sent when its wait was over), each failed,
    # then each document alone.
    assert sorted(pool.calls) == [("alone", 1)] * 3 + [("batch", 1), ("batch", 2)]
    assert [d.result["events"][0]["kind"] for d in done] == ["new"] * 3
    assert all(d.data == b"" for d in done)  # the bytes are not kept once archived
    assert _urls(sqlite_url) == {item.url for item in items}
    assert pipeline.pending == 0
