"""archive_documents (a batch, new documents written together) leaves the archive exactly as
archive_document on each document in turn does: every row, every event, the search index.

Two archives get the same documents, one through each path; their contents are compared by
natural keys (URLs, agency and year, version numbers), ids aside.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from archive import bookkeeping, db, ingest
from archive.fetched import Fetched
from archive.models import (
    Agency, Cell, Crawl, Document, DocumentSnapshot, Event, Report, Snapshot, Source, Version, VersionSnapshot,
)
from archive.search import search
from archive.search.models import SearchDocument
from tests.archive.factories import make_record, page
from tests.conftest import pg_database

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def second_url(db_url, tmp_path):
    """Another fresh archive on the same backend as ``db_url``."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'second.db'}"
        return
    with pg_database() as url:
        try:
            yield url
        finally:
            db.engine_for(url).dispose()


def _at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def _before():
    """What both archives hold before the batches: two reports of gov.example."""
    owned = make_record("某市公安局", 2021)
    other = make_record("某市财政局", 2021)
    return [(Fetched(url="http://gov.example/police-2021.html", data=page(owned), source="gov.example",
                     fetched_at=_at(0)), owned),
            (Fetched(url="http://gov.example/finance-2021.html", data=page(other), source="gov.example",
                     fetched_at=_at(1)), other)]


def _batches(crawl_id: int):
    """Documents of every kind the ingest tells apart, in two batches."""
    new_a = make_record("某县人民政府", 2022)
    new_b = make_record("某县教育局", 2022, text="某县教育局2022年报告\n\n内容\x00含空字符")
    twin = make_record("某县卫生健康委员会", 2022)
    hinted = make_record("", 2023)
    hinted.agency = None
    unknown = make_record("某县民政局", 2022)
    unknown.template = "unknown"
    revised = make_record("某市公安局", 2021, seed=1)
    copy = make_record("某市财政局", 2021, seed=2)  # another portal's copy that differs: a conflict
    again = make_record("某县审计局", 2022)
    again2 = make_record("某县审计局", 2022, seed=5)
    first = [
        (Fetched(url="http://gov.example/a.html", data=page(new_a), source="gov.example", crawl_id=crawl_id,
                 content_type="text/html; charset=utf-8", etag='"e1"', last_modified="Tue, 01 Mar 2026 08:00:00 GMT",
                 fetched_at=_at(10)), new_a),
        (Fetched(url="https://www.c.example/b.html", data=page(new_b), fetched_at=_at(11)), new_b),
        (Fetched(url="http://gov.example/twin.html", data=page(twin), crawl_id=crawl_id, fetched_at=_at(12)), twin),
        (Fetched(url="http://gov.example/twin.pdf", data=page(twin, "<p>pdf</p>"), crawl_id=crawl_id,
                 fetched_at=_at(13)), twin),
        (Fetched(url="http://gov.example/hinted.html", data=page(make_record("某县水利局", 2023)),
                 agency="某县水利局", source="gov.example", fetched_at=_at(14)), hinted),
        (Fetched(url="http://gov.example/unknown.html", data=page(unknown), source="gov.example",
                 fetched_at=_at(15)), unknown),
        (Fetched(url="http://gov.example/police-2021.html", data=page(revised), source="gov.example",
                 crawl_id=crawl_id, fetched_at=_at(16)), revised),
        (Fetched(url="http://mirror.example/finance.html", data=page(copy), source="mirror.example",
                 fetched_at=_at(17)), copy),
        (Fetched(url="http://gov.example/audit.html", data=page(again), fetched_at=_at(18)), again),
        (Fetched(url="http://gov.example/audit.html", data=page(again2), fetched_at=_at(19)), again2),
    ]
    third = make_record("某县交通运输局", 2022)
    second = [
        (Fetched(url="http://gov.example/a.html", data=page(new_a), source="gov.example", fetched_at=_at(30)), new_a),
        (Fetched(url="http://gov.example/transport.html", data=page(third), fetched_at=_at(31)), third),
        (Fetched(url="http://gov.example/transport-copy.html", data=page(third, "<p>浏览次数：9</p>"),
                 fetched_at=_at(32)), third),
    ]
    return [first, second]


def _fill(factory, batched: bool) -> list[list[dict]]:
    with factory.begin() as s:
        for fetched, record in _before():
            ingest.archive_document(s, fetched, record=record)
    with factory.begin() as s:
        crawl_id = bookkeeping.begin_crawl(s, "gov.example")
    returned = []
    for batch in _batches(crawl_id):
        with factory.begin() as s:
            if batched:
                returned += ingest.archive_documents(s, batch)
            else:
                returned += [ingest.archive_document(s, fetched, record=record) for fetched, record in batch]
    return returned


def _contents(factory) -> dict:
    """Every row that matters, keyed by what it stands for (no ids)."""
    with factory() as s:
        agencies = {a.id: a.name for a in s.execute(sa.select(Agency)).scalars()}
        sources = {x.id: x.name for x in s.execute(sa.select(Source)).scalars()}
        reports = {r.id: r for r in s.execute(sa.select(Report)).scalars()}
        docs = {d.id: d for d in s.execute(sa.select(Document)).scalars()}
        versions = {v.id: v for v in s.execute(sa.select(Version)).scalars()}
        crawls = {c.id: c.started_at is not None for c in s.execute(sa.select(Crawl)).scalars()}

        def key(report_id):
            return (agencies[reports[report_id].agency_id], reports[report_id].year) if report_id else None

        def vkey(version_id):
            return (*key(versions[version_id].report_id), versions[version_id].number) if version_id else None

        def url(doc_id):
            return docs[doc_id].url if doc_id else None

        out = {
            "agencies": sorted((a.name, a.region_code, a.level) for a in s.execute(sa.select(Agency)).scalars()),
            "documents": sorted(
                (d.url, d.sha256, d.content_type, d.etag, d.last_modified, sources.get(d.source_id),
                 d.last_crawl_id in crawls if d.last_crawl_id else None, d.fingerprint, d.parser_version,
                 key(d.report_id), d.parse_error, d.first_seen, d.last_seen, d.last_checked, d.gone_since,
                 d.unlisted_since, d.withdrawn_at) for d in docs.values()),
            "reports": sorted(
                (key(r.id), r.version_count, vkey(r.latest_version_id), url(r.document_id), r.first_seen,
                 r.updated_at, r.withdrawn_at, sources.get(r.owner_source_id), r.owner_host)
                for r in reports.values()),
            "versions": sorted(
                (vkey(v.id), repr(v.record), v.text, v.parser_version, v.fingerprint, url(v.document_id), v.sha256,
                 v.first_seen, v.crawl_id is not None) for v in versions.values()),
            "cells": sorted((vkey(c.version_id), c.table_name, c.row_key, c.column_key, c.value, c.text)
                            for c in s.execute(sa.select(Cell)).scalars()),
            "events": sorted((e.kind, key(e.report_id), e.year, e.url, e.baseline, repr(e.changes), repr(e.detail),
                              e.at, vkey(e.version_id), e.crawl_id is not None)
                             for e in s.execute(sa.select(Event)).scalars()),
            "snapshots": sorted(s.execute(sa.select(Snapshot.sha256, Snapshot.size)).all()),
            "document_snapshots": sorted((url(x.document_id), x.sha256, x.first_fetched, x.last_fetched)
                                         for x in s.execute(sa.select(DocumentSnapshot)).scalars()),
            "version_snapshots": sorted((vkey(x.version_id), x.sha256, x.first_seen)
                                        for x in s.execute(sa.select(VersionSnapshot)).scalars()),
            "search_index": sorted((key(x.report_id), vkey(x.version_id), x.template, x.has_violations, x.body)
                                   for x in s.execute(sa.select(SearchDocument)).scalars()),
            "found": sorted((h.agency, h.year) for h in search(s, "工作", limit=50)),
            "found_short": sorted((h.agency, h.year) for h in search(s, "教育", limit=50)),
        }
    return out


def _without_ids(events: list[list[dict]]) -> list[list[dict]]:
    return [[{k: v for k, v in e.items() if k not in ("id", "agency_id", "report_id")} for e in made]
            for made in events]


def test_a_batch_archives_as_one_document_at_a_time_does(Session, second_url, monkeypatch):
    one_by_one = db.open_archive(second_url)
    alone = []
    single = ingest.archive_document

    def counted(session, fetched, **kwargs):
        alone.append(fetched.url)
        return single(session, fetched, **kwargs)

    monkeypatch.setattr(ingest, "archive_document", counted)
    batched_events = _fill(Session, batched=True)
    monkeypatch.undo()
    # The batch's three new documents of new reports went together; the rest one at a time.
    together = {"http://gov.example/a.html", "https://www.c.example/b.html", "http://gov.example/hinted.html"}
    assert len(alone) == 2 + 13 - 3 and not together & set(alone[2:9])
    single_events = _fill(one_by_one, batched=False)
    assert _without_ids(batched_events) == _without_ids(single_events)
    kinds = [sorted(e["kind"] for e in made) for made in single_events]
    # The scenario covers what it means to: new reports (baseline in the crawl), a second
    # document of a report, not a report, a revision, a conflict, a URL twice in a batch.
    assert kinds[:10] == [["new"], ["new"], ["new"], [], ["new"], [], ["revised"], ["conflict"], ["new"],
                          ["revised"]]
    assert [e["baseline"] for e in batched_events[0]] == [True]
    batched, single = _contents(Session), _contents(one_by_one)
    for table in single:
        assert batched[table] == single[table], table
    assert single["search_index"] and single["found"] and single["cells"]


def test_a_batch_of_new_documents_takes_the_same_statements_whatever_its_size(db_url):
    """The fast path writes each table's rows in one statement: a batch of 20 new documents
    sends the database no more statements than a batch of 3 (the events' insert once made
    one INSERT a row on SQLite, asked to return the ids in the rows' order)."""
    factory = db.open_archive(db_url)
    engine = db.engine_for(db.database_url(db_url))
    sent: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    def statements(first: int, size: int) -> tuple[int, list[list[dict]]]:
        batch = []
        for i in range(first, first + size):
            record = make_record(f"某县第{i}局", 2022)
            batch.append((Fetched(url=f"http://gov.example/batch{first}/{i}.html", data=page(record),
                                  fetched_at=_at(i)), record))
        sent.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            with factory.begin() as s:
                made = ingest.archive_documents(s, batch)
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len(sent), made

    small, _ = statements(0, 3)
    large, made = statements(100, 20)
    assert large == small, sent
    assert [[e["kind"] for e in events] for events in made] == [["new"]] * 20
    with factory() as s:
        rows = s.execute(sa.select(Event.id, Event.report_id, Event.url)
                         .where(Event.url.like("http://gov.example/batch100/%"))).all()
        urls = dict(s.execute(sa.select(Document.report_id, Document.url)).all())
    # Each event names its own report (ids matched by report, not by position), and each
    # returned event is the row of its document.
    assert len(rows) == 20 and all(urls[report_id] == url for _, report_id, url in rows)
    by_url = {url: event_id for event_id, _, url in rows}
    assert all(events[0]["id"] == by_url[events[0]["url"]] for events in made)
