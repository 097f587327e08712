"""The web app beside a crawl and facing hostile requests: read-only connections that never
wait for a writer, bounded parameters (422 in Chinese, never a 500), links from the
configured base URL whatever the Host header says."""
from __future__ import annotations

import sqlite3
import time
import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from archive import db
from archive.web import create_app
from web_archive import fill, populate

ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "https://nianbao.example.org/archive"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def readonly_site(request, tmp_path_factory):
    """(TestClient over read-only sessions with a configured base URL, ids, url)."""
    with fill.fresh_database(request.param, tmp_path_factory.mktemp("archive")) as url:
        ids = populate(db.open_archive(url))
        with TestClient(create_app(db.open_archive(url, readonly=True), base=BASE)) as client:
            yield client, ids, url


PAGES = ["/", "/search?q=公安", "/agencies", "/coverage", "/agencies/{agency}", "/reports/{report}",
         "/reports/{report}/diff", "/events", "/feeds/events.atom", "/feeds/search.atom?q=公安"]


def test_pages_never_wait_for_a_writer(readonly_site):
    client, ids, url = readonly_site
    if not url.startswith("sqlite"):
        pytest.skip("SQLite's single write lock; PostgreSQL readers never wait for writers")
    writer = sqlite3.connect(sa.engine.make_url(url).database, isolation_level=None, timeout=1)
    writer.execute("BEGIN IMMEDIATE")  # a crawl's writer holds the write lock (and the flock is not ours)
    writer.execute("UPDATE agencies SET name = name")
    try:
        for page in PAGES:
            started = time.monotonic()
            response = client.get(page.format(agency=ids["北京市公安局"], report=ids["reports"][("北京市公安局", 2021)]))
            assert response.status_code == 200, (page, response.text[:300])
            assert time.monotonic() - started < 5, page  # busy_timeout is 60 s: it did not wait
    finally:
        writer.rollback()
        writer.close()


def test_read_sessions_cannot_write(readonly_site):
    _client, _ids, url = readonly_site
    Session = db.open_archive(url, readonly=True)
    with Session() as session, pytest.raises(sa.exc.DBAPIError) as caught:
        session.execute(sa.text("UPDATE agencies SET name = name || 'x'"))
    assert "readonly" in str(caught.value).lower() or "read-only" in str(caught.value).lower()


@pytest.mark.parametrize("page,param,limit", [
    ("/search?q=公安", "region", 12), ("/search?q=公安", "agency", 200), ("/search?q=公安", "year", 12),
    ("/search?q=公安", "template", 16), ("/search?q=公安", "violations", 16), ("/search?q=公安", "limit", 12),
    ("/agencies", "page", 12), ("/agencies", "name", 200), ("/events", "kind", 16), ("/events", "before_id", 12),
    ("/reports/{report}", "version", 12), ("/reports/{report}/diff", "from", 12), ("/reports/{report}/diff", "to", 12),
    ("/feeds/events.atom", "kind", 16), ("/feeds/search.atom?q=公安", "region", 12),
    ("/feeds/search.atom?q=公安", "agency", 200), ("/coverage", "region", 12), ("/coverage", "year", 12),
    ("/coverage.csv", "region", 12)])
def test_overlong_parameters_are_422_in_chinese(readonly_site, page, param, limit):
    client, ids, _url = readonly_site
    path = page.format(report=ids["reports"][("北京市公安局", 2021)])
    sep = "&" if "?" in path else "?"
    ok = client.get(f"{path}{sep}{param}={'1' * limit}")
    # At the bound the page judges the value itself (a search or a filter may refuse it), never a 500.
    assert ok.status_code in (200, 400, 422) and "个字符" not in ok.text, ok.text[:300]
    long = client.get(f"{path}{sep}{param}={'%25_' * 10_000}")
    assert long.status_code == 422, long.text[:300]
    assert f"最多 {limit} 个字符" in long.text and "请求有误" in long.text
    assert "text/html" in long.headers["content-type"]


def test_api_keeps_json_422(readonly_site):
    client, _ids, _url = readonly_site
    response = client.get("/api/search", params={"q": "公安", "region": "1" * 13})
    assert response.status_code == 422 and response.json()["detail"]


def test_feed_links_come_from_the_base_url_not_the_host_header(readonly_site):
    client, ids, _url = readonly_site
    for path in ("/feeds/events.atom", f"/feeds/agencies/{ids['北京市公安局']}.atom", "/feeds/search.atom?q=公安"):
        response = client.get(path, headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
        assert response.status_code == 200
        assert "evil.example" not in response.text
        feed = ET.fromstring(response.content)
        links = [link.get("href") for link in feed.iter(f"{ATOM}link") if link.get("rel") in ("self", "alternate")]
        assert links and all(h.startswith(BASE + "/") for h in links), links
        self_link = next(link.get("href") for link in feed.iter(f"{ATOM}link") if link.get("rel") == "self")
        assert self_link.startswith(BASE + path.split("?")[0])


def test_base_url_must_be_http():
    from archive.web.app import base_url

    assert base_url("https://a.example/x/") == "https://a.example/x"
    for bad in ("javascript:alert(1)", "ftp://a.example", "https://", "https://a.example/?q=1"):
        with pytest.raises(ValueError):
            base_url(bad)


def test_serve_opens_the_archive_read_only_with_its_base_url(sqlite_url, monkeypatch):
    import uvicorn
    from click.testing import CliRunner

    from crawler.cli import main

    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: served.update(app=app, **kwargs))
    monkeypatch.delenv("NIANBAO_BASE_URL", raising=False)
    db.open_archive(sqlite_url)  # serve needs an existing archive
    result = CliRunner().invoke(main, ["serve", "--db", sqlite_url, "--port", "8123"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    app = served["app"]
    assert app.state.Session.kw["bind"] is db.engine_for(db.database_url(sqlite_url), readonly=True)
    assert app.state.base_url == "http://127.0.0.1:8123"
    result = CliRunner().invoke(main, ["serve", "--db", sqlite_url, "--base-url", "javascript:alert(1)"])
    assert result.exit_code == 2 and "base URL must be http(s)" in result.output
