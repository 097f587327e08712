"""The archive look-ups of the crawl's document requests: one query a page, once a URL."""
from __future__ import annotations

from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler import state
from crawler.bookkeeping import Bookkeeping
from crawler.middlewares import ArchiveLookupSpiderMiddleware


def _crawler(db: str):
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict({"NIANBAO_DB": db, "TWISTED_REACTOR_ENABLED": False}, priority="cmdline")
    return get_crawler(settings_dict=settings.copy_to_dict())


def _report(url: str) -> Request:
    return Request(url, meta={"kind": "report", "source": "city"})


def test_a_url_is_looked_up_once_however_many_pages_link_it(sqlite_url, monkeypatch):
    crawler = _crawler(sqlite_url)
    middleware = ArchiveLookupSpiderMiddleware.from_crawler(crawler)
    asked: list[list[str]] = []
    real = state.lookup_many

    def lookup_many(factory, urls, policy):
        asked.append(list(urls))
        return real(factory, urls, policy)

    monkeypatch.setattr(state, "lookup_many", lookup_many)
    page = HtmlResponse("http://gov.example/nb/", body=b"<html></html>")
    a, b, c = ("http://gov.example/nb/2023.html", "http://gov.example/nb/2022.html",
               "http://gov.example/nb/2021.html")
    first = list(middleware.process_spider_output(page, [_report(a), _report(b)]))
    assert asked == [[a, b]]
    assert all(r.meta["nianbao_doc"] is None for r in first)  # unknown to the archive: due
    # Every report page links the other years' reports: those already asked for are not
    # asked again (the scheduler drops their requests as duplicates); a new one is.
    again = list(middleware.process_spider_output(page, [_report(a), _report(b), _report(c)]))
    assert asked == [[a, b]]  # one new URL alone: ConditionalRequestMiddleware asks for it
    assert [r.url for r in again] == [a, b, c] and not any("nianbao_doc" in r.meta for r in again)
    more = "http://gov.example/nb/2020.html"
    list(middleware.process_spider_output(page, [_report(a), _report(c), _report(more)]))
    assert asked == [[a, b], [c, more]]
    Bookkeeping.of(crawler).archive.close()


def test_a_document_already_requested_is_dropped_before_the_lookup(sqlite_url):
    from crawler.middlewares import RepeatedDocumentsMiddleware

    crawler = _crawler(sqlite_url)
    middleware = RepeatedDocumentsMiddleware.from_crawler(crawler)
    page = HtmlResponse("http://gov.example/nb/2023.html", body=b"<html></html>")
    a, b = "http://gov.example/nb/2022.html", "http://gov.example/nb/2021.html"
    listing = Request("http://gov.example/nb/index_1.html", meta={"kind": "listing", "source": "city"})
    first = list(middleware.process_spider_output(page, [_report(a), _report(b), listing]))
    assert [r.url for r in first] == [a, b, listing.url]
    # The next report page links the same reports: gone here; listings and the browser's
    # second look at a page (dont_filter) are not this middleware's business.
    again = [_report(a), _report(b), listing, Request(a, meta={"kind": "report"}, dont_filter=True)]
    out = list(middleware.process_spider_output(page, again))
    assert [(r.url, r.dont_filter) for r in out] == [(listing.url, False), (a, True)]
    assert crawler.stats.get_value("nianbao/repeated_requests") == 2
    Bookkeeping.of(crawler).archive.close()


def test_the_repeats_dropped_and_the_lookups_share_one_set_of_requested_urls(sqlite_url, monkeypatch):
    """In a crawl the look-up runs after the middleware that drops repeats, on one set of
    requested URLs: a page's new documents are still looked up in one query, its repeats
    neither go on nor are looked up again (sync and async chains alike)."""
    import asyncio

    from crawler.middlewares import RepeatedDocumentsMiddleware

    crawler = _crawler(sqlite_url)
    repeated = RepeatedDocumentsMiddleware.from_crawler(crawler)
    lookup = ArchiveLookupSpiderMiddleware.from_crawler(crawler)
    asked: list[list[str]] = []
    real = state.lookup_many
    monkeypatch.setattr(state, "lookup_many", lambda f, urls, p: asked.append(list(urls)) or real(f, urls, p))
    page = HtmlResponse("http://gov.example/nb/", body=b"<html></html>")
    a, b, c, d = (f"http://gov.example/nb/{year}.html" for year in (2023, 2022, 2021, 2020))

    def chain(requests):
        return [r.url for r in lookup.process_spider_output(page, repeated.process_spider_output(page, requests))]

    async def achain(requests):
        async def spider():
            for r in requests:
                yield r
        out = lookup.process_spider_output_async(page, repeated.process_spider_output_async(page, spider()))
        return [r.url async for r in out]

    assert chain([_report(a), _report(b), _report(a)]) == [a, b]
    assert asked == [[a, b]]
    assert asyncio.run(achain([_report(a), _report(c), _report(b), _report(d)])) == [c, d]
    assert asked == [[a, b], [c, d]]
    assert chain([_report(d), _report(c)]) == [] and asked == [[a, b], [c, d]]
    assert crawler.stats.get_value("nianbao/repeated_requests") == 5
    Bookkeeping.of(crawler).archive.close()
