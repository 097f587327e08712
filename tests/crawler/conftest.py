"""Fixtures of the crawler tests (the helpers they use live in crawl_helpers.py)."""
from __future__ import annotations

import pytest

from tests.crawler.crawl_helpers import Portals


@pytest.fixture
def portals(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    p = Portals(site)
    yield p
    p.close()
