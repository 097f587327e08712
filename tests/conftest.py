"""Shared test fixtures: real PostgreSQL and Redis when reachable, skipped with a reason otherwise."""
from __future__ import annotations

import contextlib
import os
import socket
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest


# Hypothesis mixes the literals of every project module imported so far into its draws, so a
# derandomized property test drew other examples whenever an unrelated module gained a
# constant or another test file was collected first (a round trip failed in one suite run
# and passed in the next). Draws here depend on the test alone. Private API: if it moves,
# the draws are merely composition-dependent again.
try:
    from hypothesis.internal.conjecture import providers as _hypothesis_providers

    _hypothesis_providers._get_local_constants = _hypothesis_providers.Constants
except (ImportError, AttributeError):  # pragma: no cover - another Hypothesis
    pass


DATA = Path(__file__).parent / "data"
PG_ADMIN_URL = os.environ.get("NIANBAO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("NIANBAO_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _reachable(url: str, default_port: int) -> bool:
    parts = urlparse(url.replace("+psycopg", ""))
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """tests/data: seeds, truth records and fixtures copied into the repository."""
    return DATA


@pytest.fixture
def pg_url():
    """URL of a fresh, empty PostgreSQL database (created for the test, dropped after)."""
    if not _reachable(PG_ADMIN_URL, 5432):
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL} (set NIANBAO_TEST_PG)")
    with pg_database() as url:
        yield url


@contextlib.contextmanager
def pg_database():
    """URL of a fresh, empty PostgreSQL database, dropped when the block ends."""
    import sqlalchemy as sa

    name = f"nianbao_t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        # template0 + C.UTF-8 so that pg_trgm sees Chinese characters (see docs/NOTES).
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\' '
                             f"LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def redis_url():
    """URL of the real Redis server; the test's keys are deleted after (prefix in `redis_prefix`)."""
    if not _reachable(REDIS_URL, 6379):
        pytest.skip(f"Redis not reachable at {REDIS_URL} (set NIANBAO_TEST_REDIS)")
    return REDIS_URL


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """URL of a fresh SQLite archive file in the test's temporary directory."""
    return f"sqlite:///{tmp_path / 'nianbao.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request) -> str:
    """A fresh archive URL for one test: SQLite file, then a fresh PostgreSQL database (C.UTF-8)."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def Session(db_url):
    """A session factory on the fresh archive, upgraded to head (every migration)."""
    from archive import db

    factory = db.open_archive(db_url)
    yield factory
    db.engine_for(db.database_url(db_url)).dispose()
