"""Scale-out: two workers share one frontier in Redis and write to one PostgreSQL archive;
and an interrupted crawl resumes from its JOBDIR."""
from __future__ import annotations

import json
import os
import subprocess
import uuid

import pytest

from tests.crawler.crawl_helpers import FAST, NIANBAO, crawl, reports_in


def _worker(portals, pg_url, redis_url, prefix) -> subprocess.Popen:
    command = [*NIANBAO, "crawl", "--sources", str(portals.sources), "--db", pg_url, "--json",
               "--redis", redis_url, "--redis-key", prefix, *FAST, "-s", "NIANBAO_REDIS_IDLE_CLOSE=4",
               "--source", "trs-city", "--source", "hanweb-jtj", "--source", "next-district"]
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.timeout(180)
def test_two_workers_share_one_frontier(portals, pg_url, redis_url):
    import redis

    prefix = f"nianbao-test-{uuid.uuid4().hex[:10]}"
    client = redis.Redis.from_url(redis_url)
    try:
        workers = [_worker(portals, pg_url, redis_url, prefix) for _ in range(2)]
        outputs = [w.communicate(timeout=150) for w in workers]
        for worker, (out, err) in zip(workers, outputs):
            assert worker.returncode == 0, err[-3000:]
        summaries = [json.loads(out[out.index("{"):]) for out, _ in outputs]
        # The shared duplicate filter: no page was fetched twice across the two workers.
        fetched_twice = {path: n for path, n in portals.handler.counts.items()
                         if n > 1 and path not in ("/robots.txt", "/trs/zwgk/gknb/202301/t20230120_12.html")}
        assert not fetched_twice
        # Every report archived once: one version each, one `new` event each.
        expected = {(e.agency, e.year) for e in portals.state.entries
                    if e.site in ("trs", "hanweb", "next") and not e.private}
        reports = reports_in(pg_url)
        assert set(reports) == expected
        assert all(r["versions"] == 1 for r in reports.values())
        news = sum(s["events"].get("new", 0) for s in summaries)
        assert news == len(expected)
        # A distributed crawl never withdraws: no worker saw the whole listing.
        assert all(not src["complete"] for s in summaries for src in s["sources"].values())
        print("documents archived per worker:", [s["archived"] for s in summaries])
    finally:
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.mark.timeout(180)
def test_interrupted_crawl_resumes(portals, sqlite_url, tmp_path):
    jobdir = tmp_path / "job"
    first = crawl(portals.sources, sqlite_url, "-s", "CLOSESPIDER_PAGECOUNT=8", "--source", "trs-city",
                  "--source", "next-district", jobdir=jobdir)
    assert first["finish_reason"] == "closespider_pagecount"
    assert not any(src["complete"] for src in first["sources"].values())
    assert (jobdir / "requests.queue").exists()
    second = crawl(portals.sources, sqlite_url, "--source", "trs-city", "--source", "next-district", jobdir=jobdir)
    assert second["finish_reason"] == "finished"
    expected = {(e.agency, e.year) for e in portals.state.entries if e.site in ("trs", "next") and not e.private}
    reports = reports_in(sqlite_url)
    assert set(reports) == expected
    assert all(r["versions"] == 1 for r in reports.values())
    # The resumed run did not fetch again what the first one had fetched.
    assert first["events"].get("new", 0) + second["events"].get("new", 0) == len(expected)
