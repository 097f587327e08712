"""The parse pool on hostile ground: a worker killed while it holds the SQLite write lock,
jobs over their time limit, workers that die. The crawl always ends; the rest is archived."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.crawler.crawl_helpers import FAST, NIANBAO, reports_in


def _flock_holders(path: Path) -> set[int]:
    """Pids holding an ``flock`` on ``path`` (from /proc/locks, by inode)."""
    inode = path.stat().st_ino
    holders = set()
    for line in Path("/proc/locks").read_text().splitlines():
        parts = line.split()
        if "FLOCK" in parts and parts[-3].endswith(f":{inode}"):
            holders.add(int(parts[-4]))
    return holders


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def _documents(db_file: Path) -> int:
    conn = sqlite3.connect(db_file, timeout=30)
    try:
        return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs Linux /proc/locks to find the lock holder")
@pytest.mark.timeout(300)
def test_worker_killed_holding_the_sqlite_write_lock_does_not_hang_the_crawl(portals, tmp_path):
    db_file = tmp_path / "nianbao.db"
    url = f"sqlite:///{db_file}"
    command = [*NIANBAO, "-v", "crawl", "--sources", str(portals.sources), "--db", url, "--json", *FAST,
               "-s", "NIANBAO_PARSE_WORKERS=2"]
    env = dict(os.environ, NIANBAO_STATE_DIR=str(tmp_path / "state"), PYTHONWARNINGS="ignore")
    # Files, not pipes: the crawl's log would fill a pipe that nobody reads while the test waits.
    out_file, err_file = tmp_path / "out.txt", tmp_path / "err.txt"
    crawl = subprocess.Popen(command, stdout=out_file.open("w"), stderr=err_file.open("w"), text=True, env=env)
    killed = None
    try:
        deadline = time.monotonic() + 120
        while _documents(db_file) == 0:  # the workers are archiving
            assert crawl.poll() is None, err_file.read_text()[-3000:]
            assert time.monotonic() < deadline, "no document archived"
            time.sleep(0.05)
        lock_file = Path(f"{db_file}.lock")
        while killed is None and time.monotonic() < deadline:
            # Hold SQLite's own write lock: the next writer takes the writers' lock and
            # waits inside its transaction, holding it; that writer is then killed.
            blocker = sqlite3.connect(db_file, timeout=60, isolation_level=None)
            blocker.execute("BEGIN IMMEDIATE")
            try:
                wait_until = time.monotonic() + 5
                while time.monotonic() < wait_until:
                    holders = _flock_holders(lock_file) if lock_file.exists() else set()
                    workers = holders & _children(crawl.pid)
                    if workers:
                        killed = workers.pop()
                        os.kill(killed, signal.SIGKILL)
                        break
                    time.sleep(0.01)
            finally:
                blocker.rollback()
                blocker.close()
            if killed is None:
                time.sleep(0.2)  # the crawling process held it (a 404, the 304s): try again
        assert killed is not None, "no parse worker was seen holding the write lock"
        crawl.wait(timeout=150)
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()
    out, err = out_file.read_text(), err_file.read_text()
    summary = json.loads(out[out.index("{"):])
    assert summary["finish_reason"] == "finished"
    failed = {name for name, src in summary["sources"].items() if src["failed"]}
    assert crawl.returncode == (1 if failed else 0), err[-3000:]  # 1: the fixtures' challenged portals
    assert "parse worker died (killed by SIGKILL)" in err
    expected = {(e.agency, e.year) for e in portals.state.entries if not e.private}
    # Every report archived, the killed worker's one too (its job was tried once more).
    assert set(reports_in(url)) == expected
    assert summary["events"] == {"new": len(expected)}


# --- the pool itself (no crawl) ---------------------------------------------------------------

def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "slept"


def _die_unless_marked(marker: str) -> str:
    """Kills its worker the first time (no marker yet), answers the second time."""
    if not os.path.exists(marker):
        Path(marker).touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return "second try"


def _always_die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def test_pool_limits_time_memory_and_deaths(tmp_path):
    from crawler.parsing import JobFailed, ParsePool

    pool = ParsePool(1, parse_timeout=0.5, memory_mb=512)
    pool.job_timeout = 2.0  # the hard limit of the tests: shorter than the default grace

    async def scenario():
        pool.start()
        try:
            with pytest.raises(JobFailed, match=r"stopped after 2 s"):
                await pool.run(_sleep, 30)
            # The worker was replaced: the pool still works.
            assert await pool.run(_sleep, 0) == "slept"
            # A worker that dies: its job is tried once more.
            assert await pool.run(_die_unless_marked, str(tmp_path / "marker")) == "second try"
            with pytest.raises(JobFailed, match=r"parse worker died \(killed by SIGKILL\)"):
                await pool.run(_always_die)
            # The address-space limit: a big allocation fails in the worker, which lives on.
            with pytest.raises(MemoryError):
                await pool.run(_allocate, 1024)
            assert await pool.run(_allocate, 16) == 16 * 1024 * 1024
        finally:
            pool.close()

    started = time.monotonic()
    asyncio.run(scenario())
    assert time.monotonic() - started < 60
    assert pool.timeouts == 1 and pool.deaths == 3


def test_parse_timeout_is_a_named_error_in_the_worker():
    """A parse running Python code past its limit is ended by SIGALRM in the worker."""
    from crawler import parsing

    def slow_parse(*_args, **_kwargs):
        while True:
            pass

    import parsers

    original = parsers.parse
    parsers.parse = slow_parse
    old_timeout = parsing._PARSE_TIMEOUT
    signal.signal(signal.SIGALRM, parsing._on_alarm)
    parsing._PARSE_TIMEOUT = 0.3
    try:
        record, error = parsing.parse_job(b"x", "a.html")
    finally:
        parsers.parse = original
        parsing._PARSE_TIMEOUT = old_timeout
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
    assert record is None and error == "timed out: parsing took more than 0.3 s"


def test_a_broken_pool_is_restarted_once_and_its_job_requeued():
    from pebble.pool.base_pool import PoolStatus

    from crawler.parsing import ParsePool

    pool = ParsePool(1, parse_timeout=0, memory_mb=0)

    async def scenario():
        pool.start()
        try:
            assert await pool.run(_sleep, 0) == "slept"
            broken = pool._pool
            broken._context.status = PoolStatus.ERROR  # what pebble does when its channel is lost
            assert await pool.run(_sleep, 0) == "slept"  # re-queued on a new pool
            assert pool._pool is not broken
            assert await pool.run(_sleep, 0) == "slept"
        finally:
            pool.close()

    asyncio.run(scenario())
    assert pool.restarts == 1


@pytest.mark.timeout(200)
def test_parse_time_limit_in_a_crawl_records_failures_and_ends(portals, tmp_path):
    """Every parse over a (tiny) time limit: each document is recorded as failed with the
    reason, nothing bogus is archived as a report, and the crawl ends."""
    from tests.crawler.crawl_helpers import crawl

    url = f"sqlite:///{tmp_path / 'nianbao.db'}"
    summary = crawl(portals.sources, url, "-s", "NIANBAO_PARSE_TIMEOUT=0.001")
    assert summary["finish_reason"] == "finished"
    assert summary["events"] == {} and reports_in(url) == {}
    assert summary["parse_errors"] >= 10
    conn = sqlite3.connect(tmp_path / "nianbao.db")
    try:
        errors = {e for (e,) in conn.execute("SELECT parse_error FROM documents")}
    finally:
        conn.close()
    assert errors == {"timed out: parsing took more than 0.001 s"}, errors
