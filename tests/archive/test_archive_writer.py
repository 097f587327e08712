"""archive.db.Archive (one writer thread, reads apart) and archive.listings (what a
closing crawl reads of a source's documents), on SQLite and PostgreSQL."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from archive import listings
from archive.bookkeeping import begin_crawl
from archive.fetched import Fetched
from archive.ingest import archive_document
from archive.db import Archive
from archive.models import Document
from tests.archive.factories import make_record, page

PAGE = "http://gov.example/xxgk/2021nb.html"
ATTACHMENT = "http://gov.example/xxgk/2021nb.pdf"


def _urls(session) -> set[str]:
    return set(session.execute(sa.select(Document.url)).scalars())


def test_writes_run_one_at_a_time_on_one_thread_and_reads_apart(db_url):
    archive = Archive(db_url)
    threads, inside, overlaps = set(), [0], []

    def write(session, url):
        threads.add(threading.get_ident())
        inside[0] += 1
        overlaps.append(inside[0])
        archive_document(session, Fetched(url, b"<html>" + url.encode() + b"</html>"),
                         parse_error="test: not parsed")
        inside[0] -= 1
        return url

    try:
        futures = [archive.write(write, f"http://gov.example/{n}.html") for n in range(6)]
        assert [f.result(timeout=60) for f in futures] == [f"http://gov.example/{n}.html" for n in range(6)]
        assert len(threads) == 1 and threading.get_ident() not in threads and max(overlaps) == 1
        with archive.read_sessions() as session:
            assert len(_urls(session)) == 6
            with pytest.raises(sa.exc.DBAPIError):  # read-only: a write is refused
                session.execute(sa.text("DELETE FROM documents"))
                session.flush()
    finally:
        archive.close()


def test_a_failed_write_is_rolled_back_and_raised_to_its_caller(db_url):
    archive = Archive(db_url)

    def half_then_fail(session):
        archive_document(session, Fetched(PAGE, b"<html>x</html>"), parse_error="test")
        session.flush()
        raise RuntimeError("failed half-way")

    try:
        with pytest.raises(RuntimeError, match="failed half-way"):
            archive.write(half_then_fail).result(timeout=60)
        with archive.read_sessions() as session:
            assert _urls(session) == set()  # nothing of it kept
        # The writer goes on after a failure.
        archive.write(lambda s: archive_document(s, Fetched(PAGE, b"<html>y</html>"),
                                                 parse_error="test")).result(timeout=60)
        with archive.read_sessions() as session:
            assert _urls(session) == {PAGE}
    finally:
        archive.close()


def test_report_documents_of_a_source_and_their_stored_pages(Session):
    record = make_record()
    with Session.begin() as s:
        begin_crawl(s, "city")
        archive_document(s, Fetched(PAGE, page(record), source="city"), record=record)
        archive_document(s, Fetched("http://gov.example/other.html", b"<html>no report</html>", source="city"),
                         parse_error="test: no report")
        archive_document(s, Fetched("http://elsewhere.example/nb.html", page(record), source="county"),
                         record=record)
    with Session() as s:
        assert listings.report_document_urls(s, "city") == [PAGE]
        assert listings.report_document_urls(s, "nowhere") == []
        stored = dict(listings.stored_pages(s, [PAGE, "http://gov.example/other.html", ATTACHMENT]))
    assert stored == {PAGE: page(record), "http://gov.example/other.html": b"<html>no report</html>"}
