"""A report belongs to the portal that published it: a copy from another source is kept as
a document and reported as a `conflict` event, never a revision (SQLite and PostgreSQL)."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from archive import db, identity, ingest
from archive.fetched import Fetched
from archive.models import Document, Report
from tests.archive.factories import make_record, page

AGENCY, YEAR = "北京市撤回0号局", 2023


def _archive(Session, url, record, source=None, chrome=""):
    with Session.begin() as s:
        return ingest.archive_document(s, Fetched(url=url, data=page(record, chrome), source=source), record=record)


def _report(Session):
    with Session() as s:
        return s.execute(sa.select(Report)).scalar_one()


def _doc(Session, url):
    with Session() as s:
        return s.execute(sa.select(Document).where(Document.url == url)).scalar_one()


def test_another_source_cannot_revise(Session):
    owner = make_record(AGENCY, YEAR)
    assert [e["kind"] for e in _archive(Session, "https://www.a.gov.cn/2023.html", owner, "portal-a")] == ["new"]
    forged = make_record(AGENCY, YEAR, seed=1)
    forged.facts["requests/new/total"] = 999_999
    events = _archive(Session, "https://b.example.cn/copy.html", forged, "portal-b")
    assert [e["kind"] for e in events] == ["conflict"]
    conflict = events[0]
    assert conflict["changes"]["requests/new/total"][1] == 999_999
    assert conflict["detail"]["owner"] == {"source": "portal-a", "host": "a.gov.cn"}
    assert conflict["detail"]["by"] == {"source": "portal-b", "host": "b.example.cn"}
    report = _report(Session)
    assert report.version_count == 1 and report.owner_host == "a.gov.cn"
    with Session() as s:  # the latest version is still the owner's
        assert s.get(Report, report.id).latest.record["facts"]["requests/new/total"] != 999_999
    assert _doc(Session, "https://b.example.cn/copy.html").report_id is None  # kept, as a document
    # The same conflicting content again (other bytes): said once only.
    assert _archive(Session, "https://b.example.cn/copy.html", forged, "portal-b", chrome="<p>浏览次数：12</p>") == []
    # The owner revises: a revision; the copy's next change is a conflict again.
    revised = make_record(AGENCY, YEAR, seed=2)
    assert [e["kind"] for e in _archive(Session, "https://a.gov.cn/2023-v2.html", revised, "portal-a")] == ["revised"]
    forged2 = make_record(AGENCY, YEAR, seed=3)
    assert [e["kind"] for e in _archive(Session, "https://b.example.cn/copy.html", forged2, "portal-b")] == ["conflict"]
    assert _report(Session).version_count == 2


def test_a_mirror_of_the_same_content_says_nothing(Session):
    owner = make_record(AGENCY, YEAR)
    _archive(Session, "https://a.gov.cn/2023.html", owner, "portal-a")
    assert _archive(Session, "https://mirror.example/2023.html", owner, "portal-b") == []
    assert _report(Session).version_count == 1
    assert _doc(Session, "https://mirror.example/2023.html").report_id is None


def test_host_rule_and_the_users_own_files(Session, tmp_path):
    _archive(Session, "https://www.a.gov.cn/2023.html", make_record(AGENCY, YEAR), "portal-a")
    # The same host without a source (nianbao ingest URL): the owner's portal, a revision.
    events = _archive(Session, "https://a.gov.cn/xxgk/2023.html", make_record(AGENCY, YEAR, seed=1))
    assert [e["kind"] for e in events] == ["revised"]
    # Another host without a source: a conflict.
    events = _archive(Session, "https://other.example/2023.html", make_record(AGENCY, YEAR, seed=2))
    assert [e["kind"] for e in events] == ["conflict"]
    # A local file ingested by hand is the user's word: a revision.
    events = _archive(Session, (tmp_path / "corrected.html").as_uri(), make_record(AGENCY, YEAR, seed=3))
    assert [e["kind"] for e in events] == ["revised"]


def test_may_revise_rules():
    assert identity.may_revise(None, None, 2, "b.cn")  # unowned
    assert identity.may_revise(1, "a.cn", None, None)  # by hand
    assert identity.may_revise(1, "a.cn", 1, "cdn.example")  # the owner's source lists another host
    assert identity.may_revise(1, "a.cn", None, "a.cn")  # the owner's host
    assert not identity.may_revise(1, "a.cn", 2, "b.cn")
    assert not identity.may_revise(1, "a.cn", None, "b.cn")
    assert identity.url_host("https://WWW.A.gov.cn.:8443/x") == "a.gov.cn"
    assert identity.url_host("file:///tmp/x.html") is None and identity.url_host("https://[::1") is None


def test_migration_fills_owners_from_the_first_version(Session, db_url):
    _archive(Session, "https://www.a.gov.cn/2023.html", make_record(AGENCY, YEAR), "portal-a")
    _archive(Session, "https://a.gov.cn/2023b.html", make_record(AGENCY, YEAR, seed=1), "portal-a")
    url = db.database_url(db_url)
    engine = db.engine_for(url)
    cfg = db.alembic_config(url)
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003_alerts")
        assert "owner_host" not in {c["name"] for c in sa.inspect(conn).get_columns("reports")}
        command.upgrade(cfg, "head")
        conn.commit()
    report = _report(Session)
    with Session() as s:
        source_id = s.execute(sa.text("SELECT id FROM sources WHERE name = 'portal-a'")).scalar_one()
    assert (report.owner_source_id, report.owner_host) == (source_id, "a.gov.cn")
    # The search index still follows the reports (the triggers survived both ways).
    from archive.search import search

    with Session() as s:
        assert [h.agency for h in search(s, "公开", agency=AGENCY)] == [AGENCY]
    events = _archive(Session, "https://b.example/x.html", make_record(AGENCY, YEAR, seed=5), "portal-b")
    assert [e["kind"] for e in events] == ["conflict"]
