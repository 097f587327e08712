"""Search fixtures: every search test runs against SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from archive import db
from fill import fresh_database

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def db_url(request) -> str:
    """A fresh archive URL for one test: SQLite file, then a fresh PostgreSQL database (C.UTF-8)."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def Session(db_url):
    """A session factory on the fresh archive, upgraded to head (0002_search included)."""
    factory = db.open_archive(db_url)
    yield factory
    db.engine_for(db.database_url(db_url)).dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def module_Session(request, tmp_path_factory):
    """A session factory on an archive shared by a module's read-only tests."""
    with fresh_database(request.param, tmp_path_factory.mktemp("archive")) as url:
        yield db.open_archive(url)
