"""Lists built by script and bodies written by script, crawled through headless Chromium.

The fixture portal (``tests/sites/scripted.py``) serves a column whose static HTML is an
empty list and a script that fetches the list as JSON and pages it with a script pager,
and report pages whose body a script writes. Each crawl is ``nianbao crawl`` in a
subprocess against the real HTTP server, with Debian's chromium through scrapy-playwright.
"""
from __future__ import annotations

import json
import os
import subprocess

import lxml.html
import pytest

import build
import scripted
import server
from tests.crawler.browser_helpers import documents_in, needs_chromium
from tests.crawler.crawl_helpers import FAST, NIANBAO, archive_events, crawl, reports_in

pytestmark = pytest.mark.browser


@pytest.fixture
def js_portal(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    documents = scripted.write(root)
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /js/private/\n", encoding="utf-8")
    srv, base, handler = server.start(root)
    sources = tmp_path / "sources.toml"
    sources.write_text(scripted.sources_toml(base), encoding="utf-8")
    yield sources, base, handler, documents
    srv.shutdown()
    srv.server_close()


def _check_first_crawl(summary, db, base, handler, documents):
    expected = {(e.agency, e.year) for e in scripted.entries()}
    reports = reports_in(db)
    # Every report of the script-built list, from all its script pages, parsed for real —
    # the two whose body a script writes included.
    assert set(reports) == expected
    assert all(r["versions"] == 1 and r["facts"] > 100 and r["template"] in ("2019", "2021")
               for r in reports.values()), reports
    assert summary["events"] == {"new": len(expected)}
    source = summary["sources"]["js-district"]
    assert source["complete"] and not source["blocked"], source
    # The archive holds the report pages and the attachment: no listing, hub or decoy page.
    stored = documents_in(db)
    assert set(stored) == {base + path for path in documents}
    # The script-written bodies were archived as the browser showed them (the tables are in
    # the stored page, not only in an escaped script string).
    for entry in scripted.entries():
        if entry.slug.endswith(("innerhtml", "docwrite")):
            tree = lxml.html.fromstring(stored[base + scripted.path_of(entry)])
            assert len(tree.xpath("//table")) == 3 and "申请人情况" in tree.xpath("string(//table[2])")
    # The JSON pages were fetched by the page's own script, every one, each once.
    pages = (len(scripted.entries()) + len(build.DECOYS) + scripted.PER_PAGE - 1) // scripted.PER_PAGE
    assert [handler.counts.get(f"/js/api/ndbg_{n}.json", 0) for n in range(1, pages + 1)] == [1] * pages
    assert handler.counts.get(f"/js/api/ndbg_{pages + 1}.json", 0) == 0
    # Decoys listed by the script are never fetched.
    assert handler.counts.get("/js/zwgk/ndbg/notice.html", 0) == 0
    assert handler.counts.get("/js/zwgk/ndbg/yaodian.html", 0) == 0
    browser = summary["browser"]
    assert browser["launched"] == 1 and browser["lists"] == 1 and browser["pages"] == 2, browser


@needs_chromium
@pytest.mark.timeout(240)
def test_script_built_list_sqlite(js_portal, sqlite_url, tmp_path):
    sources, base, handler, documents = js_portal
    summary = crawl(sources, sqlite_url, "-s", "NIANBAO_BROWSER_MEMORY_INTERVAL=0.5", jobdir=tmp_path / "job1")
    _check_first_crawl(summary, sqlite_url, base, handler, documents)
    # The memory watch saw the browser (one browser for the crawl, whatever the scheme).
    assert 10 < summary["browser"]["peak_pss_mb"] <= summary["browser"]["peak_rss_mb"], summary["browser"]

    # Unchanged: no event; the report pages answer 304, so none is rendered again (and the
    # attachment of a page that answered 304 is not asked for).
    pages = [p for p in documents if p.endswith(".html")]
    before = {p: handler.counts[p] for p in pages}
    summary = crawl(sources, sqlite_url, jobdir=tmp_path / "job2")
    assert summary["events"] == {}
    assert summary["archived"] == 0 and summary["not_modified"] == len(pages)
    assert summary["browser"].get("pages", 0) == 0 and summary["browser"]["lists"] == 1
    assert all(handler.counts[p] == before[p] + 1 for p in pages)
    events = archive_events(sqlite_url)
    assert [e["kind"] for e in events if e["kind"] != "overdue"] == ["new"] * len(scripted.entries())


@needs_chromium
@pytest.mark.postgres
@pytest.mark.timeout(240)
def test_script_built_list_postgresql(js_portal, pg_url, tmp_path):
    sources, base, handler, documents = js_portal
    summary = crawl(sources, pg_url, jobdir=tmp_path / "job1")
    _check_first_crawl(summary, pg_url, base, handler, documents)
    summary = crawl(sources, pg_url, jobdir=tmp_path / "job2")
    assert summary["events"] == {}


@pytest.mark.timeout(180)
def test_ordinary_portal_never_starts_the_browser(tmp_path, sqlite_url):
    """Static portals cost what they cost without a browser: Chromium is never started."""
    root = tmp_path / "site"
    root.mkdir()
    portals = build.default_portals()
    portals.entries = [e for e in portals.entries if e.site in ("trs", "next", "years")]
    portals.write(root)
    srv, base, _handler = server.start(root)
    try:
        sources = tmp_path / "sources.toml"
        sources.write_text("".join(f'[[source]]\nname = "{name}"\nstart_urls = ["{base}{start}"]\n{extra}\n'
                                   for name, start, extra in (
                                       ("trs-city", "/trs/index.html", ""),
                                       ("next-district", "/next/xxgk/ndbg/list.html", ""),
                                       ("years-tjj", "/years/gknb/index.html", 'agency = "示例市统计局"'))),
                           encoding="utf-8")
        summary = crawl(sources, sqlite_url, jobdir=tmp_path / "job")
    finally:
        srv.shutdown()
        srv.server_close()
    assert summary["events"]["new"] == len([e for e in portals.entries if not e.private])
    assert summary["browser"] == {}


@pytest.mark.timeout(180)
def test_no_browser_the_crawl_goes_on(js_portal, tmp_path, sqlite_url):
    """Without Chromium the script-built column is left out with one line; the rest is crawled."""
    sources, base, handler, documents = js_portal
    root = sources.parent / "site"
    static = [build.Entry("next", "nx-1", "示例区卫生健康委员会", 2023, 31),
              build.Entry("next", "nx-2", "示例区住房和城乡建设局", 2022, 33)]
    for entry in static:
        build.write_report(root, entry)
    build.write_next(root, static)
    sources.write_text(sources.read_text(encoding="utf-8") + f'''
[[source]]
name = "next-district"
start_urls = ["{base}/next/xxgk/ndbg/list.html"]
''', encoding="utf-8")
    command = [*NIANBAO, "crawl", "--sources", str(sources), "--db", sqlite_url, "--json", *FAST,
               "-s", 'PLAYWRIGHT_LAUNCH_OPTIONS={"executable_path": "/nonexistent/chromium", "headless": true}',
               "--jobdir", str(tmp_path / "job")]
    env = dict(os.environ, NIANBAO_STATE_DIR=str(tmp_path / "state"), PYTHONWARNINGS="ignore")
    done = subprocess.run(command, capture_output=True, text=True, timeout=150, env=env)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    lines = [line for line in done.stderr.splitlines() if "no browser" in line]
    assert len(lines) == 1 and "chromium not found (/nonexistent/chromium)" in lines[0], done.stderr[-3000:]
    summary = json.loads(done.stdout[done.stdout.index("{"):])
    js = summary["sources"]["js-district"]
    assert not js["complete"] and "needs a browser" in js["incomplete_reason"], js
    assert summary["sources"]["next-district"]["complete"]
    assert set(reports_in(sqlite_url)) == {(e.agency, e.year) for e in static}
    # Nothing of the script-built column was archived in its static form.
    assert not [url for url in documents_in(sqlite_url) if "/js/" in url]


@needs_chromium
@pytest.mark.timeout(180)
def test_source_marked_render(tmp_path, sqlite_url):
    """``render = true``: the source's listings and report pages go through the browser."""
    root = tmp_path / "site"
    root.mkdir()
    static = [build.Entry("next", f"nx-{i}", name, year, 31 + i) for i, (name, year) in enumerate(
        [("示例区卫生健康委员会", 2023), ("示例区住房和城乡建设局", 2022), ("示例区生态环境局", 2022),
         ("示例区应急管理局", 2021), ("示例区教育局", 2023)])]
    for entry in static:
        build.write_report(root, entry)
    build.write_next(root, static)
    srv, base, handler = server.start(root)
    try:
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[[source]]\nname = "next-district"\nstart_urls = ["{base}/next/xxgk/ndbg/list.html"]\n'
                           "render = true\n", encoding="utf-8")
        summary = crawl(sources, sqlite_url, jobdir=tmp_path / "job")
    finally:
        srv.shutdown()
        srv.server_close()
    assert set(reports_in(sqlite_url)) == {(e.agency, e.year) for e in static}
    assert summary["sources"]["next-district"]["complete"]
    # Two listing pages (下一页 links), each rendered; every report page rendered after its plain fetch.
    assert summary["browser"]["lists"] == 2 and summary["browser"]["pages"] == len(static), summary["browser"]
    assert all(handler.counts[e.path()] == 2 for e in static)


@needs_chromium
@pytest.mark.timeout(180)
def test_browser_requests_stay_out_of_private_addresses(tmp_path, sqlite_url):
    """A page's script that reaches for another local origin is stopped in the browser;
    the list is still read."""
    secret_root = tmp_path / "secret"
    secret_root.mkdir()
    (secret_root / "admin.json").write_text("{}", encoding="utf-8")
    secret, secret_base, secret_handler = server.start(secret_root)
    root = tmp_path / "site"
    root.mkdir()
    scripted.write(root, column_extra=(
        f"<script>fetch('{secret_base}/admin.json').catch(function () {{}});"
        f"new Image().src = '{secret_base}/pixel.gif';</script>"))
    srv, base, _handler = server.start(root)
    try:
        sources = tmp_path / "sources.toml"
        sources.write_text(scripted.sources_toml(base), encoding="utf-8")
        summary = crawl(sources, sqlite_url, jobdir=tmp_path / "job")
    finally:
        for s in (srv, secret):
            s.shutdown()
            s.server_close()
    assert secret_handler.log == []  # another port of 127.0.0.1 is another, private, origin
    assert summary["browser"]["refused"] >= 1, summary["browser"]
    assert set(reports_in(sqlite_url)) == {(e.agency, e.year) for e in scripted.entries()}
