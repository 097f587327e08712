"""Web fixtures: the populated archive (web_archive.py) on SQLite and PostgreSQL, the app over it."""
from __future__ import annotations

import pytest

from archive import db
from web_archive import fill, populate


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def populated(request, tmp_path_factory):
    """(session factory, ids) of an archive filled by :func:`populate`, shared by a module's
    tests (they only read), on SQLite and on PostgreSQL."""
    with fill.fresh_database(request.param, tmp_path_factory.mktemp("archive")) as url:
        Session = db.open_archive(url)
        yield Session, populate(Session)


@pytest.fixture(scope="module")
def site(populated):
    """(TestClient, ids) over the populated archive."""
    from fastapi.testclient import TestClient

    from archive.web import create_app

    Session, ids = populated
    with TestClient(create_app(Session)) as client:
        yield client, ids
