"""Search fixtures: every search test runs against SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from archive import db
from fill import fresh_database

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=BACKENDS)
def module_Session(request, tmp_path_factory):
    """A session factory on an archive shared by a module's read-only tests."""
    with fresh_database(request.param, tmp_path_factory.mktemp("archive")) as url:
        yield db.open_archive(url)
