"""Reliability: a writer killed mid-batch loses and duplicates nothing; concurrent writers never
create duplicate reports or versions (unique constraints + ON CONFLICT + row locks)."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from archive import db

WRITER = Path(__file__).with_name("writer_process.py")
ROOT = Path(__file__).resolve().parents[2]


def _writer(url: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(WRITER), url, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def _counts(url: str) -> dict[str, int]:
    engine = db.engine_for(db.database_url(url))
    with engine.connect() as conn:
        q = lambda sql: conn.execute(sa.text(sql)).scalar_one()  # noqa: E731
        return {
            "reports": q("SELECT count(*) FROM reports"),
            "versions": q("SELECT count(*) FROM versions"),
            "documents": q("SELECT count(*) FROM documents"),
            "snapshots": q("SELECT count(*) FROM snapshots"),
            "new": q("SELECT count(*) FROM events WHERE kind = 'new'"),
            "revised": q("SELECT count(*) FROM events WHERE kind = 'revised'"),
            "cells_per_version": q("SELECT count(DISTINCT n) FROM (SELECT count(*) AS n FROM cells GROUP BY version_id) c"),
            "bad_pointers": q("SELECT count(*) FROM reports r JOIN versions v ON v.id = r.latest_version_id "
                              "WHERE v.report_id <> r.id OR v.number <> r.version_count"),
            "max_version": q("SELECT coalesce(max(number), 0) FROM versions"),
        }


def test_killed_writer_loses_and_duplicates_nothing(db_url):
    db.open_archive(db_url)  # schema first, so the writer's kill never lands in a migration
    count = 12
    writer = _writer(db_url, "--count", str(count), "--pause-in", "5")
    try:
        lines = []
        for line in writer.stdout:
            lines.append(line.strip())
            if line.startswith("inside"):
                break
        assert lines[-1] == "inside 5", (lines, writer.stderr.read())
        writer.send_signal(signal.SIGKILL)  # mid-transaction of document 5
        writer.wait(timeout=30)
    finally:
        if writer.poll() is None:
            writer.kill()
    before = _counts(db_url)
    assert before["reports"] == 5 and before["versions"] == 5 and before["documents"] == 5

    rerun = _writer(db_url, "--count", str(count))
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    after = _counts(db_url)
    assert after == {"reports": count, "versions": count, "documents": count, "snapshots": count, "new": count,
                     "revised": 0, "cells_per_version": 1, "bad_pointers": 0, "max_version": 1}
    db.engine_for(db.database_url(db_url)).dispose()


def _race(url: str, *variants: str, count: int, hold: float = 0.0) -> None:
    db.open_archive(url)
    start = time.time() + 1.5  # both processes import and connect first, then start together
    writers = [_writer(url, "--count", str(count), "--variant", v, "--start-at", str(start), "--hold", str(hold)) for v in variants]
    for w in writers:
        out, err = w.communicate(timeout=180)
        assert w.returncode == 0, err


def test_two_writers_same_documents_make_no_duplicates(db_url):
    count = 20
    _race(db_url, "", "", count=count, hold=0.01)
    assert _counts(db_url) == {"reports": count, "versions": count, "documents": count, "snapshots": count,
                               "new": count, "revised": 0, "cells_per_version": 1, "bad_pointers": 0,
                               "max_version": 1}
    db.engine_for(db.database_url(db_url)).dispose()


def test_two_writers_revising_the_same_reports_diff_against_the_latest(db_url):
    """Reports exist; two writers revise each at the same moment. The report row lock makes the
    second wait and diff against the first's version (from == to - 1), never a stale one."""
    count = 20
    _race(db_url, "base", count=count)
    _race(db_url, "a", "bb", count=count, hold=0.03)
    counts = _counts(db_url)
    assert (counts["reports"], counts["versions"], counts["new"], counts["revised"], counts["max_version"],
            counts["bad_pointers"]) == (count, 3 * count, count, 2 * count, 3, 0)
    engine = db.engine_for(db.database_url(db_url))
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT e.detail, v.number FROM events e JOIN versions v ON v.id = e.version_id "
                                    "WHERE e.kind = 'revised'")).all()
    details = [(d if isinstance(d, dict) else __import__("json").loads(d), n) for d, n in rows]
    assert all(d["to"] == n and d["from"] == n - 1 for d, n in details), details
    engine.dispose()


def test_sqlite_reader_does_not_block_a_writer(sqlite_url):
    """A long read (an export streaming) must not hold SQLite's write lock."""
    from archive import ingest
    from archive.fetched import Fetched
    from tests.archive.factories import make_record, page

    writer = db.open_archive(sqlite_url)
    reader = db.open_archive(sqlite_url, readonly=True)
    first, second = make_record("甲局"), make_record("乙局")
    with writer.begin() as s:
        ingest.archive_document(s, Fetched(url="http://r.example/1", data=page(first)), record=first)
    with reader.begin() as read:
        assert read.execute(sa.text("SELECT count(*) FROM reports")).scalar_one() == 1
        # Another process's writer, which gives up after half a second if the lock is held.
        raw = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), timeout=0.5, isolation_level=None)
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("ROLLBACK")
        raw.close()
        with writer.begin() as s:
            ingest.archive_document(s, Fetched(url="http://r.example/2", data=page(second)), record=second)
        # The reader's snapshot is stable while the writer commits.
        assert read.execute(sa.text("SELECT count(*) FROM reports")).scalar_one() == 1
    db.dispose(sqlite_url)
