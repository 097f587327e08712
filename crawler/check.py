"""``nianbao sources check``: fetch a source's start page once and say what discovery finds.

A single polite request (robots.txt asked first, the crawl's User-Agent), no reactor:
what the page is (encoding, a challenge page?), which annual-report columns, report
links, hubs and pagination the generic discovery sees on it.
"""
from __future__ import annotations

import socket
import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import asdict, dataclass, field
from urllib.parse import urljoin

from crawler import cms
from crawler.antibot import challenge_kind
from crawler.discovery import classify, links, parse_html
from crawler.middlewares import page_codec
from crawler.netguard import is_public, origin

MAX_BYTES = 8 * 1024 * 1024


class _GuardedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to the start URL's own origin or to a public address
    (the crawl's rule, crawler.netguard, for this one-off check)."""

    def __init__(self, start: str):
        self.start = origin(start)

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        target = origin(newurl)
        if target is None or target[0] not in ("http", "https"):
            raise urllib.error.URLError(f"redirected to {newurl}: not an http(s) URL")
        if target != self.start:
            try:
                addresses = {info[4][0] for info in socket.getaddrinfo(target[1], target[2])}
            except OSError:
                addresses = set()
            if any(not is_public(a) for a in addresses):
                raise urllib.error.URLError(f"redirected to {newurl}: a private or local address, refused")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _open(request: urllib.request.Request, start: str, timeout: float):
    return urllib.request.build_opener(_GuardedRedirects(start)).open(request, timeout=timeout)


@dataclass
class CheckResult:
    """What one start URL showed."""

    url: str
    status: int | None = None
    error: str | None = None
    encoding: str | None = None
    blocked: str | None = None
    robots_allowed: bool | None = None
    columns: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    hubs: list[str] = field(default_factory=list)
    year_folders: list[str] = field(default_factory=list)
    pagination: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _robots_allowed(url: str, agent: str, timeout: float) -> bool | None:
    parser = urllib.robotparser.RobotFileParser()
    robots = urljoin(url, "/robots.txt")
    try:
        with _open(urllib.request.Request(robots, headers={"User-Agent": agent}), url, timeout) as answer:
            parser.parse(answer.read(65536).decode("utf-8", "replace").splitlines())
    except urllib.error.HTTPError as exc:
        return exc.code not in (401, 403) or None
    except (urllib.error.URLError, OSError, ValueError):
        return None  # unreachable robots.txt: the crawl's middleware decides later
    return parser.can_fetch(agent, url)


def check_url(url: str, agent: str, timeout: float = 30.0) -> CheckResult:
    """Fetch ``url`` (if robots.txt allows) and run discovery on it."""
    result = CheckResult(url=url)
    result.robots_allowed = _robots_allowed(url, agent, timeout)
    if result.robots_allowed is False:
        result.error = "disallowed by robots.txt"
        return result
    request = urllib.request.Request(url, headers={"User-Agent": agent, "Accept-Encoding": "identity"})
    cookies = b""
    try:
        with _open(request, url, timeout) as answer:
            status, body = answer.status, answer.read(MAX_BYTES)
            content_type = answer.headers.get("Content-Type")
            final_url = answer.url
    except urllib.error.HTTPError as exc:
        status, body, content_type, final_url = exc.code, exc.read(MAX_BYTES), exc.headers.get("Content-Type"), url
        cookies = " ".join(exc.headers.get_all("Set-Cookie") or []).encode("latin-1", "replace")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        result.error = f"cannot fetch: {getattr(exc, 'reason', exc)}"
        return result
    result.status = status
    result.blocked = challenge_kind(status, cookies, body)
    if result.blocked:
        result.error = f"answered with a {result.blocked} challenge/block page (HTTP {status})"
        return result
    if status >= 400:
        result.error = f"HTTP {status}"
        return result
    codec = page_codec(body, content_type) or "utf-8"
    result.encoding = codec
    text = body.decode(codec, "replace")
    page_links = links(parse_html(text, final_url), final_url)
    records = cms.hanweb_records(text)
    if records:
        page_links = links(parse_html("<ul>" + "".join(records) + "</ul>", final_url), final_url) + page_links
        result.pagination.append(f"Hanweb datastore ({len(records)} records)")
        if cms.hanweb_proxy_base(text, final_url):
            result.pagination.append("Hanweb dataproxy.jsp for further records")
    found = classify(page_links, final_url)
    result.columns = [f"{link.text} <{link.url}>" for link in found.columns]
    result.reports = [f"{link.text} <{link.url}>" for link in found.reports]
    result.hubs = [f"{link.text} <{link.url}>" for link in found.hubs]
    result.year_folders = [f"{link.text} <{link.url}>" for link in found.year_folders]
    trs = cms.trs_pages(text, final_url, 10**6)
    if trs:
        result.pagination.append(f"TRS createPageHTML: {len(trs) + 1} pages")
    if cms.next_links(page_links):
        result.pagination.append("下一页 link")
    if cms.query_pages(page_links, final_url):
        result.pagination.append("?page=N links")
    return result
