"""The parse pool's workers: forked from the crawling process with the parsers already
imported (no start-up imports), replaced by spawned workers when they die."""
from __future__ import annotations

import asyncio
import os
import signal
import sys

from crawler.parsing import JobFailed


def _state() -> dict:
    from crawler import parsing

    return {"pid": os.getpid(), "ppid": os.getppid(), "forked_from": parsing._FORK_PARENT,
            "imported": all(m in sys.modules for m in ("parsers.api", "parsers.formats.html", "trafilatura",
                                                       "archive.ingest"))}


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _break(pool) -> None:
    """What pebble does when its channel is lost (run here, not in a worker)."""
    from pebble.pool.base_pool import PoolStatus

    pool._pool._context.status = PoolStatus.ERROR


def _states(pool, *steps) -> list[dict]:
    """Start ``pool``, run each step, close it; what each ``_state`` job saw. A step is a job
    (``_die`` may fail) or ``_break``, which is run here on the pool."""
    async def scenario():
        pool.start()
        states = []
        try:
            for step in steps:
                if step is _break:
                    _break(pool)
                elif step is _die:
                    try:
                        await pool.run(_die)
                    except JobFailed:
                        pass
                else:
                    states.append(await pool.run(step))
        finally:
            pool.close()
        return states

    return asyncio.run(scenario())


def test_workers_are_forked_with_the_parsers_loaded_and_replaced_by_spawned_ones():
    from crawler.parsing import ParsePool

    pool = ParsePool(1, parse_timeout=0, memory_mb=512)
    first, second = _states(pool, _state, _die, _state)
    # A direct child of this process, forked from it: everything a parse needs is there.
    assert first["ppid"] == os.getpid() and first["forked_from"] == os.getpid() and first["imported"]
    # Its replacement (started by pebble's thread while the crawl runs) is spawned, also a direct child.
    assert second["ppid"] == os.getpid() and second["pid"] != first["pid"] and second["forked_from"] == 0


def test_spawn_is_kept_as_a_setting():
    from scrapy.settings import Settings

    from crawler.parsing import ParsePool

    assert ParsePool.from_settings(Settings(), 1).start_method == "fork"
    pool = ParsePool.from_settings(Settings({"NIANBAO_PARSE_START_METHOD": "spawn"}), 1)
    assert pool.start_method == "spawn"
    [state] = _states(pool, _state)
    assert state["ppid"] == os.getpid() and state["forked_from"] == 0


def test_a_pool_started_again_after_a_breakage_is_spawned():
    """Mid-crawl (other threads at work, connections open) nothing is forked."""
    from crawler.parsing import ParsePool

    pool = ParsePool(1, parse_timeout=0, memory_mb=0)
    first, second = _states(pool, _state, _break, _state)
    assert pool.restarts == 1
    assert first["forked_from"] == os.getpid() and second["forked_from"] == 0
    assert second["ppid"] == os.getpid()
