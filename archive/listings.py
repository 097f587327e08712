"""What the archive holds of a source's listed documents, read when a crawl closes.

A crawl that did not re-read a listed page (a 304, or not due) still has to know which
attachments that page lists, or ``finish_crawl`` would take them for withdrawn: the
crawler asks here which report documents the source has and reads the stored pages
(the links in them are the crawler's business, not the archive's).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session

from archive import snapshots
from archive.models import Document, Source

CHUNK = 500  # URLs a query (SQLite's bound-parameter limit is far above)


def report_document_urls(session: Session, source: str) -> list[str]:
    """URLs of the source's documents that hold a report (pages and attachments)."""
    return list(session.execute(
        sa.select(Document.url).join(Source, Source.id == Document.source_id)
        .where(Source.name == source, Document.report_id.is_not(None))).scalars())


def stored_pages(session: Session, urls: Iterable[str]) -> Iterator[tuple[str, bytes]]:
    """(URL, the bytes last fetched) of those ``urls`` that the archive holds a snapshot of;
    a damaged snapshot is left out (it only loses its links)."""
    urls = list(urls)
    for start in range(0, len(urls), CHUNK):
        rows = session.execute(sa.select(Document.url, Document.sha256)
                               .where(Document.url.in_(urls[start:start + CHUNK]), Document.sha256.is_not(None)))
        for url, digest in rows.all():
            try:
                data = snapshots.load(session, digest)
            except Exception:  # noqa: BLE001 - a damaged snapshot only loses its links
                continue
            yield url, data
