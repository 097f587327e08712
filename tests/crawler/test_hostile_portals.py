"""Hostile portals: the crawler fetches nothing internal, and every crawl ends.

A fixture portal on 127.0.0.1 links attachments and reports at an internal canary server
(another 127.0.0.1 port, and [::1]), and redirects there; the canary must see no request
and nothing of it may be stored. Other portals nest year folders for ever, or make each
report page list two more "reports" (an alert flood): the crawl ends within its bounds,
says why, and puts the flooding source on hold until a person confirms it.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import build
from crawler.discovery import links, parse_html
from crawler.netguard import is_public, origin
from crawler.sample_portal import StaticHandler, serve
from crawler.sources import Source
from tests.crawler.crawl_helpers import FAST, NIANBAO, reports_in

TITLE = "{agency}{year}年政府信息公开工作年度报告"


class Canary(BaseHTTPRequestHandler):
    """An internal server: any request it sees is a failure of the crawler."""

    hits: list = []

    def do_GET(self):  # noqa: N802
        self.hits.append(self.path)
        body = b"<html><body>INTERNAL SECRET 2023\xe5\xb9\xb4\xe6\x94\xbf\xe5\xba\x9c</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _canary(family: int, host: str):
    handler = type("CanaryHandler", (Canary,), {"hits": []})
    server_class = type("CanaryServer", (ThreadingHTTPServer,), {"address_family": family, "daemon_threads": True})
    server = server_class((host, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, handler


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


def _report_html(agency: str, year: int, seed: int, extra: str = "") -> bytes:
    entry = build.Entry("trs", f"h-{seed}", agency, year, seed)
    data = build.html_bytes(build.report_of(entry))
    return data.replace(b"</body>", extra.encode("utf-8") + b"</body>", 1) if extra else data


def _li(href: str, title: str) -> str:
    return f'<li><a href="{href}" title="{title}">{title}</a></li>'


class Hostile(StaticHandler):
    """The hostile portals (paths below), and a count of every request."""

    counts: dict = {}
    canary = ""
    canary6 = ""

    def do_GET(self):  # noqa: N802
        path = self.path.split("?")[0]
        self.counts[path] = self.counts.get(path, 0) + 1
        if path == "/ssrf/report-redirect.html":
            return self._redirect(f"{self.canary}/internal-report.html")
        if path == "/redirect-start/index.html":
            return self._redirect(f"{self.canary}/internal-listing.html")
        if path == "/redirect6/index.html":
            return self._redirect(f"{self.canary6 or self.canary}/internal6.html")
        if path.startswith("/nest-same/") and path.endswith("index.html"):
            return self._page("年报", '<ul>' + _li("./t1.html", TITLE.format(agency="示例市统计局", year=2023))
                              + '<li><a href="./2023/index.html">2023年</a></li></ul>')
        if path.startswith("/nest-same/") and path.endswith("t1.html"):
            return self._bytes(_report_html("示例市统计局", 2023, 91))
        if path.startswith(("/nest-varied/", "/nest-budget/")) and path.endswith("index.html"):
            level = path.count("/2023")
            return self._page("年报", f'<ul><li><a href="/nest-varied/">第{level}级</a></li>'
                              '<li><a href="./2023/index.html">2023年</a></li></ul>')
        match = re.fullmatch(r"/flood/r/(\d+)\.html", path)
        if match:
            n = int(match.group(1))
            more = "".join(f'<p><a href="/flood/r/{k}.html">{TITLE.format(agency=f"示例市第{k}局", year=2023)}</a></p>'
                           for k in (2 * n, 2 * n + 1))
            return self._bytes(_report_html(f"示例市第{n}局", 2023, 100 + n % 50, more))
        return super().do_GET()

    def _redirect(self, to: str):
        self.send_response(302)
        self.send_header("Location", to)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _bytes(self, data: bytes):
        self.send_bytes(200, data, "text/html; charset=utf-8")

    def _page(self, title: str, body: str):
        self._bytes(f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>{body}</body></html>'
                    .encode("utf-8"))


@pytest.fixture
def hostile(tmp_path):
    canary, canary_handler = _canary(socket.AF_INET, "127.0.0.1")
    canary6 = canary6_handler = None
    if _ipv6_loopback():
        canary6, canary6_handler = _canary(socket.AF_INET6, "::1")
    canary_url = f"http://127.0.0.1:{canary.server_address[1]}"
    canary6_url = f"http://[::1]:{canary6.server_address[1]}" if canary6 else ""
    root = tmp_path / "site"
    (root / "ssrf").mkdir(parents=True)
    (root / "flood").mkdir()
    # A column whose listing is hostile too: 200,000 attributes on one element, a malformed href.
    attrs = " ".join(f'data-a{i}="x"' for i in range(200_000))
    listing = ('<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body>'
               f'<div {attrs}>x</div><ul>'
               + _li("./r1.html", TITLE.format(agency="示例市公安局", year=2023))
               + '<li><a href="//[::1">示例市公安局2021年政府信息公开工作年度报告</a></li>'
               + _li("./report-redirect.html", TITLE.format(agency="示例市财政局", year=2023))
               + _li(f"{canary_url}/listed-report.html", TITLE.format(agency="示例市内网局", year=2023))
               + _li("./r2.html", TITLE.format(agency="示例市民政局", year=2022))
               + "</ul></body></html>")
    (root / "ssrf/index.html").write_text(listing, encoding="utf-8")
    attachments = (f'<p><a href="{canary_url}/secret.pdf">附件：{TITLE.format(agency="示例市公安局", year=2023)}.pdf</a></p>'
                   + (f'<p><a href="{canary6_url}/secret6.pdf">附件2.pdf</a></p>' if canary6 else "")
                   + '<p><a href="http://169.254.169.254/latest/meta-data/iam.pdf">附件3.pdf</a></p>'
                   + '<p><a href="./private-att/denied.pdf">附件4.pdf</a></p>')
    (root / "ssrf/r1.html").write_bytes(_report_html("示例市公安局", 2023, 93, attachments))
    (root / "ssrf/r2.html").write_bytes(_report_html("示例市民政局", 2022, 94))
    (root / "flood/index.html").write_text(
        '<html><head><meta charset="utf-8"></head><body><ul>'
        + _li("/flood/r/1.html", TITLE.format(agency="示例市第1局", year=2023)) + "</ul></body></html>",
        encoding="utf-8")
    handler = type("HostileHandler", (Hostile,), {"counts": {}, "canary": canary_url, "canary6": canary6_url})
    server, base = serve(root, handler)
    sources = tmp_path / "sources.toml"
    sources.write_text(build.sources_text(
        Source("ssrf", [f"{base}/ssrf/index.html"], deny=["/private-att/"]),
        Source("redirect-start", [f"{base}/redirect-start/index.html"]),
        Source("redirect6", [f"{base}/redirect6/index.html"]),
        Source("nest-same", [f"{base}/nest-same/index.html"], agency="示例市统计局"),
        Source("nest-varied", [f"{base}/nest-varied/index.html"], max_depth=6),
        Source("nest-budget", [f"{base}/nest-budget/index.html"], max_pages=4, max_depth=50),
        Source("flood", [f"{base}/flood/index.html"], max_new_reports=10, max_depth=5),
    ), encoding="utf-8")
    yield {"sources": sources, "base": base, "handler": handler, "canary": canary_handler,
           "canary6": canary6_handler, "canary_url": canary_url, "tmp": tmp_path}
    for srv in (server, canary, canary6):
        if srv is not None:
            srv.shutdown()
            srv.server_close()


def _crawl(h, db: str, *args: str, timeout: float = 200) -> tuple[subprocess.CompletedProcess, dict]:
    env = dict(os.environ, NIANBAO_STATE_DIR=str(h["tmp"] / "state"), PYTHONWARNINGS="ignore")
    done = subprocess.run([*NIANBAO, "crawl", "--sources", str(h["sources"]), "--db", db, "--json", *FAST, *args],
                          capture_output=True, text=True, timeout=timeout, env=env)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done, json.loads(done.stdout)


def _documents(db: str) -> list[str]:
    import sqlalchemy as sa

    from archive.db import open_archive
    from archive.models import Document

    with open_archive(db)() as session:
        return list(session.execute(sa.select(Document.url)).scalars())


def test_addresses_and_origins():
    assert not is_public("127.0.0.1") and not is_public("::1") and not is_public("169.254.169.254")
    assert not is_public("10.1.2.3") and not is_public("::ffff:127.0.0.1") and not is_public("fd00::1")
    assert not is_public("100.64.0.1") and not is_public("0.0.0.0") and not is_public("2002:7f00:1::1")
    assert is_public("202.108.22.5") and is_public("2400:da00::6666")
    assert origin("HTTP://Gaj.Example.gov.cn/x") == ("http", "gaj.example.gov.cn", 80)
    assert origin("https://[::1]:8443/") == ("https", "::1", 8443)
    assert origin("http://[::1/") is None


def test_malformed_href_loses_one_link_not_the_page():
    page = ('<ul><li><a href="//[::1">x</a></li><li><a href="http://[::1/a">y</a></li>'
            '<li><a href="/ok.html">示例市2023年政府信息公开工作年度报告</a></li></ul>')
    found = links(parse_html(page, "http://www.example.gov.cn/"), "http://www.example.gov.cn/")
    assert [l.url for l in found] == ["http://www.example.gov.cn/ok.html"]


@pytest.mark.parametrize("attribute", ['a{}="x"', "a{}", "\na{}"])
def test_huge_element_is_parsed_in_bounded_time(attribute):
    attrs = " ".join(attribute.format(i) for i in range(200_000))
    page = f'<div {attrs}>x</div><a href="/r.html">示例市2023年政府信息公开工作年度报告</a>'
    started = time.monotonic()
    found = links(parse_html(page, "http://x.gov.cn/"), "http://x.gov.cn/")
    assert [l.url for l in found] == ["http://x.gov.cn/r.html"]
    assert time.monotonic() - started < 5  # unbounded, libxml2 takes minutes on this element


@pytest.mark.timeout(300)
def test_hostile_portals(hostile, sqlite_url):
    h = hostile
    started = time.monotonic()
    done, summary = _crawl(h, sqlite_url)
    elapsed = time.monotonic() - started
    sources = summary["sources"]

    # SSRF: the canaries saw nothing; nothing internal is stored.
    assert h["canary"].hits == [], h["canary"].hits
    if h["canary6"] is not None:
        assert h["canary6"].hits == []
    stored = _documents(sqlite_url)
    assert not [u for u in stored if "169.254" in u or "[::1]" in u or u.startswith(h["canary_url"])], stored
    assert summary["refused"] >= 4
    # The reports of the hostile column are archived; its page survived the hostile markup.
    reports = reports_in(sqlite_url)
    assert ("示例市公安局", 2023) in reports and ("示例市民政局", 2022) in reports
    assert sources["ssrf"]["complete"] and not sources["ssrf"]["failed"], sources["ssrf"]
    assert h["handler"].counts.get("/ssrf/private-att/denied.pdf") is None  # deny applies to attachments
    # A start page redirecting inside: refused, one line, the source failed.
    for name in ("redirect-start", "redirect6"):
        assert sources[name]["failed"].startswith("refused"), sources[name]
    assert re.search(r"^source redirect-start: refused .*private or local address", done.stderr, re.M)

    # Every crawl ends: nested folders by content, by depth, by page budget.
    assert sources["nest-same"]["complete"] and h["handler"].counts.get("/nest-same/2023/2023/index.html", 0) <= 1
    assert not sources["nest-varied"]["complete"]
    assert "depth limit 6" in sources["nest-varied"]["incomplete_reason"]
    assert "page budget of 4" in sources["nest-budget"]["incomplete_reason"]
    assert sum(n for p, n in h["handler"].counts.items() if p.startswith("/nest-varied/")) <= 6 + 1
    assert sum(n for p, n in h["handler"].counts.items() if p.startswith("/nest-budget/")) <= 4
    # The flood: stopped at its bound, said so, put on hold.
    flood = sources["flood"]
    assert flood["failed"] and "more than 10 new reports" in flood["failed"]
    fetched = [p for p in h["handler"].counts if p.startswith("/flood/r/")]
    # At most the bound (+1: the request that tripped it); under load a counted request
    # whose download failed is not retried once the source is stopped.
    assert 3 <= len(fetched) <= 11, fetched
    assert flood["events"].get("new", 0) <= 10
    assert re.search(r"^source flood: more than 10 new reports", done.stderr, re.M)
    assert elapsed < 150
    holds = json.loads((h["tmp"] / "state/holds.json").read_text(encoding="utf-8"))
    assert any("flood" in held for held in holds.values())

    # Held: the next crawl leaves the source out and raises no event for it.
    before = dict(h["handler"].counts)
    done, summary = _crawl(h, sqlite_url, "--source", "flood")
    assert done.returncode == 1 and "on hold since" in summary["sources"]["flood"]["failed"]
    assert summary["events"] == {}
    assert {p: n for p, n in h["handler"].counts.items() if p.startswith("/flood")} == \
        {p: n for p, n in before.items() if p.startswith("/flood")}
    # A person confirms: the next crawl goes on (the depth limit still ends it), and the hold is gone.
    env = dict(os.environ, NIANBAO_STATE_DIR=str(h["tmp"] / "state"))
    confirm = subprocess.run([*NIANBAO, "sources", "confirm", "flood", "--db", sqlite_url], capture_output=True,
                             text=True, timeout=60, env=env)
    assert confirm.returncode == 0, confirm.stderr
    done, summary = _crawl(h, sqlite_url, "--source", "flood")
    flood = summary["sources"]["flood"]
    assert not flood["failed"], flood
    assert flood["events"].get("new", 0) > 5
    holds = json.loads((h["tmp"] / "state/holds.json").read_text(encoding="utf-8"))
    assert not any("flood" in held for held in holds.values())
    again = subprocess.run([*NIANBAO, "sources", "confirm", "flood", "--db", sqlite_url], capture_output=True,
                           text=True, timeout=60, env=env)
    assert again.returncode == 1 and "no hold on 'flood'" in again.stderr


def test_sources_check_follows_no_redirect_inside(hostile):
    h = hostile
    env = dict(os.environ, NIANBAO_STATE_DIR=str(h["tmp"] / "state"))
    done = subprocess.run([*NIANBAO, "sources", "check", "redirect-start", "--sources", str(h["sources"]), "--json",
                           "--timeout", "10"], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 1
    [result] = json.loads(done.stdout)
    assert "private or local address" in result["error"], result
    assert h["canary"].hits == []
