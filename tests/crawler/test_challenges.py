"""Portals behind cookie challenges (瑞数 412, 加速乐 521): solved in Chromium, crawled plain.

Each portal (``tests/sites/challenges.py``) is its own server whose every answer —
robots.txt included — is a challenge until the request carries a cookie computed by the
challenge's script for that User-Agent; the cookie expires after a few requests. A third
portal's challenge cannot be passed.
"""
from __future__ import annotations

import urllib.error
import urllib.request

import pytest

import build
import challenges
from crawler.sources import Source
from tests.crawler.browser_helpers import documents_in, needs_chromium
from tests.crawler.crawl_helpers import archive_events, crawl, reports_in

pytestmark = pytest.mark.browser
KINDS = (("ruishu", "rs", 70), ("jiasule", "jsl", 80), ("hard", "hd", 90))
CHALLENGE_MARKERS = (b"$_ts", b"_jsl_clear", b"NBrsT")


@pytest.fixture
def gated(tmp_path):
    portals = {}
    sources = []
    for kind, prefix, seed in KINDS:
        root = tmp_path / kind
        root.mkdir()
        reports = challenges.entries(prefix, seed)
        documents = challenges.write(root, reports)
        server, base, handler = challenges.start(root, kind, uses=5)
        portals[kind] = dict(server=server, base=base, handler=handler, reports=reports, documents=documents)
        sources.append(Source(kind, [f"{base}/trs/index.html"]))
    path = tmp_path / "sources.toml"
    path.write_text(build.sources_text(*sources), encoding="utf-8")
    yield path, portals
    for portal in portals.values():
        portal["server"].shutdown()
        portal["server"].server_close()


def _expected(portals, kinds=("ruishu", "jiasule")):
    return {(e.agency, e.year) for k in kinds for e in portals[k]["reports"] if not e.private}


def _first_crawl(sources, portals, db, tmp_path):
    summary = crawl(sources, db, "-s", "NIANBAO_BROWSER_TIMEOUT=15", jobdir=tmp_path / "job1")
    reports = reports_in(db)
    # Every report behind both solvable challenges, parsed with its figures.
    assert set(reports) == _expected(portals)
    assert all(r["facts"] > 100 and r["versions"] == 1 for r in reports.values()), reports
    assert summary["events"] == {"new": len(_expected(portals))}
    for kind in ("ruishu", "jiasule"):
        source = summary["sources"][kind]
        assert source["complete"] and not source["blocked"] and source["errors"] == 0, (kind, source)
        handler = portals[kind]["handler"]
        # robots.txt stood behind the challenge: read after the solve, and obeyed.
        assert handler.counts["/robots.txt"] >= 1
        private = next(e for e in portals[kind]["reports"] if e.private).path()
        assert handler.counts[private] == 0 and handler.challenged[private] == 0
        # Decoys are never fetched.
        assert handler.counts["/trs/zwgk/gknb/notice.html"] == 0
        # The cookies expired after 5 requests: the portal challenged again and was passed again.
        assert sum(handler.challenged.values()) >= 3
    # Only the report pages and attachments are archived: no challenge page, no listing.
    stored = documents_in(db)
    expected_urls = {portals[k]["base"] + p for k in ("ruishu", "jiasule") for p in portals[k]["documents"]}
    assert set(stored) == expected_urls
    assert not [url for url, body in stored.items() if any(m in body for m in CHALLENGE_MARKERS)]
    # The challenge that cannot be passed: reported as such, nothing of it archived.
    hard = summary["sources"]["hard"]
    assert not hard["complete"] and hard["blocked"].startswith("ruishu") and "not passed" in hard["blocked"], hard
    assert portals["hard"]["handler"].counts == {}
    browser = summary["browser"]
    assert browser["challenges_passed"] >= 4 and browser["challenges_failed"] == 1, browser
    return summary


@needs_chromium
@pytest.mark.timeout(300)
def test_challenges_sqlite(gated, sqlite_url, tmp_path):
    sources, portals = gated
    _first_crawl(sources, portals, sqlite_url, tmp_path)

    # Unchanged: the known pages answer 304 through the challenge; no event.
    summary = crawl(sources, sqlite_url, jobdir=tmp_path / "job2")
    assert summary["events"] == {} and summary["archived"] == 0
    assert summary["not_modified"] >= 8

    # The 瑞数 portal's challenge becomes unsolvable: blocked, and never taken as withdrawals,
    # however many crawls see it so.
    portals["ruishu"]["handler"].kind = "hard"
    for job in ("job3", "job4"):
        summary = crawl(sources, sqlite_url, jobdir=tmp_path / job)
        assert summary["events"] == {}, summary["events"]
        assert summary["sources"]["ruishu"]["blocked"] and not summary["sources"]["ruishu"]["complete"]
    assert not any(r["withdrawn"] for r in reports_in(sqlite_url).values())
    kinds = {e["kind"] for e in archive_events(sqlite_url)}
    assert "withdrawn" not in kinds


@needs_chromium
@pytest.mark.postgres
@pytest.mark.timeout(300)
def test_challenges_postgresql(gated, pg_url, tmp_path):
    sources, portals = gated
    _first_crawl(sources, portals, pg_url, tmp_path)
    summary = crawl(sources, pg_url, jobdir=tmp_path / "job2")
    assert summary["events"] == {}


def test_fixture_clearance_is_bound_to_the_user_agent(tmp_path):
    """The fixture's clearance holds for the User-Agent it was issued to only (and expires)."""
    root = tmp_path / "jsl"
    root.mkdir()
    challenges.write(root, challenges.entries("jsl", 80)[:1])
    server, base, handler = challenges.start(root, "jiasule", uses=2)
    try:
        handler.issued["abc"] = True
        clearance = challenges.jsl_clearance(handler.secret, "abc", "agent-1", 1700000000)

        def status(agent: str) -> int:
            request = urllib.request.Request(base + "/robots.txt", headers={
                "User-Agent": agent, "Cookie": f"__jsluid_h=abc; __jsl_clearance_s={clearance}"})
            try:
                return urllib.request.urlopen(request, timeout=10).status
            except urllib.error.HTTPError as exc:
                return exc.code

        assert status("agent-2") == 521
        assert [status("agent-1"), status("agent-1"), status("agent-1")] == [200, 200, 521]
    finally:
        server.shutdown()
        server.server_close()
