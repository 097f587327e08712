"""A fetched document: the one value that travels from whoever fetched it (the crawler's
spider, ``nianbao ingest``) to :func:`archive.ingest.archive_document`."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Fetched:
    """The bytes of ``url`` as fetched, what the server said of them, and hints.

    Hints fill what the document itself may not tell: ``agency`` and ``year`` (from a link's
    title, or given by hand) complete a record that lacks them; ``source`` is the crawled
    portal (sources.yaml) the document was reached from and ``crawl_id`` the crawl, which
    decide who owns a report and which reports a complete crawl no longer reached.
    """

    url: str
    data: bytes
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: dt.datetime | None = None  # None: now
    source: str | None = None
    agency: str | None = None
    year: int | None = None
    crawl_id: int | None = None
