"""Opening the archive: the database URL, engines cached per URL, Alembic upgrades on first use.

SQLite is the embedded default (WAL, foreign keys, ``BEGIN IMMEDIATE`` so that two
writers queue on the lock instead of failing on a read-to-write upgrade); PostgreSQL is
the production target. The single-writer policy of SQLite lives here alone:

- between processes, every write transaction first takes an ``flock`` on
  ``<database>.lock`` (:class:`WriterLock`), a lock the kernel frees with its holder, so
  a writer that dies (out of memory, a crashing PDF library, SIGKILL) can never wedge the
  others;
- inside a process that writes from an event loop (the crawler), :class:`Archive` runs
  the write functions one at a time on one writer thread, and its reads on read-only
  sessions apart (datasette's ``Database.execute_write_fn``: one writer, reads apart).

Nothing here is a module-level singleton: engines and session factories are cached per
URL inside :func:`engine_for` / :func:`open_archive`.
"""
from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import threading
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache, partial
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///nianbao.db"
ENV_VAR = "NIANBAO_DB"
# The migrations live inside the package (archive/migrations), so that a wheel ships them
# and `nianbao db upgrade` finds them from any working directory, installed or not. (The
# checkout's alembic.ini points the `alembic` command at the same directory.)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
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
    # (WAL is set once by `upgrade`, after the file was found to be an archive: it is
    # persistent, and a foreign database must be left as it was.)
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL + NORMAL: a killed process loses nothing committed; only a power cut may lose
    # the last transactions (never corrupts).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()
    # The search triggers call Python (revision 0005): every connection must offer it.
    from archive.search.schema import register_functions

    register_functions(dbapi_connection)


_all_writer_locks: weakref.WeakSet = weakref.WeakSet()


class WriterLock:
    """The single-writer lock of one SQLite archive: ``flock`` on ``<database file>.lock``.

    Writers (crawl workers, the crawling process, ``nianbao ingest``, alerts) queue here
    before ``BEGIN IMMEDIATE``: the kernel wakes the next one as soon as the holder lets
    go, where SQLite's own busy handler sleeps in steps of up to 100 ms. The lock belongs
    to an open file, so the kernel releases it when its process dies, however it dies:
    a killed writer never leaves the others waiting (a ``multiprocessing.Lock`` would stay
    taken for ever). A separate file, never the database itself: closing any descriptor
    of the database file would drop SQLite's own POSIX locks of the process.

    One lock is held per thread at a time: a thread that opens a second write transaction
    while holding one does not wait for itself (it meets SQLite's busy timeout instead).
    """

    def __init__(self, path: str):
        self.path = path
        self._held = threading.local()
        self._fds: set[int] = set()  # descriptors held by any thread (a forked child closes them)
        _all_writer_locks.add(self)

    def acquire(self) -> int | None:
        """Take the lock (blocking); the descriptor to release, or ``None`` if this thread holds it."""
        if getattr(self._held, "fd", None) is not None:
            return None
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._held.fd = fd
        self._fds.add(fd)
        return fd

    def release(self) -> None:
        """Let the next writer in (a no-op if this thread holds nothing)."""
        fd = getattr(self._held, "fd", None)
        if fd is not None:
            self._held.fd = None
            self._fds.discard(fd)
            os.close(fd)  # closing the only descriptor of the open file drops the flock

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _sqlite_file(url: str) -> str | None:
    """The database file of a SQLite URL (``None`` for an in-memory database)."""
    database = sa.engine.make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.path.abspath(database)


def _install_writer_lock(engine: sa.Engine, lock: WriterLock) -> None:
    """Every transaction of ``engine`` takes ``lock`` before ``BEGIN IMMEDIATE`` and lets
    go once its COMMIT or ROLLBACK has run (after it, not before: the next writer's
    ``BEGIN IMMEDIATE`` would otherwise meet the lock still held and sleep)."""
    dialect = engine.dialect
    do_commit, do_rollback = dialect.do_commit, dialect.do_rollback

    def begin(conn) -> None:
        lock.acquire()
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            lock.release()
            raise

    def commit(dbapi_connection) -> None:
        try:
            do_commit(dbapi_connection)
        finally:
            lock.release()

    def rollback(dbapi_connection) -> None:
        try:
            do_rollback(dbapi_connection)
        finally:
            lock.release()

    event.listen(engine, "begin", begin)
    dialect.do_commit, dialect.do_rollback = commit, rollback


def _sqlite_begin(conn) -> None:
    # IMMEDIATE takes the write lock at the start: a writer that read first and wrote later
    # would otherwise fail with SQLITE_BUSY when another writer committed in between.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_read_only(dbapi_connection, _record) -> None:
    # Readers (web pages, listings, exports, the crawler's look-ups) can never write by
    # mistake, and never take the write lock: WAL lets them read beside the writer.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=1")
    cursor.close()


def _sqlite_begin_deferred(conn) -> None:
    # Readers (listings, exports) must not hold the write lock while they stream.
    conn.exec_driver_sql("BEGIN")


CONNECT_TIMEOUT_VAR = "NIANBAO_DB_CONNECT_TIMEOUT"
STATEMENT_TIMEOUT_VAR = "NIANBAO_DB_STATEMENT_TIMEOUT"
DEFAULT_CONNECT_TIMEOUT = 10  # seconds
DEFAULT_STATEMENT_TIMEOUT = 600  # seconds; 0: none


def _seconds(name: str, default: float) -> float:
    try:
        return max(0.0, float(os.environ.get(name, default)))
    except ValueError:
        raise ArchiveError(f"${name} must be a number of seconds, not {os.environ[name]!r}") from None


def _server_connect_args(url: str) -> dict:
    """Timeouts for a PostgreSQL server: connecting (a server that accepts the connection
    and never answers must not hang a command), each statement, and TCP keepalives (a
    connection whose server vanished is noticed). The URL's own settings win."""
    parsed = sa.engine.make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return {}
    args: dict = {}
    connect = _seconds(CONNECT_TIMEOUT_VAR, DEFAULT_CONNECT_TIMEOUT)
    if connect and "connect_timeout" not in parsed.query:
        args["connect_timeout"] = max(2, round(connect))  # libpq's minimum is 2 s
    statement = _seconds(STATEMENT_TIMEOUT_VAR, DEFAULT_STATEMENT_TIMEOUT)
    if statement and "options" not in parsed.query:
        args["options"] = f"-c statement_timeout={round(statement * 1000)}"
    if "keepalives" not in parsed.query:
        args.update(keepalives=1, keepalives_idle=60, keepalives_interval=10, keepalives_count=5)
    return args


# Records are Chinese: written as they are, JSON is a third of the size and faster to
# write than with every character escaped (\uXXXX). Read back the same either way.
_JSON = partial(json.dumps, ensure_ascii=False)


def _create_engine(url: str, readonly: bool) -> sa.Engine:
    try:
        if url.startswith("sqlite"):
            engine = sa.create_engine(url, connect_args={"timeout": 60, "check_same_thread": False},
                                      json_serializer=_JSON)
            event.listen(engine, "connect", _sqlite_pragmas)
            path = _sqlite_file(url)
            if readonly:
                event.listen(engine, "connect", _sqlite_read_only)
                event.listen(engine, "begin", _sqlite_begin_deferred)
            elif path is not None:
                _install_writer_lock(engine, writer_lock(path))
            else:
                event.listen(engine, "begin", _sqlite_begin)
        else:
            engine = sa.create_engine(url, pool_pre_ping=True, connect_args=_server_connect_args(url),
                                      json_serializer=_JSON)
            if readonly and engine.dialect.name == "postgresql":
                engine = engine.execution_options(postgresql_readonly=True)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise ArchiveError(f"cannot use database URL {url!r}: {exc}") from exc
    return engine


_writer_locks: dict[str, WriterLock] = {}
_writer_locks_lock = threading.Lock()


def writer_lock(path: str) -> WriterLock:
    """The process's :class:`WriterLock` for the SQLite file ``path`` (one per file)."""
    with _writer_locks_lock:
        lock = _writer_locks.get(path)
        if lock is None:
            lock = _writer_locks[path] = WriterLock(path + ".lock")
    return lock


def engine_for(url: str, readonly: bool = False) -> sa.Engine:
    """The engine for ``url`` (one per URL and process; SQLite gets WAL and foreign keys).

    ``readonly`` engines on SQLite open plain deferred transactions on ``query_only``
    connections, so a long read never blocks the writers and never waits for them (WAL
    readers see a consistent snapshot); the others queue on the file's :class:`WriterLock`.
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
    global _engines_lock, _writer_locks_lock, _upgrade_lock
    _engines_lock, _writer_locks_lock, _upgrade_lock = threading.Lock(), threading.Lock(), threading.Lock()
    for engine in _engines.values():
        engine.dispose(close=False)
    for lock in list(_all_writer_locks):
        # A descriptor some thread of the parent held the lock by is the child's copy of the
        # same open file: while the child keeps it, the flock outlives the parent's release
        # (every writer, the child too, would wait for ever). Closed here; the lock stays the parent's.
        for fd in lock._fds:
            try:
                os.close(fd)
            except OSError:
                pass
        lock._fds = set()
        lock._held = threading.local()


os.register_at_fork(after_in_child=_after_fork_in_child)


def alembic_config(url: str):
    """An Alembic ``Config`` for ``url`` whose scripts are the package's ``archive/migrations``.

    No ini file: the same configuration whether nianbao runs from a checkout or a wheel
    (the checkout's alembic.ini is for the ``alembic`` command; its logging sections were
    never used here, since the migration runs on the connection nianbao passes).
    """
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _check_schema(conn, cfg, url: str) -> None:
    """Refuse a database that is not a nianbao archive, or one made by a newer nianbao.

    A SQLite file with tables but no ``alembic_version`` is some other program's database:
    migrating it would write our tables into it. A schema revision this nianbao does not
    know comes from a newer version: going on would misread its tables.
    """
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    names = sa.inspect(conn).get_table_names()
    if conn.dialect.name == "sqlite" and names and "alembic_version" not in names:
        shown = ", ".join(sorted(names)[:5]) + (", …" if len(names) > 5 else "")
        raise ArchiveError(f"{_safe(url)} is not a nianbao archive (a SQLite database of something else, "
                           f"tables: {shown}); give another --db")
    current = MigrationContext.configure(conn).get_current_heads()
    script = ScriptDirectory.from_config(cfg)
    known = {rev.revision for rev in script.walk_revisions()}
    unknown = [rev for rev in current if rev not in known]
    if unknown:
        raise ArchiveError(f"the archive at {_safe(url)} has schema {unknown[0]}, newer than this nianbao "
                           f"knows (up to {script.get_current_head()}): upgrade nianbao to use it")


def upgrade(url: str, revision: str = "head") -> None:
    """Run ``alembic upgrade`` on ``url`` (serialised between processes on PostgreSQL).

    Every failure is an :class:`ArchiveError` with one readable line: a server that cannot
    be reached or does not answer in time, a file that is no SQLite database or the
    database of another program, a schema from a newer nianbao, a full disk.
    """
    from alembic import command
    from alembic.util import CommandError

    engine = engine_for(url)
    cfg = alembic_config(url)
    try:
        with engine.connect() as conn:
            postgres = conn.dialect.name == "postgresql"
            if postgres:
                # Migrations may build large indexes: no statement timeout for them.
                conn.execute(sa.text("SET statement_timeout = 0"))
                conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK})
                conn.commit()
            try:
                _check_schema(conn, cfg, url)
                conn.rollback()
                if conn.dialect.name == "sqlite":
                    # Persistent in the file; outside any transaction (the raw connection).
                    conn.connection.dbapi_connection.execute("PRAGMA journal_mode=WAL")
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
                conn.commit()
            finally:
                if postgres and not conn.invalidated:
                    conn.rollback()
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK})
                    conn.execute(sa.text("RESET statement_timeout"))
                    conn.commit()
    except (sa.exc.DBAPIError, CommandError, OSError) as exc:
        raise ArchiveError(f"cannot open the archive at {_safe(url)}: {error_line(exc)}") from exc


# What a driver's message means for the user, by words in it (first match wins; "{}" is the
# message itself). The drivers (sqlite3, psycopg) raise no finer exception classes for these.
_KNOWN_FAILURES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("disk is full", "no space left"), "the disk is full ({})"),
    (("disk i/o error",), "the disk failed a write: full, over a file size limit or failing ({})"),
    (("file is not a database", "database disk image is malformed"),
     "not a SQLite database, or a damaged one ({})"),
    (("unable to open database file",),
     "cannot open the database file ({}): check the path and its directory"),
    (("statement timeout",), "the database did not answer in time ({}; NIANBAO_DB_STATEMENT_TIMEOUT)"),
    (("timeout expired", "connection timeout"),
     "the database server did not answer in time ({}; NIANBAO_DB_CONNECT_TIMEOUT)"),
)


def error_line(exc: BaseException) -> str:
    """One readable line for a database failure (no traceback, no SQL, no parameters)."""
    if isinstance(exc, ArchiveError):
        return str(exc)
    orig = getattr(exc, "orig", None) or exc
    text = " ".join(str(orig).split()) or type(orig).__name__
    if isinstance(orig, OSError) and orig.errno == errno.ENOSPC:
        return f"the disk is full ({text})"
    lowered = text.lower()
    for needles, meaning in _KNOWN_FAILURES:
        if any(needle in lowered for needle in needles):
            return meaning.format(text)
    if isinstance(exc, sa.exc.OperationalError) and ("connection" in lowered or "server" in lowered):
        return f"lost the connection to the database ({text})"
    if len(text) > 300:
        text = text[:300] + "…"
    return f"{type(orig).__name__}: {text}"


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
                 must_exist: bool | None = None, migrated: bool = False) -> sessionmaker[Session]:
    """A session factory for the archive at ``url``, upgraded to the newest schema.

    The upgrade runs once per process and URL. Use it as ``with Session.begin() as s:``.
    ``readonly=True`` for sessions that only read (on SQLite they do not take the write lock);
    a read-only open also requires the archive to exist (``must_exist``, default ``readonly``).
    ``migrated=True``: the process that started this one has just upgraded the archive (the
    crawler's parse workers): no upgrade check, which on SQLite would take the write lock.
    """
    url = database_url(url)
    if readonly if must_exist is None else must_exist:
        require_existing(url)
    with _upgrade_lock:
        if url not in _upgraded and not migrated:
            upgrade(url)
            _upgraded.add(url)
    return _session_factory(url, readonly)


@lru_cache(maxsize=None)
def _session_factory(url: str, readonly: bool = False) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url, readonly), expire_on_commit=False)


class Archive:
    """One archive as a long-running process uses it: reads apart, writes one at a time.

    ``read_sessions`` are read-only sessions (on SQLite: ``query_only``, deferred, never
    waiting for the writers: WAL lets them read beside them), for any thread.
    :meth:`write` runs a write function on the one writer thread, inside its own
    transaction, and gives its result as a future: an event loop hands its writes over
    and awaits them without blocking, and the writes of the process never queue on the
    SQLite lock against each other (only against other processes', on the
    :class:`WriterLock`).
    """

    def __init__(self, url: str | None = None):
        self.url = database_url(url)
        self.sessions = open_archive(self.url)  # migrated here, once per process
        self._read_sessions: sessionmaker[Session] | None = None
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nianbao-writer")

    @property
    def read_sessions(self) -> sessionmaker[Session]:
        if self._read_sessions is None:
            self._read_sessions = open_archive(self.url, readonly=True, must_exist=False)
        return self._read_sessions

    def write(self, fn, /, *args, **kwargs) -> Future:
        """``fn(session, *args, **kwargs)`` on the writer thread in one transaction (committed
        when it returns, rolled back when it raises); its result, as a future."""
        return self._writer.submit(self._transaction, fn, args, kwargs)

    def _transaction(self, fn, args, kwargs):
        with self.sessions.begin() as session:
            return fn(session, *args, **kwargs)

    def close(self) -> None:
        """Let the queued writes finish, then stop the writer thread."""
        self._writer.shutdown(wait=True)


def dispose_all() -> None:
    """Close every pooled connection of this process (before a fork: no SQLite connection
    may go into the child); they are opened again on their next use."""
    for engine in list(_engines.values()):
        engine.dispose()


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
