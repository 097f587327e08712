"""What the spider saw of each source, told as Scrapy signals.

The spider only navigates and yields items; what it sees on the way that the crawl's
bookkeeping needs (a source's listed URLs, its pages, why its crawl is incomplete or
failed) it sends as one of these signals, the way Scrapy's own components send theirs::

    self.crawler.signals.send_catch_log(signal=signals.listed, source=name, urls=[...], reports=True)

:class:`crawler.bookkeeping.Bookkeeping` connects to them in ``from_crawler`` and keeps
the state; any other extension may listen too. Every signal carries ``source``, the
source's name.
"""

#: URLs a listing (or a report page) showed: they are still published. Arguments:
#: ``source``, ``urls`` (a list), ``reports`` (True: found by a report title).
listed = object()

#: Pages of a source read by the spider. Arguments: ``source``, ``count`` (a page whose
#: list the browser paged through counts each page it showed).
pages_read = object()

#: The source's crawl did not see its whole listing (a listing cut at ``max_pages``), so
#: it withdraws nothing. Arguments: ``source``, ``reason``.
incomplete = object()

#: The source could not be crawled (its start or a listing page failed, robots.txt,
#: no browser for a page that needs one): incomplete, and reported. Arguments:
#: ``source``, ``reason``.
failed = object()

#: A request of the source failed for good, after its retries. Arguments: ``source``.
request_failed = object()
