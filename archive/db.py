"""Opening the archive: the database URL, engines cached per URL, Alembic upgrades on first use.

SQLite is the embedded default (WAL, foreign keys, ``BEGIN IMMEDIATE`` so that two
writers queue on the lock instead of failing on a read-to-write upgrade); PostgreSQL is
the production target. Nothing here is a module-level singleton: engines and session
factories are cached per URL inside :func:`engine_for` / :func:`open_archive`.
"""
from __future__ import annotations

import logging
import os
import threading
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///nianbao.db"
ENV_VAR = "NIANBAO_DB"
# The repository's top-level alembic/ directory, found relative to this package so that
# `nianbao db upgrade` works from any working directory.
MIGRATIONS = Path(__file__).resolve().parent.parent / "alembic"
# Any fixed 64-bit number: the PostgreSQL advisory lock taken while migrating, so that two
# processes opening a fresh database at once do not both create the tables.
_MIGRATION_LOCK = 7_202_611_220_0001

_upgraded: set[str] = set()
_upgrade_lock = threading.Lock()
_engines: dict[tuple[str, bool], sa.Engine] = {}
_engines_lock = threading.Lock()


class ArchiveError(Exception):
    """The archive cannot be opened or used (bad URL, unreachable server, failed migration)."""


def database_url(explicit: str | None = None) -> str:
    """The archive's URL: ``--db`` if given, else ``$NIANBAO_DB``, else ``sqlite:///nianbao.db``.

    A plain file path (``archive.db``, ``~/nianbao.db``) is a SQLite archive there. A bare
    ``postgresql://`` URL is pointed at the psycopg 3 driver that the project installs.
    """
    url = (explicit or os.environ.get(ENV_VAR) or DEFAULT_URL).strip()
    if "://" not in url and not url.startswith("sqlite:"):
        url = "sqlite:///" + str(Path(url).expanduser().resolve())
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Python 3.11's sqlite3 opens transactions implicitly; take that over so that the
    # "begin" hook below decides how a transaction starts.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL + NORMAL: a killed process loses nothing committed; only a power cut may lose
    # the last transactions (never corrupts).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()


def _sqlite_begin(conn) -> None:
    # IMMEDIATE takes the write lock at the start: a writer that read first and wrote later
    # would otherwise fail with SQLITE_BUSY when another writer committed in between.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin_deferred(conn) -> None:
    # Readers (listings, exports) must not hold the write lock while they stream.
    conn.exec_driver_sql("BEGIN")


def _create_engine(url: str, readonly: bool) -> sa.Engine:
    try:
        if url.startswith("sqlite"):
            engine = sa.create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin_deferred if readonly else _sqlite_begin)
        else:
            engine = sa.create_engine(url, pool_pre_ping=True)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise ArchiveError(f"cannot use database URL {url!r}: {exc}") from exc
    return engine


def engine_for(url: str, readonly: bool = False) -> sa.Engine:
    """The engine for ``url`` (one per URL and process; SQLite gets WAL and foreign keys).

    ``readonly`` engines on SQLite open plain deferred transactions, so a long read never
    blocks the writers (WAL readers see a consistent snapshot).
    """
    key = (url, readonly)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = _create_engine(url, readonly)
    return engine


def _after_fork_in_child() -> None:
    # A forked worker must not use the parent's pooled connections; SQLAlchemy's advice is
    # dispose(close=False): the child's pool forgets them without closing the parent's.
    global _engines_lock
    _engines_lock = threading.Lock()
    for engine in _engines.values():
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_after_fork_in_child)


def alembic_config(url: str):
    """An Alembic ``Config`` for ``url`` whose scripts are the repository's ``alembic/``."""
    from alembic.config import Config

    ini = MIGRATIONS.parent / "alembic.ini"
    cfg = Config(str(ini)) if ini.exists() else Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Run ``alembic upgrade`` on ``url`` (serialised between processes on PostgreSQL)."""
    from alembic import command

    engine = engine_for(url)
    cfg = alembic_config(url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK})
                conn.commit()
            try:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
                conn.commit()
            finally:
                if conn.dialect.name == "postgresql":
                    conn.rollback()
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK})
                    conn.commit()
    except sa.exc.OperationalError as exc:
        raise ArchiveError(f"cannot open the archive at {_safe(url)}: {exc.orig}") from exc


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory SQLite)."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        return None
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def require_existing(url: str) -> None:
    """Raise ArchiveError unless the SQLite archive file exists (a read must not create one:
    a typo in ``--db`` would otherwise show an empty archive)."""
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        raise ArchiveError(f"no archive at {path}; run nianbao crawl or pass --db")


def open_archive(url: str | None = None, *, readonly: bool = False,
                 must_exist: bool | None = None) -> sessionmaker[Session]:
    """A session factory for the archive at ``url``, upgraded to the newest schema.

    The upgrade runs once per process and URL. Use it as ``with Session.begin() as s:``.
    ``readonly=True`` for sessions that only read (on SQLite they do not take the write lock);
    a read-only open also requires the archive to exist (``must_exist``, default ``readonly``).
    """
    url = database_url(url)
    if readonly if must_exist is None else must_exist:
        require_existing(url)
    with _upgrade_lock:
        if url not in _upgraded:
            upgrade(url)
            _upgraded.add(url)
    return _session_factory(url, readonly)


@lru_cache(maxsize=None)
def _session_factory(url: str, readonly: bool = False) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url, readonly), expire_on_commit=False)


def dispose(url: str | None = None) -> None:
    """Close the pooled connections of ``url``'s engines (for tests)."""
    url = database_url(url)
    for (engine_url, _readonly), engine in list(_engines.items()):
        if engine_url == url:
            engine.dispose()


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url
