"""archive.ingest and archive.bookkeeping: versions, events and change detection, on SQLite and PostgreSQL."""
from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from archive import bookkeeping, ingest
from archive.fetched import Fetched
from archive.events import add_event, event_dict
from archive.models import Cell, Document, Event, Report, Snapshot, Version
from tests.archive.factories import make_record, page

URL = "http://gov.example/xxgk/2021nb.html"


def _count(session, model) -> int:
    return session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def test_first_archive_makes_report_version_cells_and_new_event(Session):
    record = make_record()
    with Session.begin() as s:
        events = ingest.archive_document(s, Fetched(url=URL, data=page(record), content_type="text/html"),
                                         record=record)
    assert [e["kind"] for e in events] == ["new"]
    event = events[0]
    assert (event["agency"], event["year"], event["url"], event["baseline"]) == ("测试市公安局", 2021, URL, False)
    assert event["id"] and event["at"].endswith("+00:00")
    with Session() as s:
        report = s.execute(sa.select(Report)).scalar_one()
        assert report.version_count == 1 and report.status == "live"
        version = s.get(Version, report.latest_version_id)
        assert version.number == 1 and version.record["facts"] == record.facts
        assert version.text == record.text
        cells = s.execute(sa.select(Cell.table_name, Cell.row_key, Cell.column_key, Cell.value)
                          .where(Cell.version_id == version.id)).all()
        assert {f"{t}/{r}/{c}": v for t, r, c, v in cells} == {k: float(v) for k, v in record.facts.items()}
        assert _count(s, Snapshot) == 1


def test_identical_document_is_a_no_op(Session):
    record = make_record()
    for _ in range(3):
        with Session.begin() as s:
            events = ingest.archive_document(s, Fetched(url=URL, data=page(record)), record=record)
    assert events == []
    with Session() as s:
        assert (_count(s, Version), _count(s, Event), _count(s, Snapshot)) == (1, 1, 1)


def test_page_chrome_makes_a_snapshot_but_no_version(Session):
    record = make_record()
    with Session.begin() as s:
        ingest.archive_document(s, Fetched(url=URL, data=page(record)), record=record)
    counter = dataclasses.replace(record, text="浏览次数：1234  【打印】 【关闭】\n\n" + record.text + "\n\n分享到：微信 微博")
    with Session.begin() as s:
        events = ingest.archive_document(s, Fetched(url=URL, data=page(counter, "<p>浏览次数：1234</p>")), record=counter)
    assert events == []
    with Session() as s:
        assert _count(s, Version) == 1 and _count(s, Snapshot) == 2
        # The chrome snapshot is linked to the version it shows.
        assert s.execute(sa.text("SELECT count(*) FROM version_snapshots")).scalar_one() == 2


def test_changed_fact_makes_revised_event_with_changes_and_paragraph_diff(Session):
    old = make_record()
    new = make_record()
    new.facts["requests/new/total"] = old.facts["requests/new/total"] + 7
    new.text = old.text.replace("共办理", "全年共办理", 1)
    with Session.begin() as s:
        ingest.archive_document(s, Fetched(url=URL, data=page(old)), record=old)
    with Session.begin() as s:
        events = ingest.archive_document(s, Fetched(url=URL, data=page(new)), record=new)
    assert [e["kind"] for e in events] == ["revised"]
    changes = events[0]["changes"]
    assert changes == {"requests/new/total": [old.facts["requests/new/total"], new.facts["requests/new/total"]]}
    hunks = events[0]["detail"]["paragraphs"]
    assert len(hunks) == 1 and hunks[0]["op"] == "replace" and "全年共办理" in hunks[0]["new"][0]
    with Session() as s:
        report = s.execute(sa.select(Report)).scalar_one()
        assert report.version_count == 2
        assert s.get(Version, report.latest_version_id).number == 2


def test_reverting_document_makes_a_third_version(Session):
    a, b = make_record(seed=1), make_record(seed=2)
    for rec in (a, b, a):
        with Session.begin() as s:
            ingest.archive_document(s, Fetched(url=URL, data=page(rec)), record=rec)
    with Session() as s:
        assert [v for v, in s.execute(sa.select(Version.number).order_by(Version.number))] == [1, 2, 3]


def test_second_document_of_same_report_does_not_flip_flop(Session):
    html, pdf = make_record(seed=1), make_record(seed=1, text="PDF 文字 版本")
    for _ in range(3):
        for url, rec in ((URL, html), (URL + ".pdf", pdf)):
            with Session.begin() as s:
                ingest.archive_document(s, Fetched(url=url, data=page(rec)), record=rec)
    with Session() as s:
        # The PDF differs in text once (one revision), then neither document changes again.
        assert _count(s, Version) == 2
        assert [k for k, in s.execute(sa.select(Event.kind).order_by(Event.id))] == ["new", "revised"]


def test_unknown_template_and_parse_error_store_document_without_report(Session):
    unknown = make_record(template="unknown")
    unknown.template = "unknown"
    with Session.begin() as s:
        assert ingest.archive_document(s, Fetched(url=URL, data=b"<html>not a report</html>"), record=unknown) == []
        assert ingest.archive_document(s, Fetched(url=URL + "2", data=b"%PDF-broken"),
                                       parse_error="CorruptDocument: x") == []
    with Session() as s:
        assert _count(s, Report) == 0 and _count(s, Snapshot) == 2
        docs = s.execute(sa.select(Document.url, Document.parse_error).order_by(Document.url)).all()
        assert docs[0].parse_error == "not a report (template unknown)"
        assert docs[1].parse_error == "CorruptDocument: x"


def test_hints_fill_missing_agency_and_year(Session):
    record = make_record()
    record.agency, record.year = None, None
    with Session.begin() as s:
        events = ingest.archive_document(s, Fetched(url=URL, data=page(record), agency="某县人民政府", year=2022),
                                         record=record)
    assert (events[0]["agency"], events[0]["year"]) == ("某县人民政府", 2022)


def test_gone_twice_withdraws_and_coming_back_restores(Session):
    record = make_record()
    with Session.begin() as s:
        ingest.archive_document(s, Fetched(url=URL, data=page(record)), record=record)
    with Session.begin() as s:
        assert bookkeeping.mark_gone(s, URL, status=404) == []
    with Session.begin() as s:
        events = bookkeeping.mark_gone(s, URL, status=404)
    assert [e["kind"] for e in events] == ["withdrawn"] and events[0]["url"] == URL
    with Session.begin() as s:
        assert bookkeeping.mark_gone(s, URL, status=410) == []  # already withdrawn: no second event
        assert s.execute(sa.select(Report)).scalar_one().status == "withdrawn"
    with Session.begin() as s:
        events = bookkeeping.mark_not_modified(s, URL)
    assert [e["kind"] for e in events] == ["restored"]
    with Session() as s:
        assert s.execute(sa.select(Report)).scalar_one().status == "live"


def test_one_gone_mark_then_alive_is_no_event(Session):
    record = make_record()
    with Session.begin() as s:
        ingest.archive_document(s, Fetched(url=URL, data=page(record)), record=record)
        bookkeeping.mark_gone(s, URL, status=404)
    with Session.begin() as s:
        assert ingest.archive_document(s, Fetched(url=URL, data=page(record)), record=record) == []
        assert bookkeeping.mark_gone(s, URL, status=404) == []  # a fresh first mark
    with Session() as s:
        assert [k for k, in s.execute(sa.select(Event.kind))] == ["new"]


def test_crawls_baseline_unlisted_withdrawn_and_relisted(Session):
    a, b = make_record("甲局"), make_record("乙局")
    url_a, url_b = "http://gov.example/a.html", "http://gov.example/b.html"
    with Session.begin() as s:
        crawl = bookkeeping.begin_crawl(s, "gov.example")
        events = ingest.archive_document(s, Fetched(url=url_a, data=page(a), crawl_id=crawl), record=a)
        events += ingest.archive_document(s, Fetched(url=url_b, data=page(b), crawl_id=crawl), record=b)
        assert bookkeeping.finish_crawl(s, crawl, listed_urls=[url_a, url_b], complete=True) == []
    assert [e["baseline"] for e in events] == [True, True]
    c = make_record("丙局")
    with Session.begin() as s:
        crawl = bookkeeping.begin_crawl(s, "gov.example")
        events = ingest.archive_document(s, Fetched(url="http://gov.example/c.html", data=page(c), crawl_id=crawl),
                                         record=c)
        assert events[0]["baseline"] is False
        # b is not listed: first complete crawl without it only marks it.
        assert bookkeeping.finish_crawl(s, crawl, listed_urls=[url_a], complete=True) == []
    with Session.begin() as s:
        crawl = bookkeeping.begin_crawl(s, "gov.example")
        # An incomplete crawl proves nothing.
        assert bookkeeping.finish_crawl(s, crawl, listed_urls=[], complete=False) == []
    with Session.begin() as s:
        crawl = bookkeeping.begin_crawl(s, "gov.example")
        events = bookkeeping.finish_crawl(s, crawl, listed_urls=[url_a, "http://gov.example/c.html"], complete=True)
    assert [(e["kind"], e["agency"]) for e in events] == [("withdrawn", "乙局")]
    with Session.begin() as s:
        crawl = bookkeeping.begin_crawl(s, "gov.example")
        events = bookkeeping.finish_crawl(s, crawl, listed_urls=[url_a, url_b, "http://gov.example/c.html"],
                                      complete=True)
    assert [(e["kind"], e["agency"]) for e in events] == [("restored", "乙局")]


def test_validators_and_documents_due(Session):
    record = make_record()
    with Session.begin() as s:
        assert bookkeeping.document_validators(s, URL) is None
        ingest.archive_document(s, Fetched(url=URL, data=page(record), etag='"abc"',
                                           last_modified="Wed, 21 Oct 2025 07:28:00 GMT"), record=record)
    with Session.begin() as s:
        assert bookkeeping.document_validators(s, URL) == ('"abc"', "Wed, 21 Oct 2025 07:28:00 GMT")
        due = bookkeeping.documents_due(s, [URL, "http://unknown.example/"])
    assert list(due) == [URL]
    info = due[URL]
    assert info.year == 2021 and not info.withdrawn and info.first_seen.tzinfo is not None


def test_add_event_for_overdue(Session):
    with Session.begin() as s:
        event = add_event(s, kind="overdue", agency="某市交通局", year=2024, url="http://gov.example/")
        assert event.id is not None
        assert event_dict(event)["agency"] == "某市交通局"


def test_oversized_inputs_are_clear_errors_not_database_errors(Session):
    record = make_record(agency="某" * 300)
    with Session.begin() as s:
        assert ingest.archive_document(s, Fetched(url=URL, data=page(record), content_type="text/html; " + "x" * 500),
                                       record=record) == []
        doc = s.execute(sa.select(Document)).scalar_one()
        assert doc.parse_error == "not a report (no agency)" and len(doc.content_type) == 200
    with pytest.raises(ValueError, match="URL longer than"):
        with Session.begin() as s:
            ingest.archive_document(s, Fetched(url="http://x.example/" + "a" * 3000, data=b"x"), record=record)


def test_taken_version_number_is_renumbered_not_duplicated(Session):
    """Should a report's count lag behind its versions, ON CONFLICT DO NOTHING renumbers."""
    a, b = make_record(seed=1), make_record(seed=2)
    with Session.begin() as s:
        ingest.archive_document(s, Fetched(url=URL, data=page(a)), record=a)
        s.execute(sa.update(Report).values(version_count=0))
    with Session.begin() as s:
        events = ingest.archive_document(s, Fetched(url=URL, data=page(b)), record=b)
    assert events[0]["kind"] == "revised" and events[0]["detail"]["to"] == 2
    with Session() as s:
        assert [n for n, in s.execute(sa.select(Version.number).order_by(Version.number))] == [1, 2]
        assert s.execute(sa.select(Report.version_count)).scalar_one() == 2


def test_documents_fetched_in_a_crawl_count_as_reached_and_new_url_restores(Session):
    a = make_record("甲局")
    url_a = "http://gov.example/a.pdf"
    for _ in range(2):  # two complete crawls that fetch it but do not pass it as listed
        with Session.begin() as s:
            crawl = bookkeeping.begin_crawl(s, "gov.example")
            ingest.archive_document(s, Fetched(url=url_a, data=page(a), crawl_id=crawl), record=a)
            assert bookkeeping.finish_crawl(s, crawl, listed_urls=[], complete=True) == []
    with Session.begin() as s:
        bookkeeping.mark_gone(s, url_a, status=410)
    with Session.begin() as s:
        assert [e["kind"] for e in bookkeeping.mark_gone(s, url_a, status=410)] == ["withdrawn"]
    # The report comes back at another address: restored, and no new version (same content).
    with Session.begin() as s:
        events = ingest.archive_document(s, Fetched(url="http://gov.example/a-new.pdf", data=page(a)), record=a)
    assert [(e["kind"], e["url"]) for e in events] == [("restored", "http://gov.example/a-new.pdf")]
    with Session() as s:
        assert s.execute(sa.select(sa.func.count()).select_from(Version)).scalar_one() == 1
        report = s.execute(sa.select(Report)).scalar_one()
        assert report.status == "live" and s.get(Document, report.document_id).url.endswith("a-new.pdf")
