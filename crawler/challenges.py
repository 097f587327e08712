"""Cookie challenges solved once per host in the browser, then passed by plain requests.

A portal behind 瑞数 (412, ``$_ts``) or 加速乐 (521, ``__jsl_clearance_s``) answers every
request — robots.txt included — with a script that computes a cookie and reloads. The
:class:`Clearances` extension keeps, per host, the cookies (and the User-Agent) with
which the browser came through:

1. a plain request gets a challenge → the host's challenge is solved in the browser (one
   solve at a time per host; requests that meet the challenge meanwhile wait for it);
2. the request is sent again, plain, with those cookies and that User-Agent — and so is
   every later request to the host (robots.txt first: it is fetched after the solve and
   obeyed);
3. when the cookies stop working (a challenge again with the newest cookies, after they
   let pages through) the host is solved again, up to ``NIANBAO_CHALLENGE_MAX_SOLVES``
   times a crawl, and one request is sent again at most ``MAX_TRIES`` times;
4. a challenge the browser cannot pass (or no browser), or a solve whose cookies let no
   page through (the challenge comes back at once: solving again would only spend the
   crawl's time), makes the host unsolvable for the rest of the crawl: its pages are
   reported blocked, never archived, never taken as withdrawn
   (:class:`crawler.antibot.Blocked`);
5. solving is bounded per crawl: the browser gets ``NIANBAO_CHALLENGE_TIME_BUDGET`` seconds
   of solving (time while at least one solve runs; each solve at most what is left of
   it); once it is spent, hosts that need a solve are reported blocked. A crawl of many
   challenged hosts ends in bounded time.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from scrapy import Request, signals
from scrapy.utils.httpobj import urlparse_cached

from crawler.rendering import RENDER_CHALLENGE

logger = logging.getLogger(__name__)

SOLVABLE = ("ruishu", "jiasule")  # challenges a browser passes; WAF block pages are not
MAX_TRIES = 4  # plain retries of one request after solves
# How long a challenge with fresh cookies waits for the other requests sent with them
# before the solve is judged useless: with cookies good for a few requests, a
# concurrent request may be challenged before the ones that passed were seen.
VERDICT_WAIT = 5.0


class Unsolvable(Exception):
    """The host's challenge cannot be passed in this crawl (the message says why)."""


@dataclass
class Clearance:
    """What passed a host's challenge: the browser's cookies and User-Agent."""

    cookies: dict[str, str]
    user_agent: str | None
    generation: int
    solved_at: float = field(default_factory=time.monotonic)
    worked: int = 0  # plain responses that came through with these cookies
    in_flight: int = 0  # plain requests sent with these cookies and not answered yet
    from_solve: bool = True  # False: learned from a rendered page, never tried plain


class Clearances:
    """Extension: per-host clearance cookies, the solves, and the hosts that cannot be passed."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.max_solves = crawler.settings.getint("NIANBAO_CHALLENGE_MAX_SOLVES")
        self.budget = crawler.settings.getfloat("NIANBAO_CHALLENGE_TIME_BUDGET", 300.0)
        self.navigation_timeout = crawler.settings.getfloat("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", 30_000) / 1000
        self._spent = 0.0  # seconds while a solve ran, up to the last time none ran
        self._running = 0  # solves running now
        self._since = 0.0  # since when one runs
        self.hosts: dict[str, Clearance] = {}
        self.failed: dict[str, str] = {}
        self.solves: dict[str, int] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        crawler.signals.connect(self._closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @staticmethod
    def host(request) -> str:
        return urlparse_cached(request).netloc

    # --- plain requests ---------------------------------------------------------------

    def apply(self, request) -> None:
        """Send the host's clearance cookies and User-Agent with a plain request."""
        clearance = self.hosts.get(self.host(request))
        if clearance is None:
            return
        # The browser is the host's cookie authority: exactly its cookies are sent, past
        # Scrapy's cookie jar (which would keep the challenge's own Set-Cookie values too).
        request.meta["dont_merge_cookies"] = True
        request.headers[b"Cookie"] = "; ".join(f"{k}={v}" for k, v in clearance.cookies.items())
        if clearance.user_agent:
            request.headers[b"User-Agent"] = clearance.user_agent
        request.meta["nianbao_clearance"] = clearance.generation
        request.meta["nianbao_clearance_open"] = True
        clearance.in_flight += 1

    def _answered(self, request) -> Clearance | None:
        """The clearance ``request`` carried, if it is still the host's; its answer counted once."""
        generation = request.meta.get("nianbao_clearance")
        clearance = self.hosts.get(self.host(request))
        if generation is None or clearance is None or clearance.generation != generation:
            return None
        if request.meta.pop("nianbao_clearance_open", False):
            clearance.in_flight -= 1
        return clearance

    def passed(self, request) -> None:
        """A plain response that was no challenge: the cookies it carried work."""
        clearance = self._answered(request)
        if clearance is not None:
            clearance.worked += 1

    def failed_request(self, request) -> None:
        """A plain request that got no response (an error): it says nothing of its cookies."""
        self._answered(request)

    def retry(self, request) -> Request:
        """The request again after a solve: plain, with the new cookies."""
        tries = request.meta.get("nianbao_challenge_tries", 0) + 1
        if tries > MAX_TRIES:
            raise Unsolvable(f"still challenged after {MAX_TRIES} solves")
        meta = {k: v for k, v in request.meta.items()
                if k not in ("nianbao_clearance", "nianbao_clearance_open", "download_slot")}
        meta["nianbao_challenge_tries"] = tries
        return request.replace(meta=meta, dont_filter=True)

    # --- solving ------------------------------------------------------------------------

    @property
    def spent(self) -> float:
        """Seconds of this crawl during which the browser was solving (solves of several
        hosts at once counted once)."""
        return self._spent + (time.monotonic() - self._since if self._running else 0.0)

    def _solving(self, started: bool) -> None:
        now = time.monotonic()
        if started:
            if not self._running:
                self._since = now
            self._running += 1
        else:
            self._running -= 1
            if not self._running:
                self._spent += now - self._since

    def _fail(self, host: str, reason: str) -> Unsolvable:
        self.failed.setdefault(host, reason)
        self.crawler.stats.inc_value("nianbao/challenge/unsolvable")
        logger.warning("%s: challenge not passed (%s); its pages are reported blocked", host, reason)
        return Unsolvable(reason)

    async def solve(self, request, kind: str) -> None:
        """Make sure the host of ``request`` has a clearance newer than the one it carried."""
        host = self.host(request)
        if host in self.failed:
            raise Unsolvable(self.failed[host])
        used = self._answered(request)
        if used is not None and used.from_solve and not used.worked:
            await self._verdict(used)
        lock = self._locks.setdefault(host, asyncio.Lock())
        async with lock:
            if host in self.failed:
                raise Unsolvable(self.failed[host])
            current = self.hosts.get(host)
            if current is not None and current.generation != request.meta.get("nianbao_clearance"):
                return  # solved meanwhile by another request: retry with those cookies
            if current is not None and current.from_solve and not current.worked:
                # The challenge came back with the cookies of a solve that let nothing
                # through: solving again would spend the crawl's time for nothing.
                raise self._fail(host, f"{kind} challenge came back at once after a solve")
            if self.solves.get(host, 0) >= self.max_solves:
                raise self._fail(host, f"solved {self.max_solves} times already in this crawl")
            left = self.budget - self.spent
            if left <= 0:
                raise self._fail(host, f"the crawl's challenge-solving time ({self.budget:g} s) is spent")
            await self._solve(host, request, kind, (current.generation if current else 0) + 1, left)

    async def _verdict(self, clearance: Clearance) -> None:
        """Wait (a little) for the other requests sent with ``clearance`` before it is judged."""
        end = time.monotonic() + VERDICT_WAIT
        while clearance.in_flight > 0 and not clearance.worked and time.monotonic() < end:
            await asyncio.sleep(0.05)

    async def _solve(self, host: str, request, kind: str, generation: int, left: float) -> None:
        from crawler.rendering import BrowserUnavailable

        self.solves[host] = self.solves.get(host, 0) + 1
        # At most what is left of the crawl's solving time, for the navigation and for
        # the challenge's reloads alike (the browser middleware reads these).
        solve = Request(request.url, dont_filter=True, priority=request.priority + 10,
                        meta={"nianbao_render": RENDER_CHALLENGE, "dont_obey_robotstxt": True,
                              "source": request.meta.get("source"), "handle_httpstatus_all": True,
                              "dont_retry": True, "nianbao_render_timeout": left,
                              "nianbao_navigation_timeout": min(self.navigation_timeout, left)})
        started = time.monotonic()
        self._solving(True)
        try:
            response = await self.crawler.engine.download_async(solve)
        except BrowserUnavailable as exc:
            raise self._fail(host, f"needs a browser: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - a failed solve is a failed solve, whatever broke
            first = (str(exc).strip().splitlines() or [""])[0]  # Playwright appends its call log
            raise self._fail(host, f"{kind} challenge: {type(exc).__name__}: {first[:160]}") from None
        finally:
            self._solving(False)
        result = response.meta.get("nianbao_browser") or {}
        if not result.get("solved") or not result.get("cookies"):
            raise self._fail(host, f"{kind} challenge not passed in the browser")
        self.hosts[host] = Clearance({c["name"]: c["value"] for c in result["cookies"]},
                                     result.get("user_agent"), generation)
        self.crawler.stats.inc_value("nianbao/challenge/solved")
        logger.info("%s: %s challenge passed in the browser in %.1f s (solve %d)", host, kind,
                    time.monotonic() - started, self.solves[host])

    def learn(self, request, result: dict) -> None:
        """Cookies from a rendered page that came through a challenge on its own."""
        if result.get("challenged") and result.get("solved") and result.get("cookies"):
            host = self.host(request)
            current = self.hosts.get(host)
            self.hosts[host] = Clearance({c["name"]: c["value"] for c in result["cookies"]},
                                         result.get("user_agent"), (current.generation if current else 0) + 1,
                                         from_solve=False)

    def _closed(self, spider):
        for host, count in sorted(self.solves.items()):
            state = f"not passed ({self.failed[host]})" if host in self.failed else "passed"
            logger.info("challenge at %s: %d solve(s), %s", host, count, state)
        if self.solves:
            logger.info("challenges: %.1f s of solving (budget %g s)", self.spent, self.budget)
