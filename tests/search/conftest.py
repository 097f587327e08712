"""Search fixtures: every search test runs against SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from archive import db


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request) -> str:
    """A fresh archive URL: SQLite file, then a fresh PostgreSQL database (C.UTF-8)."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def Session(db_url):
    """A session factory on the fresh archive, upgraded to head (0002_search included)."""
    factory = db.open_archive(db_url)
    yield factory
    db.engine_for(db.database_url(db_url)).dispose()
