"""End to end: crawl the fixture portals into SQLite and PostgreSQL, change them, crawl again.

Each crawl is ``nianbao crawl`` in a subprocess against the real HTTP server of
``tests/sites``; the archive is checked through its own CLI and models.
"""
from __future__ import annotations

from collections import Counter

import pytest

import build
from tests.crawler.crawl_helpers import FLAKY, SLOW, archive_events, crawl, reports_in

CHANGE_KINDS = ("new", "revised", "withdrawn", "restored")


def _kinds(events: list[dict]) -> Counter:
    return Counter(e["kind"] for e in events if e["kind"] in CHANGE_KINDS)


def _expected(portals) -> set[tuple[str, int]]:
    return {(e.agency, e.year) for e in portals.state.entries if not e.private}


def _first_crawl(portals, db, tmp_path) -> dict:
    summary = crawl(portals.sources, db, jobdir=tmp_path / "job1")
    reports = reports_in(db)
    # Every listed report of every CMS family, once, with its agency (multi-agency columns:
    # from the title; single-agency Hanweb column: from the source) and year.
    assert set(reports) == _expected(portals)
    assert all(r["versions"] == 1 and not r["withdrawn"] for r in reports.values())
    # Parsed for real, whatever the form: HTML (the GBK page without a charset too), PDF, DOCX.
    assert all(r["template"] in ("2019", "2021") and r["facts"] > 100 for r in reports.values()), reports
    assert summary["events"] == {"new": len(_expected(portals))}
    sources = summary["sources"]
    for name in ("trs-city", "hanweb-jtj", "next-district", "page-county", "years-tjj"):
        assert sources[name]["complete"], (name, sources[name])
        assert not sources[name]["blocked"]
    # The challenge page is recognised, reported, and not archived.
    assert sources["challenged"]["blocked"].startswith("ruishu")
    assert sources["challenged-jsl"]["blocked"].startswith("jiasule")
    assert not sources["challenged"]["complete"] and not sources["challenged-jsl"]["complete"]
    # Decoys (a notice about reports, a work plan) are never even fetched.
    assert portals.requested("/trs/zwgk/gknb/notice.html") == 0
    assert portals.requested("/trs/zwgk/gknb/yaodian.html") == 0
    # robots.txt: the disallowed report is listed but never fetched.
    assert portals.requested(portals.entry("trs-private").path()) == 0
    # 503 once, then retried; a slow page waited for.
    assert portals.requested(FLAKY) == 2
    assert portals.requested(SLOW) == 1
    # The listing that never ends stops at the first page that brings nothing new.
    assert portals.requested("/page/InfoPublic.aspx") <= 4
    # Hanweb: the records beyond the embedded ones came from dataproxy.jsp.
    assert portals.requested("/hanweb/module/web/jpage/dataproxy.jsp") >= 1
    # The PDF-only and DOCX-only reports were parsed from their attachments.
    events = archive_events(db)
    urls = {(e["agency"], e["year"]): e["url"] for e in events if e["kind"] == "new"}
    assert urls[("示例市财政局", 2022)].endswith(".pdf")
    assert urls[("示例市民政局", 2021)].endswith(".docx")
    assert all(e.get("baseline") for e in events if e["kind"] == "new")
    return summary


def _change(portals) -> None:
    """A report revised, one added, one removed; one portal starts answering with a challenge."""
    revised = portals.entry("trs-gaj")
    revised.revision = 1
    removed = portals.entry("hw-3")
    portals.state.entries.remove(removed)
    (portals.root / removed.path().lstrip("/")).unlink()
    portals.state.entries.append(build.Entry("next", "nx-6", "示例区教育局", 2023, 36))
    portals.state.write(portals.root, only_changed=[revised])
    portals.handler.behaviours["/page/InfoPublic.aspx"] = "ruishu"


def _crawl_changes(portals, db, tmp_path) -> None:
    before = _kinds(archive_events(db))
    summary = crawl(portals.sources, db, jobdir=tmp_path / "job2")
    assert summary["events"] == {"new": 1, "revised": 1}
    after = _kinds(archive_events(db))
    assert after - before == Counter({"new": 1, "revised": 1})  # and nothing else
    reports = reports_in(db)
    assert reports[("示例市公安局", 2022)]["versions"] == 2
    assert reports[("示例区教育局", 2023)]["versions"] == 1
    # Removed from the listing: noted, withdrawn only when a later complete crawl confirms it.
    assert not reports[("示例市交通运输局", 2021)]["withdrawn"]
    # Unchanged pages answered 304: no parse, no version.
    assert summary["not_modified"] >= 14
    assert summary["sources"]["page-county"]["blocked"]


@pytest.mark.timeout(240)
def test_crawl_sqlite_first_changed_unchanged(portals, sqlite_url, tmp_path):
    _first_crawl(portals, sqlite_url, tmp_path)
    _change(portals)
    _crawl_changes(portals, sqlite_url, tmp_path)

    # Second look: the removed report is withdrawn; the challenged portal's reports are not.
    summary = crawl(portals.sources, sqlite_url, jobdir=tmp_path / "job3")
    assert summary["events"] == {"withdrawn": 1}
    reports = reports_in(sqlite_url)
    assert reports[("示例市交通运输局", 2021)]["withdrawn"]
    county = [(e.agency, e.year) for e in portals.state.entries if e.site == "page"]
    assert not any(reports[k]["withdrawn"] for k in county)

    # Unchanged: no events, everything known answers 304, nothing parsed.
    summary = crawl(portals.sources, sqlite_url, jobdir=tmp_path / "job4")
    assert summary["events"] == {}
    assert summary["archived"] == 0
    assert summary["not_modified"] >= 14

    # Re-check by age: with young reports re-checked only daily, no report page is fetched.
    report_paths = [e.path() for e in portals.state.entries]
    served = [portals.requested(p) for p in report_paths]
    listings = portals.requested("/trs/zwgk/gknb/index.html")
    summary = crawl(portals.sources, sqlite_url, "-s", "NIANBAO_RECHECK_YOUNG_HOURS=24", jobdir=tmp_path / "job5")
    assert summary["events"] == {} and summary["not_modified"] == 0 and summary["not_due"] >= 14
    assert [portals.requested(p) for p in report_paths] == served  # no report page fetched
    assert portals.requested("/trs/zwgk/gknb/index.html") == listings + 1  # listings always read


@pytest.mark.postgres
@pytest.mark.timeout(180)
def test_crawl_postgresql_first_and_changed(portals, pg_url, tmp_path):
    _first_crawl(portals, pg_url, tmp_path)
    _change(portals)
    _crawl_changes(portals, pg_url, tmp_path)
