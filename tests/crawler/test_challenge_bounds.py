"""Challenge solving is bounded per crawl: a solve that did not help ends the host's
solving, and all solves together get ``NIANBAO_CHALLENGE_TIME_BUDGET`` seconds.

The anti-bot middleware and the ``Clearances`` extension are the real ones, built by
Scrapy from settings; only the browser is replaced (an engine whose ``download_async``
answers a solve request as the browser middleware would, on a clock the test moves).
"""
from __future__ import annotations

import asyncio
import types

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler import challenges
from crawler.antibot import AntiBotMiddleware, Blocked
from crawler.browser import BrowserMiddleware
from crawler.challenges import Clearances

RUISHU = b"<html><script>$_ts=window['$_ts'];$_ts.nsd=1;</script></html>"
PAGE = b"<html><body>" + "正文".encode() * 50 + b"</body></html>"
SOLVE_SECONDS = 30.0


class Clock:
    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


class Browser:
    """Stands in for the engine's download of a solve request: the browser 'passes' the
    challenge (cookies, User-Agent) after SOLVE_SECONDS on the test's clock."""

    def __init__(self, clock: Clock, solved: bool = True):
        self.clock = clock
        self.solved = solved
        self.requests: list[Request] = []

    async def download_async(self, request):
        self.requests.append(request)
        self.clock.now += SOLVE_SECONDS
        request.meta["nianbao_browser"] = {"solved": self.solved, "challenged": True,
                                           "cookies": [{"name": "ck", "value": f"v{len(self.requests)}"}],
                                           "user_agent": "agent"}
        return HtmlResponse(request.url, status=200, body=b"<html></html>", request=request)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(challenges, "time", types.SimpleNamespace(monotonic=clock.monotonic))
    return clock


def _crawl(clock, budget: float = 300.0, solved: bool = True):
    crawler = get_crawler(settings_dict={
        "TWISTED_REACTOR_ENABLED": False, "EXTENSIONS": {"crawler.challenges.Clearances": 510},
        "NIANBAO_CHALLENGE_MAX_SOLVES": 20, "NIANBAO_CHALLENGE_TIME_BUDGET": budget,
        "NIANBAO_BROWSER_TIMEOUT": 30.0, "NIANBAO_BROWSER_STEP_TIMEOUT": 8.0,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 30_000})
    browser = Browser(clock, solved)
    crawler.engine = browser
    return crawler, AntiBotMiddleware.from_crawler(crawler), crawler.get_extension(Clearances), browser


def _challenge(request):
    return HtmlResponse(request.url, status=412, body=RUISHU, request=request,
                        headers={"Set-Cookie": "__jsluid_s=abc; path=/"})


def _ok(request):
    return HtmlResponse(request.url, status=200, body=PAGE, request=request)


async def _fetch(middleware, request, answer):
    """One plain request through the middleware: the retry it asks for, the response, or Blocked."""
    middleware.process_request(request)
    return await middleware.process_response(request, answer(request))


def test_a_solve_whose_cookies_let_nothing_through_ends_the_hosts_solving(clock):
    _crawler, middleware, clearances, browser = _crawl(clock)

    async def scenario():
        retry = await _fetch(middleware, Request("http://gov.example/a.html", meta={"source": "s"}), _challenge)
        assert isinstance(retry, Request) and len(browser.requests) == 1
        # The retry carries the solve's cookies, and meets the challenge again: no second solve.
        with pytest.raises(Blocked):
            await _fetch(middleware, retry, _challenge)
        assert retry.headers[b"Cookie"] == b"ck=v1"
        assert "came back at once after a solve" in clearances.failed["gov.example"]
        # The rest of the host's challenged pages are reported blocked at once, unsolved.
        with pytest.raises(Blocked):
            await _fetch(middleware, Request("http://gov.example/b.html", meta={"source": "s"}), _challenge)
        assert len(browser.requests) == 1

    asyncio.run(scenario())


def test_cookies_that_worked_and_expired_are_solved_again(clock):
    _crawler, middleware, clearances, browser = _crawl(clock)

    async def scenario():
        retry = await _fetch(middleware, Request("http://gov.example/a.html"), _challenge)
        assert (await _fetch(middleware, retry, _ok)).status == 200
        again = await _fetch(middleware, Request("http://gov.example/b.html"), _challenge)
        assert isinstance(again, Request) and len(browser.requests) == 2
        assert "gov.example" not in clearances.failed

    asyncio.run(scenario())


def test_a_challenge_with_fresh_cookies_waits_for_the_requests_sent_with_them(clock):
    """Cookies good for a few requests: a concurrent request may be challenged before the
    ones that passed with the same cookies were seen; the solve is not judged on it alone."""
    _crawler, middleware, clearances, browser = _crawl(clock)

    async def scenario():
        first = await _fetch(middleware, Request("http://gov.example/a.html"), _challenge)
        second = first.replace(url="http://gov.example/b.html")
        middleware.process_request(first)
        middleware.process_request(second)
        challenged = asyncio.ensure_future(middleware.process_response(first, _challenge(first)))
        await asyncio.sleep(0.1)
        assert not challenged.done()  # waiting for the verdict of `second`
        assert (await middleware.process_response(second, _ok(second))).status == 200
        assert isinstance(await challenged, Request)
        assert len(browser.requests) == 2 and "gov.example" not in clearances.failed

    asyncio.run(scenario())


def test_a_challenge_the_browser_cannot_pass_is_tried_once(clock):
    _crawler, middleware, clearances, browser = _crawl(clock, solved=False)

    async def scenario():
        for path in ("a", "b", "c"):
            with pytest.raises(Blocked):
                await _fetch(middleware, Request(f"http://gov.example/{path}.html"), _challenge)
        assert len(browser.requests) == 1 and "not passed" in clearances.failed["gov.example"]

    asyncio.run(scenario())


def test_solving_time_is_bounded_per_crawl(clock):
    crawler, middleware, clearances, browser = _crawl(clock, budget=50.0)

    async def scenario():
        # Host 1 takes 30 s of the 50; host 2 gets the 20 left (and takes 30: the budget is
        # spent); host 3 is not solved at all.
        for host in ("one.example", "two.example"):
            assert isinstance(await _fetch(middleware, Request(f"http://{host}/a.html"), _challenge), Request)
        with pytest.raises(Blocked):
            await _fetch(middleware, Request("http://three.example/a.html"), _challenge)
        assert len(browser.requests) == 2
        assert "solving time (50 s) is spent" in clearances.failed["three.example"]
        assert clearances.spent == 2 * SOLVE_SECONDS

    asyncio.run(scenario())
    # The second solve was given only what was left, for the navigation and the challenge's reloads.
    second = browser.requests[1]
    assert second.meta["nianbao_render_timeout"] == pytest.approx(20.0)
    BrowserMiddleware.from_crawler(crawler).process_request(second)
    assert second.meta["playwright_page_methods"][0].kwargs["timeout"] == pytest.approx(20.0)
    assert second.meta["playwright_page_goto_kwargs"]["timeout"] == pytest.approx(20_000)
    first = browser.requests[0]
    BrowserMiddleware.from_crawler(crawler).process_request(first)
    assert first.meta["playwright_page_methods"][0].kwargs["timeout"] == pytest.approx(30.0)


def test_solves_of_several_hosts_at_once_count_once(clock):
    crawler, middleware, clearances, browser = _crawl(clock, budget=50.0)
    gate = asyncio.Event()

    async def held_download(request):
        browser.requests.append(request)
        await gate.wait()  # both solves in the browser at once
        request.meta["nianbao_browser"] = {"solved": True, "challenged": True, "user_agent": "agent",
                                           "cookies": [{"name": "ck", "value": "v"}]}
        return HtmlResponse(request.url, status=200, body=b"<html></html>", request=request)

    browser.download_async = held_download

    async def scenario():
        both = [asyncio.ensure_future(_fetch(middleware, Request(f"http://{host}/a.html"), _challenge))
                for host in ("one.example", "two.example")]
        while len(browser.requests) < 2:
            await asyncio.sleep(0)
        clock.now += SOLVE_SECONDS
        gate.set()
        assert all(isinstance(r, Request) for r in await asyncio.gather(*both))
        assert clearances.spent == SOLVE_SECONDS  # 30 s of solving, not 60
        # What is left (20 s) still lets a third host be solved.
        third = asyncio.ensure_future(_fetch(middleware, Request("http://three.example/a.html"), _challenge))
        while len(browser.requests) < 3:
            await asyncio.sleep(0)
        assert browser.requests[2].meta["nianbao_render_timeout"] == pytest.approx(20.0)
        assert isinstance(await third, Request)

    asyncio.run(scenario())
