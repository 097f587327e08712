"""Headless Chromium for the pages that need one, through scrapy-playwright.

- :class:`BrowserDownloadHandler`: scrapy-playwright's download handler, launched lazily —
  the Playwright driver and Chromium start on the first request that needs a browser
  (``request.meta["nianbao_render"]``), so a crawl of ordinary portals never starts them.
  Without Chromium those requests fail with :class:`~crawler.rendering.BrowserUnavailable`
  and the crawl goes on without them (one line says why).
- :class:`BrowserMiddleware` (downloader middleware): turns ``nianbao_render`` into
  scrapy-playwright's meta (one browser context for the crawl, a page function per kind),
  then gives the spider a response with the final document's status and headers, the
  rendered DOM, and for a script-built list the DOM of every page its pager showed.
- :class:`Browser` (extension): keeps the crawl's one handler (hence one Chromium),
  sums the memory of the Chromium processes (RSS, and PSS: shared pages once), keeps the
  peaks in the stats, and has the browser context recycled when it grows past a limit.

The page functions run inside the browser page: each first waits until the document is
no longer a cookie challenge (:func:`settle`: the challenge's script sets its cookie and
reloads), then renders (:func:`render_page`), walks a script pager (:func:`walk_list`) or
hands back the cookies a challenge set (:func:`solve_challenge`).
"""
from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time

from scrapy import signals
from scrapy.http import HtmlResponse
from scrapy_playwright._utils import _maybe_await
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.page import PageMethod
from twisted.internet import task

from crawler import cms, netguard
from crawler.antibot import challenge_kind
from crawler.rendering import RENDER_CHALLENGE, RENDER_KINDS, RENDER_LIST, BrowserUnavailable

logger = logging.getLogger(__name__)

CONTEXT = "nianbao"  # one browser context for the whole crawl (cookies shared per host)
CHALLENGE_STATUSES = (202, 412, 521)


def chromium_path() -> str | None:
    """Debian's chromium (or another Chromium on PATH); downloaded Playwright browsers are not used."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def abort_request(request) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: pictures, media and fonts are never needed to read a page."""
    return request.resource_type in ("image", "media", "font")


class BrowserDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler, started on the first request that needs a browser.

    What a page fetches by itself (its scripts' requests, redirects, in-page navigations)
    is held to the crawler's own rule (:mod:`crawler.netguard`): public addresses only,
    except the origins of the sources' start URLs; the rest is aborted in the browser.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self.nianbao_crawler = crawler
        self._abort_resources = self.abort_request  # PLAYWRIGHT_ABORT_REQUEST (pictures, media, fonts)
        self.abort_request = self._guard
        self._origins: set | None = None
        self._public_hosts: dict[str, tuple[float, bool]] = {}
        self._closing = False
        self.launched = False
        self.recycle = False
        self._start_lock = asyncio.Lock()
        executable = self.config.launch_options.get("executable_path")
        self.unavailable: str | None = None
        if not self.config.cdp_url and not self.config.connect_url:
            if not executable or not os.access(executable, os.X_OK):
                self.unavailable = f"chromium not found ({executable or 'not on PATH'})"
        self._told = False

    @classmethod
    def from_crawler(cls, crawler):
        # One handler (hence one browser) per crawl for http and https alike: Scrapy builds
        # one handler per scheme, and the Browser extension keeps the crawl's.
        browser = crawler.get_extension(Browser)
        if browser is None:
            return cls(crawler)  # without the extension: one browser per scheme
        if not isinstance(browser.handler, cls):
            browser.handler = cls(crawler)
        return browser.handler

    async def close(self) -> None:
        if not self._closing:  # shared by the schemes: closed once
            self._closing = True
            await super().close()

    def _start_origins(self) -> set:
        if self._origins is None:
            sources = getattr(self.nianbao_crawler.spider, "sources", {}) or {}
            self._origins = set().union(*netguard.start_origins(sources.values()).values()) if sources else set()
        return self._origins

    async def _is_public(self, host: str) -> bool:
        literal = netguard._literal(host)
        if literal:
            return netguard.is_public(literal)
        cached = self._public_hosts.get(host)
        if cached and time.monotonic() - cached[0] < netguard.RESOLVE_TTL:
            return cached[1]
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, None)
            public = bool(infos) and all(netguard.is_public(info[4][0]) for info in infos)
        except (OSError, UnicodeError):
            public = True  # unresolvable: the browser's own fetch fails the same way
        self._public_hosts[host] = (time.monotonic(), public)
        return public

    async def _guard(self, request) -> bool:
        """Whether the browser must not make this request (scrapy-playwright's abort hook)."""
        if self._abort_resources is not None and await _maybe_await(self._abort_resources(request)):
            return True
        where = netguard.origin(request.url)
        if where is None or where[0] not in ("http", "https"):
            return False  # data:, blob:, about: — the page's own content, no network
        if where in self._start_origins() or await self._is_public(where[1]):
            return False
        self.stats.inc_value("nianbao/browser/refused")
        logger.warning("browser: refused %s (%s is a private or local address; only the origins of a "
                       "source's start URLs may be)", request.url, where[1])
        return True

    async def _maybe_launch_in_thread(self) -> None:
        """Not at engine start (scrapy-playwright's default): at the first browser request."""

    def _engine_started(self):  # older Scrapy: the same, nothing at engine start
        return None

    def _refuse(self):
        if not self._told:
            self._told = True
            logger.warning("no browser: %s — pages that need one are left out of this crawl", self.unavailable)
        self.stats.inc_value("nianbao/browser/unavailable")
        raise BrowserUnavailable(self.unavailable)

    async def _start(self) -> None:
        async with self._start_lock:
            if self.launched or self.unavailable:
                return
            try:
                await self._launch()
                await self._maybe_launch_browser()
            except Exception as exc:  # noqa: BLE001 - any launch failure means: no browser
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                self.unavailable = f"chromium did not start: {first[:200]}"
                return
            self.launched = True
            self.stats.set_value("nianbao/browser/launched", 1)
            logger.info("browser started (%s) for the pages that need one",
                        self.config.launch_options.get("executable_path") or "remote")

    async def _recycle(self) -> None:
        """Close the context (freeing Chromium's memory) when no page is open in it."""
        if self.recycle and not self._get_total_page_count():
            self.recycle = False
            for wrapper in list(self.context_wrappers.values()):
                await wrapper.context.close()
            self.stats.inc_value("nianbao/browser/recycled")

    async def _download_request(self, request, spider=None):
        if not self.launched:
            await self._start()
        if self.unavailable:
            self._refuse()
        await self._recycle()
        return await super()._download_request(request, spider)


# --- page functions (run with the browser page) ------------------------------------------

async def init_page(page, request) -> None:
    """playwright_page_init_callback: record the page's document responses and list API calls."""
    page.nianbao_documents = []
    page.nianbao_api = []

    def on_response(response):
        req = response.request
        if req.resource_type == "document" and response.frame == page.main_frame:
            page.nianbao_documents.append((response.status, response.url, dict(response.headers)))
        elif req.resource_type in ("xhr", "fetch") and len(page.nianbao_api) < 50:
            page.nianbao_api.append(response.url)

    page.on("response", on_response)


async def _content(page) -> str:
    for _ in range(20):
        try:
            return await page.content()
        except Exception:  # noqa: BLE001 - "page is navigating": ask again once it has
            await asyncio.sleep(0.1)
    return ""


async def settle(page, timeout: float, quiet: float = 2.5, max_reloads: int = 8) -> dict:
    """Wait until the page's document is not a cookie challenge any more.

    A challenge page's script computes a cookie and reloads (加速乐, 瑞数); this waits
    for those reloads (at most ``max_reloads``, ``timeout`` seconds) and says whether the
    page came through: ``{"solved", "status", "headers", "challenged", "kind"}``.
    """
    deadline = time.monotonic() + timeout
    documents = getattr(page, "nianbao_documents", [])
    challenged, kind = False, None
    while True:
        seen = len(documents)
        try:
            await page.wait_for_load_state("load", timeout=max(0.1, deadline - time.monotonic()) * 1000)
        except Exception:  # noqa: BLE001 - judged below from what the page shows
            pass
        if len(documents) != seen and len(documents) <= max_reloads and time.monotonic() < deadline:
            continue  # reloaded meanwhile: wait for that document
        status, _url, headers = documents[-1] if documents else (200, page.url, {})
        cookies = headers.get("set-cookie", "").encode("latin-1", "replace")
        body = (await _content(page)).encode("utf-8", "replace")
        kind = challenge_kind(status, cookies, body)
        if kind is None or kind == "waf":
            return {"solved": kind is None, "status": status, "headers": headers, "challenged": challenged,
                    "kind": kind}
        challenged = True
        # A challenge: its script sets a cookie and reloads. Wait for the next document.
        end = min(deadline, time.monotonic() + quiet)
        while len(documents) == seen and time.monotonic() < end:
            await asyncio.sleep(0.05)
        if len(documents) == seen or len(documents) > max_reloads or time.monotonic() >= deadline:
            return {"solved": False, "status": status, "headers": headers, "challenged": True, "kind": kind}


async def _cookies(page) -> tuple[list[dict], str]:
    cookies = await page.context.cookies(page.url)
    agent = await page.evaluate("navigator.userAgent")
    return [{"name": c["name"], "value": c["value"]} for c in cookies], agent


async def render_page(page, timeout: float) -> dict:
    """One page whose content a script writes: settled, then given a moment to finish its requests."""
    result = await settle(page, timeout)
    if result["solved"]:
        try:
            await page.wait_for_load_state("networkidle", timeout=min(timeout, 5) * 1000)
        except Exception:  # noqa: BLE001 - a page that keeps polling is read as it stands
            pass
    if result["challenged"]:
        result["cookies"], result["user_agent"] = await _cookies(page)
    result["api"] = list(getattr(page, "nianbao_api", []))
    return result


async def solve_challenge(page, timeout: float) -> dict:
    """A cookie challenge: let its script run, then hand back the cookies and User-Agent it passed with."""
    result = await settle(page, timeout)
    result["cookies"], result["user_agent"] = await _cookies(page)
    return result


_NEXT_JS = """
([pattern, number]) => {
  const next = new RegExp(pattern, 'i');
  const off = el => el.disabled || /disabled|unable|inactive/i.test(el.className || '') ||
                    el.getAttribute('aria-disabled') === 'true';
  const label = el => (el.innerText || el.value || el.title || '').replace(/\\s+/g, '');
  const all = Array.from(document.querySelectorAll('a, button, input[type=button], span, li, em, div'));
  const own = all.filter(el => el.offsetParent !== null || el.getClientRects().length);
  const pick = test => own.filter(el => test(label(el)) && !Array.from(el.children).some(c => test(label(c))));
  let found = pick(t => next.test(t));
  if (!found.length) found = pick(t => t === String(number));
  // A control with a real link is followed by the crawler as a listing page of its own.
  const scripted = el => { const a = el.closest('a'); const h = a ? (a.getAttribute('href') || '') : '';
                           return !a || !h || h.startsWith('#') || /^javascript:/i.test(h); };
  found = found.filter(el => !off(el) && !(el.parentElement && off(el.parentElement)) && scripted(el));
  if (!found.length) return false;
  found[0].scrollIntoView(); found[0].click();
  return true;
}
"""
_HREFS_JS = "els => els.map(e => e.href).filter(h => h && !h.startsWith('javascript'))"
_CHANGED_JS = """
(before) => {
  const now = Array.from(document.querySelectorAll('a[href]')).map(e => e.href)
    .filter(h => h && !h.startsWith('javascript')).join('\\n');
  return now !== before;
}
"""


async def _hrefs(page) -> list[str]:
    try:
        return await page.eval_on_selector_all("a[href]", _HREFS_JS)
    except Exception:  # noqa: BLE001 - navigating: the caller asks again
        await page.wait_for_load_state("load")
        return await page.eval_on_selector_all("a[href]", _HREFS_JS)


async def walk_list(page, timeout: float, max_pages: int, delay: float, step_timeout: float) -> dict:
    """A list built by script: the rendered DOM of each page its pager shows.

    Clicks the rendered 下一页 control (or the next page number) and waits for the links to
    change; stops when a page brings no link not seen before, when there is no control
    left to click, or at ``max_pages`` (then ``cut`` is true). Pauses ``delay`` seconds
    between pages, as the downloader would between requests to the host.
    """
    result = await settle(page, timeout)
    result.update(pages=[], cut=False)
    if not result["solved"]:
        return result
    try:
        await page.wait_for_load_state("networkidle", timeout=step_timeout * 1000)
    except Exception:  # noqa: BLE001
        pass
    result["pages"].append(await _content(page))
    links = await _hrefs(page)
    seen = set(links)
    for number in range(2, max_pages + 1):
        before = "\n".join(links)
        try:
            clicked = await page.evaluate(_NEXT_JS, [cms._NEXT_TEXT.pattern, number])
        except Exception:  # noqa: BLE001 - the click navigated away at once
            clicked = True
        if not clicked:
            break
        try:
            await page.wait_for_function(_CHANGED_JS, arg=before, timeout=step_timeout * 1000)
        except Exception:  # noqa: BLE001 - nothing changed (or a navigation): look again below
            await page.wait_for_load_state("load")
        try:
            await page.wait_for_load_state("networkidle", timeout=step_timeout * 1000)
        except Exception:  # noqa: BLE001
            pass
        links = await _hrefs(page)
        if not set(links) - seen:
            break
        seen.update(links)
        result["pages"].append(await _content(page))
        if delay:
            await asyncio.sleep(delay)
    else:
        result["cut"] = True
    if result["challenged"]:
        result["cookies"], result["user_agent"] = await _cookies(page)
    result["api"] = list(getattr(page, "nianbao_api", []))
    return result


# --- the downloader middleware ---------------------------------------------------------

class BrowserMiddleware:
    """``nianbao_render`` requests go through the browser; their responses come back plain."""

    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.timeout = settings.getfloat("NIANBAO_BROWSER_TIMEOUT")
        self.step_timeout = settings.getfloat("NIANBAO_BROWSER_STEP_TIMEOUT")
        self.delay = settings.getfloat("DOWNLOAD_DELAY")
        self.user_agent = settings.get("USER_AGENT")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        render = request.meta.get("nianbao_render")
        if render not in RENDER_KINDS:
            return None
        if render == RENDER_LIST:
            method = PageMethod(walk_list, timeout=self.timeout, max_pages=request.meta.get("max_pages", 200),
                                delay=self.delay, step_timeout=self.step_timeout)
        elif render == RENDER_CHALLENGE:
            # A solve gets no more than what is left of the crawl's solving time.
            timeout = min(self.timeout, request.meta.get("nianbao_render_timeout", self.timeout))
            method = PageMethod(solve_challenge, timeout=timeout)
        else:
            method = PageMethod(render_page, timeout=self.timeout)
        goto = {"wait_until": "load"}
        if request.meta.get("nianbao_navigation_timeout") is not None:
            goto["timeout"] = max(1.0, request.meta["nianbao_navigation_timeout"] * 1000)
        request.meta.update(
            playwright=True, playwright_context=CONTEXT,
            # The browser says who it is the way the crawler does (cookies bound to the
            # User-Agent then hold for both).
            playwright_context_kwargs={"user_agent": self.user_agent, "locale": "zh-CN",
                                       "java_script_enabled": True},
            playwright_page_init_callback="crawler.browser.init_page",
            playwright_page_methods=[method],
            playwright_page_goto_kwargs=goto,
        )
        self.crawler.stats.inc_value(f"nianbao/browser/{render}")
        return None

    def process_response(self, request, response):
        if not request.meta.get("playwright") or request.meta.get("nianbao_render") not in RENDER_KINDS:
            return response
        methods = request.meta.pop("playwright_page_methods", None) or []
        result = (methods[0].result if methods else None) or {}
        for key in ("playwright", "playwright_page_init_callback", "playwright_page_goto_kwargs",
                    "playwright_context_kwargs"):
            request.meta.pop(key, None)
        request.meta["nianbao_browser"] = {k: v for k, v in result.items() if k != "pages"}
        pages = result.get("pages") or []
        headers = {k: v for k, v in (result.get("headers") or {}).items()
                   if k.lower() not in ("content-encoding", "content-length", "transfer-encoding", "set-cookie")}
        if not headers:
            return response.replace(status=result.get("status", response.status))
        headers["content-type"] = "text/html; charset=utf-8" if "html" in headers.get("content-type", "html") \
            else headers.get("content-type")
        body = pages[0].encode("utf-8") if pages else response.body
        request.meta["nianbao_more_pages"] = pages[1:]
        if pages or isinstance(response, HtmlResponse):
            # A walked list is the listing at the requested URL, wherever its pager led.
            return HtmlResponse(url=request.url if pages else response.url, status=result.get("status", response.status), headers=headers,
                                body=body if pages else response.text.encode("utf-8"), encoding="utf-8",
                                request=request, flags=["browser"])
        return response.replace(status=result.get("status", response.status))


# --- the memory watch -------------------------------------------------------------------

def chromium_memory(root_pid: int | None = None) -> tuple[int, int]:
    """Bytes of memory of the Chromium processes under ``root_pid`` (this process):
    the sum of their RSS, and of their PSS (shared pages counted once; 0 where unknown).

    Chromium's processes share much of their memory, so the RSS sum overstates what the
    browser costs; the PSS sum is what it really holds."""
    import psutil

    rss = pss = 0
    try:
        children = psutil.Process(root_pid).children(recursive=True)
    except psutil.Error:
        return 0, 0
    for proc in children:
        try:
            name = proc.name().lower()
            if "chrom" not in name and "headless" not in name:
                continue
            info = proc.memory_full_info()
        except psutil.Error:
            continue
        rss += info.rss
        pss += getattr(info, "pss", 0)
    return rss, pss


class Browser:
    """Extension: the crawl's one browser (its download handler, shared by http and https)
    and its memory — sampled every ``NIANBAO_BROWSER_MEMORY_INTERVAL`` seconds (0: not
    watched; nor without psutil), the peak kept in the stats, the context recycled past
    ``NIANBAO_BROWSER_MAX_MEMORY_MB``."""

    def __init__(self, crawler, interval: float, limit_mb: float):
        self.crawler = crawler
        self.handler: BrowserDownloadHandler | None = None  # built on the first request of a scheme
        self.interval = interval
        self.limit = limit_mb * 1024 * 1024
        self.peak = 0
        self.loop = None
        if interval > 0:
            crawler.signals.connect(self._opened, signal=signals.spider_opened)
            crawler.signals.connect(self._closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("NIANBAO_BROWSER_MEMORY_INTERVAL")
        try:
            import psutil  # noqa: F401
        except ImportError:
            interval = 0.0  # no memory watch without psutil
        return cls(crawler, interval, crawler.settings.getfloat("NIANBAO_BROWSER_MAX_MEMORY_MB"))

    def _opened(self, spider):
        self.loop = task.LoopingCall(self.sample)
        self.loop.start(self.interval, now=False)

    def sample(self) -> None:
        handler = self.handler
        if handler is None or not handler.launched:
            return
        rss, pss = chromium_memory()
        held = pss or rss
        stats = self.crawler.stats
        if rss > self.peak:
            self.peak = rss
            stats.set_value("nianbao/browser/peak_rss_mb", round(rss / 2**20, 1))
        if pss > (stats.get_value("nianbao/browser/peak_pss_mb", 0) * 2**20):
            stats.set_value("nianbao/browser/peak_pss_mb", round(pss / 2**20, 1))
        if held > self.limit and not handler.recycle:
            logger.warning("browser memory %.0f MB is above NIANBAO_BROWSER_MAX_MEMORY_MB: its context is "
                           "recycled when its pages are done", held / 2**20)
            handler.recycle = True

    def _closed(self, spider):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.sample()  # a last look before the summary is written
