"""Helpers of the browser tests: Chromium's presence, the archive's documents and snapshots."""
from __future__ import annotations

import shutil

import pytest

from tests.crawler import crawl_helpers  # noqa: F401 - puts tests/sites on sys.path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="browser tests need Debian's chromium (apt-get install chromium)")


def documents_in(db: str) -> dict[str, bytes]:
    """URL → the bytes of its latest snapshot, for every document in the archive."""
    import zlib

    import sqlalchemy as sa

    from archive.db import open_archive
    from archive.models import Document, Snapshot

    factory = open_archive(db)
    with factory() as session:
        rows = session.execute(sa.select(Document.url, Snapshot.data, Snapshot.compression)
                               .join(Snapshot, Snapshot.sha256 == Document.sha256)).all()
    out = {}
    for url, data, compression in rows:
        out[url] = zlib.decompress(data) if compression == "zlib" else data
    return out
