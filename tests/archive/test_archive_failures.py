"""Failures of the archive itself give one line and a non-zero exit, never a traceback:
a corrupt or foreign SQLite file, a schema from a newer nianbao (every command), a full
disk, a PostgreSQL server that never answers or drops the connection mid-ingest; `ingest
DIR` goes on past a bad file. NUL characters never keep a report out of PostgreSQL."""
from __future__ import annotations

import os
import resource
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from archive import db, snapshots
from crawler.cli import main

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "tests" / "data" / "seeds"
NIANBAO = [sys.executable, "-c", "from crawler.cli import main; main()"]


def nianbao(*args: str, env: dict | None = None, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    """``nianbao ARGS`` in a subprocess (a fresh process: no engine or upgrade cached)."""
    return subprocess.run([*NIANBAO, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, cwd=ROOT, **kwargs)


def one_line_failure(done: subprocess.CompletedProcess) -> str:
    """The failure's message: exit code 1, no traceback, one ``Error:`` line."""
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, done.stderr
    return errors[0]


def one_line_error(done: subprocess.CompletedProcess) -> str:
    """The per-document ``error:`` line of an ingest (exactly one)."""
    lines = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, done.stderr
    return lines[0]


THREE_SEEDS = ("002_5ce0e844e5628c40.txt", "003_1dd0d26f392e9724.txt", "004_ce346b559cdaaff9.txt")


def seed_folder(tmp_path: Path, names=THREE_SEEDS) -> Path:
    """A folder ``in`` holding copies of the named seed reports."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in names:
        (folder / name).write_bytes((SEEDS / name).read_bytes())
    return folder


def seed_with_nul(tmp_path: Path) -> Path:
    """A real text report with NUL bytes inside a line."""
    data = (SEEDS / "000_13d8da7760c93c3b.txt").read_bytes()
    cut = data.index(b"\n", len(data) // 2)
    path = tmp_path / "nul.txt"
    path.write_bytes(data[:cut] + b"\x00\x00NUL\x00" + data[cut:])
    return path


# --- SQLite files that are not our archive ------------------------------------------------------

COMMANDS = [("reports",), ("events",), ("history", "北京市公安局"), ("export",), ("search", "公开"),
            ("alerts", "list"), ("db", "upgrade"), ("ingest", str(SEEDS / "000_13d8da7760c93c3b.txt"))]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_corrupt_sqlite_file_is_one_line(tmp_path, command):
    path = tmp_path / "nianbao.db"
    path.write_bytes(b"this is no database at all\n" * 200)
    line = one_line_failure(nianbao(*command, "--db", f"sqlite:///{path}"))
    assert "not a SQLite database" in line


def test_foreign_sqlite_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    for command in (("reports",), ("ingest", str(SEEDS / "000_13d8da7760c93c3b.txt"))):
        line = one_line_failure(nianbao(*command, "--db", f"sqlite:///{path}"))
        assert "not a nianbao archive" in line and "customers" in line
    assert path.read_bytes() == before  # none of our tables written into it


def _future(url: str) -> None:
    db.open_archive(url)
    engine = db.engine_for(db.database_url(url))
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    engine.dispose()


@pytest.mark.parametrize("command", COMMANDS + [("crawl", "--sources", str(ROOT / "crawler" / "sources.toml"))],
                         ids=lambda c: c[0])
def test_schema_from_a_newer_nianbao_is_one_line_for_every_command(sqlite_url, command):
    _future(sqlite_url)
    line = one_line_failure(nianbao(*command, "--db", sqlite_url))
    assert "0099_from_the_future" in line and "newer than this nianbao" in line


@pytest.mark.postgres
def test_schema_from_a_newer_nianbao_postgres(pg_url):
    _future(pg_url)
    line = one_line_failure(nianbao("reports", "--db", pg_url))
    assert "newer than this nianbao" in line


def test_full_disk_is_one_line_and_the_archive_stays_usable(sqlite_url, tmp_path):
    db.open_archive(sqlite_url)
    path = Path(sa.engine.make_url(sqlite_url).database)
    target = SEEDS / "002_5ce0e844e5628c40.txt"
    limit = path.stat().st_size + 4096  # the file may grow by one page, not by a report

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = nianbao("ingest", str(target), "--db", sqlite_url, preexec_fn=small_files)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "the disk failed a write" in one_line_error(done), done.stderr
    # Nothing half-written: the same ingest with room to spare archives the report.
    done = nianbao("ingest", str(target), "--db", sqlite_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("new")


@pytest.fixture
def tiny_disk(tmp_path):
    """A 2 MB tmpfs (root only: skipped where mounting is not allowed)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_really_full_disk_is_one_line(tiny_disk, tmp_path):
    url = f"sqlite:///{tiny_disk / 'nianbao.db'}"
    done = nianbao("db", "upgrade", "--db", url)
    assert done.returncode == 0, done.stderr
    filler = tiny_disk / "filler"
    with open(filler, "wb", buffering=0) as f:  # fill the disk to the last block
        try:
            while True:
                f.write(b"x" * 4096)
        except OSError:
            pass
    done = nianbao("ingest", str(SEEDS / "002_5ce0e844e5628c40.txt"), "--db", url)
    # Where it fails (opening: SQLite's shared-memory file; or writing) decides the line.
    line = one_line_failure(done)
    assert "the disk is full" in done.stderr or "the disk failed a write" in line, done.stderr
    filler.unlink()
    done = nianbao("ingest", str(SEEDS / "002_5ce0e844e5628c40.txt"), "--db", url)
    assert done.returncode == 0 and done.stdout.startswith("new"), done.stderr


# --- PostgreSQL: timeouts, a lost connection, NUL ----------------------------------------------

@pytest.fixture
def silent_server():
    """A TCP server on 127.0.0.1 that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


@pytest.mark.parametrize("command", [("reports",), ("db", "upgrade"), ("serve", "--port", "0")], ids=lambda c: c[0])
def test_server_that_never_answers_does_not_hang_a_command(silent_server, command):
    started = time.monotonic()
    done = nianbao(*command, "--db", f"postgresql://nianbao@127.0.0.1:{silent_server}/nianbao",
                   env={"NIANBAO_DB_CONNECT_TIMEOUT": "2"}, timeout=60)
    line = one_line_failure(done)
    assert "did not answer in time" in line
    assert time.monotonic() - started < 30


@pytest.mark.postgres
def test_statement_timeout_applies(pg_url, monkeypatch):
    monkeypatch.setenv(db.STATEMENT_TIMEOUT_VAR, "1")
    db.dispose(pg_url)
    url = db.database_url(pg_url)
    engine = db._create_engine(url, readonly=False)
    try:
        with engine.connect() as conn, pytest.raises(sa.exc.OperationalError) as caught:
            conn.execute(sa.text("SELECT pg_sleep(5)"))
    finally:
        engine.dispose()
    assert "did not answer in time" in db.error_line(caught.value)


def test_nul_bytes_are_stripped_from_text_not_from_the_snapshot(Session, db_url, tmp_path):
    from archive.models import Document, Version

    path = seed_with_nul(tmp_path)
    result = CliRunner().invoke(main, ["ingest", str(path), "--db", db_url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("new")
    with Session() as s:
        version = s.execute(sa.select(Version)).scalar_one()
        assert "\x00" not in version.text and "NUL" in version.text
        digest = s.execute(sa.select(Document.sha256)).scalar_one()
        assert snapshots.load(s, digest) == path.read_bytes()  # the bytes as they came


def test_ingest_dir_goes_on_past_bad_files(Session, db_url, tmp_path, monkeypatch):
    """A parser bug on one file, an unparsable file, NUL bytes: the rest is archived, each
    failure is one line, and the exit code says something failed."""
    import parsers

    folder = seed_folder(tmp_path, ("002_5ce0e844e5628c40.txt", "004_ce346b559cdaaff9.txt"))
    seed_with_nul(folder)
    (folder / "a_bug.txt").write_bytes((SEEDS / "003_1dd0d26f392e9724.txt").read_bytes())
    (folder / "b_garbage.pdf").write_bytes(b"%PDF-1.7\n garbage")
    original = parsers.parse

    def parse(data, name, **kwargs):
        if name.endswith("a_bug.txt"):
            raise KeyError("a parser bug")
        return original(data, name, **kwargs)

    monkeypatch.setattr(parsers, "parse", parse)
    result = CliRunner().invoke(main, ["ingest", str(folder), "--db", db_url], catch_exceptions=False)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "a_bug.txt: internal error (KeyError" in result.output
    assert "b_garbage.pdf" in result.output
    assert "2 of 5 documents: 1 could not be parsed (stored as documents), 1 failed (not archived)" in result.output
    assert result.output.count("\nnew") + result.output.startswith("new") == 3


@pytest.mark.postgres
def test_postgres_connection_lost_mid_ingest(pg_url, tmp_path, monkeypatch):
    """The server ends the connection inside one document's transaction: that document
    fails in one line, the next ones are archived on a new connection."""
    from archive import ingest

    names = list(THREE_SEEDS)
    folder = seed_folder(tmp_path, names)
    original = ingest.archive_document

    def archive_document(session, fetched, **kwargs):
        if fetched.url.endswith(names[1]):
            session.execute(sa.text("SELECT pg_terminate_backend(pg_backend_pid())"))
        return original(session, fetched, **kwargs)

    monkeypatch.setattr(ingest, "archive_document", archive_document)
    result = CliRunner().invoke(main, ["ingest", str(folder), "--db", pg_url], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"{names[1]}: lost the connection to the database" in result.output
    assert "1 of 3 documents: 1 failed (not archived)" in result.output
    factory = db.open_archive(pg_url)
    with factory() as s:
        from archive.models import Report

        assert s.execute(sa.select(sa.func.count()).select_from(Report)).scalar_one() == 2
    db.dispose(pg_url)


def test_ingest_batch_with_one_bad_file_in_the_middle(Session, db_url, tmp_path, monkeypatch):
    """`ingest` archives a folder in one transaction; one document failing inside it costs
    only itself: the batch is redone file by file, the others are archived, the bad one is
    one line, and the exit code says so."""
    from archive import ingest
    from archive.models import Report

    names = list(THREE_SEEDS)
    folder = seed_folder(tmp_path, names)
    original = ingest.archive_document
    calls = []

    def archive_document(session, fetched, **kwargs):
        calls.append(fetched.url.rsplit("/", 1)[1])
        if fetched.url.endswith(names[1]):
            raise RuntimeError("a bug on one document")
        return original(session, fetched, **kwargs)

    monkeypatch.setattr(ingest, "archive_document", archive_document)
    result = CliRunner().invoke(main, ["ingest", str(folder), "--db", db_url], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {folder / names[1]}: internal error (RuntimeError: a bug on one document); "
                      "run with -vv for the traceback"], result.output
    assert "1 of 3 documents: 1 failed (not archived)" in result.output
    assert result.output.count("\nnew") + result.output.startswith("new") == 2
    # Batched first (stopped at the bad file), then one at a time.
    assert calls == names[:2] + names, calls
    with Session() as s:
        assert s.execute(sa.select(sa.func.count()).select_from(Report)).scalar_one() == 2


def test_ingest_writes_a_folder_in_one_transaction(db_url, tmp_path):
    """A folder of good files is one commit, not one per file."""
    folder = seed_folder(tmp_path)
    db.open_archive(db_url)
    commits = []

    def count(conn):
        commits.append(conn)

    engine = db.engine_for(db_url)
    sa.event.listen(engine, "commit", count)
    try:
        result = CliRunner().invoke(main, ["ingest", str(folder), "--db", db_url], catch_exceptions=False)
    finally:
        sa.event.remove(engine, "commit", count)
    assert result.exit_code == 0, result.output
    assert result.output.count("new") == 3
    assert len(commits) == 1
