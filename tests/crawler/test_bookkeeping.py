"""The crawl's bookkeeping as Scrapy builds it: one extension owning the archive, found
by the other components with ``get_extension``; nothing hung on the Crawler."""
from __future__ import annotations

from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.bookkeeping import Bookkeeping, attachment_links, unreached_attachments
from crawler.challenges import Clearances


def _crawler(db: str):
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict({"NIANBAO_DB": db, "TWISTED_REACTOR_ENABLED": False}, priority="cmdline")
    return get_crawler(settings_dict=settings.copy_to_dict())


def test_the_extensions_are_built_from_settings_and_found_by_class(sqlite_url):
    crawler = _crawler(sqlite_url)
    book = crawler.get_extension(Bookkeeping)
    assert book is not None and Bookkeeping.of(crawler) is book
    assert book.archive.url == sqlite_url
    assert crawler.get_extension(Clearances) is not None
    # Nothing of nianbao's hangs on Scrapy's Crawler object.
    assert not [name for name in vars(crawler) if "nianbao" in name]
    book.archive.close()


def test_what_the_crawl_saw_per_source(sqlite_url):
    crawler = _crawler(sqlite_url)
    book = Bookkeeping.of(crawler)
    book.listed("city", "http://gov.example/a.html", report=True)
    book.listed("city", "http://gov.example/a.pdf")
    book.incomplete("city", "listing cut at max_pages=3")
    book.failed("city", "a later reason")
    book.blocked("county", "ruishu", "http://county.example/")
    assert book.state["listed"]["city"] == {"http://gov.example/a.html", "http://gov.example/a.pdf"}
    assert book.state["reports"]["city"] == {"http://gov.example/a.html"}
    # The first reason of each is kept.
    assert book.state["incomplete"]["city"] == "listing cut at max_pages=3"
    assert book.state["failed"]["city"] == "a later reason"
    assert book.state["blocked"]["county"].startswith("ruishu at ")
    assert "county" in book.state["incomplete"]
    book.note_events([{"kind": "new", "url": "http://gov.example/a.html"}])  # a 304 batch: source by URL
    assert book.source_events == {"city": {"new": 1}} and book.event_counts == {"new": 1}
    book.archive.close()


def test_attachments_read_from_a_stored_page():
    data = (b'<a href="files/nb2023.pdf">\xc4\xea\xb1\xa8</a> <a href=\'/doc/x.docx?id=1&amp;v=2\'>x</a>'
            b'<a href="page.html">not an attachment</a>')
    assert attachment_links("http://gov.example/xxgk/nb.html", data) == {
        "http://gov.example/xxgk/files/nb2023.pdf", "http://gov.example/doc/x.docx?id=1&v=2"}
    # An attachment named in the query counts as discovery counts it (crawler.discovery.is_attachment).
    assert attachment_links("http://gov.example/xxgk/nb.html", b'<a href="/down.jsp?file=nb.pdf">nb</a>') == {
        "http://gov.example/down.jsp?file=nb.pdf"}
    assert unreached_attachments(["http://gov.example/a.pdf", "http://gov.example/b.html"], {"http://gov.example/c"})
    assert not unreached_attachments(["http://gov.example/a.pdf", "http://gov.example/b.html"],
                                     {"http://gov.example/a.pdf"})


def test_the_spider_tells_the_bookkeeping_by_signals(sqlite_url, tmp_path):
    """The spider calls no extension: what it saw goes out as crawler.signals, which the
    Bookkeeping extension connected to when it was built."""
    from scrapy.http import HtmlResponse, Request

    from crawler import signals as crawl_signals
    from crawler.spiders.reports import ReportsSpider

    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "city"\nstart_urls = ["http://gov.example/nb/"]\n', encoding="utf-8")
    crawler = _crawler(sqlite_url)
    book = Bookkeeping.of(crawler)
    spider = ReportsSpider.from_crawler(crawler, sources=str(sources))
    assert "book" not in vars(spider) and not hasattr(ReportsSpider, "book")
    heard = []
    crawler.signals.connect(lambda source, urls, reports: heard.append((source, urls, reports)), signal=crawl_signals.listed,
                            weak=False)
    body = ('<html><body><h1>示例市2023年政府信息公开工作年度报告</h1>'
            '<a href="/nb/2023.pdf">附件：示例市2023年政府信息公开工作年度报告</a></body></html>').encode()
    request = Request("http://gov.example/nb/2023.html", meta={"source": "city", "kind": "report"})
    response = HtmlResponse(request.url, body=body, request=request, encoding="utf-8")
    list(spider.parse_report(response))
    assert heard == [("city", ["http://gov.example/nb/2023.pdf"], False)]
    assert book.state["listed"]["city"] == {"http://gov.example/nb/2023.pdf"}
    assert book.state["pages"]["city"] == 1
    listing = ('<html><body><ul><li><a href="/nb/2022.html">示例市2022年政府信息公开工作年度报告</a></li>'
               '<li><a href="/nb/2021.html">示例市2021年政府信息公开工作年度报告</a></li></ul></body></html>').encode()
    request = Request("http://gov.example/nb/", meta={"source": "city", "kind": "listing", "column": "http://gov.example/nb/"})
    requests = list(spider.parse_listing(HtmlResponse(request.url, body=listing, request=request, encoding="utf-8")))
    assert [r.url for r in requests] == ["http://gov.example/nb/2022.html", "http://gov.example/nb/2021.html"]
    assert heard[1:] == [("city", ["http://gov.example/nb/2022.html", "http://gov.example/nb/2021.html"], True)]
    assert book.state["reports"]["city"] == {"http://gov.example/nb/2022.html", "http://gov.example/nb/2021.html"}
    assert book.state["pages"]["city"] == 2
    crawler.signals.send_catch_log(signal=crawl_signals.listed, source="city", urls=["http://gov.example/nb/2020.html"],
                                   reports=True)
    crawler.signals.send_catch_log(signal=crawl_signals.incomplete, source="city", reason="listing cut at max_pages=3")
    crawler.signals.send_catch_log(signal=crawl_signals.failed, source="county", reason="robots.txt forbids it")
    crawler.signals.send_catch_log(signal=crawl_signals.request_failed, source="county")
    crawler.signals.send_catch_log(signal=crawl_signals.pages_read, source="city", count=3)
    assert "http://gov.example/nb/2020.html" in book.state["reports"]["city"]
    assert book.state["incomplete"] == {"city": "listing cut at max_pages=3", "county": "robots.txt forbids it"}
    assert book.state["failed"] == {"county": "robots.txt forbids it"}
    assert book.state["errors"] == {"county": 1} and book.state["pages"]["city"] == 5
    book.archive.close()
