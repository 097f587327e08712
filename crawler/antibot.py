"""Anti-bot challenges and WAF block pages: recognised, reported, never taken as content.

- 瑞数 (Riversecurity): HTTP 412 (sometimes 202/200) with an obfuscated ``$_ts`` script
  and a ``__jsluid_s`` cookie;
- 加速乐 (Jiasule/Knownsec): HTTP 521 with a script that sets ``__jsl_clearance``;
- WAF block pages (403/405/400/200) of 安全狗, 云锁, 创宇盾, Alibaba/Tencent Cloud WAF, …

A blocked response says nothing about the page behind it: it is neither archived nor
taken as proof that a report was withdrawn, and the source's crawl is not complete.
"""
from __future__ import annotations

import logging
import re

from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger(__name__)

_TS = re.compile(rb"\$_ts\s*=|\$_ts\.|__jsluid_s|_\$[a-zA-Z]{2}\s*=\s*\$_ts", re.I)
# Every branch of _TS holds one of these (re.I on bytes folds ASCII only, as bytes.lower()
# does): two substring tests on every page instead of the pattern's scan (~0.2 ms a page).
_TS_WORDS = (b"$_ts", b"__jsluid_s")
_JSL = re.compile(rb"__jsl_clearance|__jsluid_h|document\.cookie\s*=\s*\(?['\"]?__jsl", re.I)
_WAF_WORDS = (
    "您的访问被拦截", "访问已被拦截", "访问被阻断", "请求已被拦截", "网站防火墙", "Web应用防火墙",
    "安全狗", "云锁", "创宇盾", "您的请求带有不合法参数", "疑似黑客攻击", "访问频率过快", "访问过于频繁",
    "Request blocked", "Access Denied - Sucuri", "WAF", "waf.tencent", "errors.aliyun.com",
)
_WAF_BYTES = tuple(w.encode("utf-8") for w in _WAF_WORDS) + tuple(
    w.encode("gb18030") for w in _WAF_WORDS if not w.isascii()
)


class Blocked(IgnoreRequest):
    """A challenge or block page stood where the requested page should be."""

    def __init__(self, kind: str, url: str):
        super().__init__(f"blocked by {kind}: {url}")
        self.kind = kind
        self.url = url


def _ruishu_script(head: bytes) -> bool:
    lowered = head.lower()
    return any(word in lowered for word in _TS_WORDS) and _TS.search(head) is not None


def challenge_kind(status: int, cookies: bytes, body: bytes) -> str | None:
    """The kind of anti-bot page a response is (``cookies``: its Set-Cookie values joined):
    ``"ruishu"``, ``"jiasule"``, ``"waf"``, or ``None``."""
    head = body[:20000]
    if status in (412, 202, 200) and (_ruishu_script(head) or (status == 412 and b"__jsluid_s" in cookies)):
        if status != 200 or len(body) < 30000:
            return "ruishu"
    if status == 521 or b"__jsl_clearance" in cookies:
        if _JSL.search(head) or b"__jsluid_h" in cookies or status == 521:
            return "jiasule"
    if status in (400, 403, 405, 406, 418, 429, 493, 501, 503, 200) and len(body) < 20000:
        if any(w in head for w in _WAF_BYTES):
            # A short page that talks about blocking: a real article would be longer or
            # would not say these words; a 200 needs two markers to be called a block page.
            hits = sum(1 for w in _WAF_BYTES if w in head)
            if status != 200 or hits >= 2:
                return "waf"
    return None


class AntiBotMiddleware:
    """Downloader middleware: challenges passed where possible, block pages turned into
    :class:`Blocked` errors.

    Placed after (numbered above) the retry middleware so that it sees responses first.
    A 瑞数 or 加速乐 challenge is solved in the browser once per host and the request sent
    again with the cookies that passed (:class:`crawler.challenges.Clearances`, which
    also puts those cookies on every later request to the host). A WAF block page, or a
    challenge that cannot be passed, is counted per source (``nianbao/blocked/<source>``)
    and the spider told, so that the source's crawl is reported as blocked.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self._clearances = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def clearances(self):
        """The crawl's :class:`crawler.challenges.Clearances` extension (``None`` if disabled)."""
        if self._clearances is None:
            from crawler.challenges import Clearances

            self._clearances = self.crawler.get_extension(Clearances) or False
        return self._clearances or None

    def process_request(self, request):
        if self.clearances is not None and not request.meta.get("nianbao_render"):
            self.clearances.apply(request)
        return None

    async def process_response(self, request, response):
        render = request.meta.get("nianbao_render")
        browser = request.meta.get("nianbao_browser")
        if render == "challenge":
            return response  # a solve: read by the Clearances that asked for it
        if browser is not None:  # a rendered page: the browser already waited out any challenge
            if browser.get("solved", True):
                if self.clearances is not None:
                    self.clearances.learn(request, browser)
                return response
            kind, reason = browser.get("kind") or "challenge", "not passed in the browser"
        else:
            cookies = b" ".join(response.headers.getlist(b"Set-Cookie"))
            kind = challenge_kind(response.status, cookies, response.body)
            if kind is None:
                if self.clearances is not None:
                    self.clearances.passed(request)
                return response
            reason = None
            if kind in ("ruishu", "jiasule") and self.clearances is not None:
                from crawler.challenges import Unsolvable

                try:
                    await self.clearances.solve(request, kind)
                    return self.clearances.retry(request)
                except Unsolvable as exc:
                    reason = str(exc)
            elif self.clearances is not None:
                self.clearances.failed_request(request)
        self._blocked(request, response, kind, reason)
        raise Blocked(kind, request.url)

    def process_exception(self, request, exception):
        if self.clearances is not None and not request.meta.get("nianbao_render"):
            self.clearances.failed_request(request)  # its cookies were not tried: not waited for
        return None

    def _blocked(self, request, response, kind: str, reason: str | None) -> None:
        source = request.meta.get("source", "?")
        self.crawler.stats.inc_value(f"nianbao/blocked/{source}")
        self.crawler.stats.inc_value("nianbao/blocked")
        from crawler.bookkeeping import Bookkeeping

        book = self.crawler.get_extension(Bookkeeping)
        if book is not None:
            book.blocked(source, kind, request.url + (f" ({reason})" if reason else ""))
        logger.warning("%s: %s challenge at %s (HTTP %s)%s: not content, source marked blocked",
                       source, kind, request.url, response.status, f": {reason}" if reason else "")
