"""Helpers of the crawler tests: fixture portals on a real HTTP server, crawls in subprocesses.

Imported by name (``tests.crawler.crawl_helpers``), not through ``conftest``: several test
folders have a conftest, and ``from conftest import`` may find another folder's.

The Twisted reactor cannot restart in one process, so every crawl runs as
``nianbao crawl … --json`` in a subprocess, against portals served from this process.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SITES = Path(__file__).resolve().parents[1] / "sites"
if str(SITES) not in sys.path:
    sys.path.insert(0, str(SITES))

import build  # noqa: E402
import server  # noqa: E402

NIANBAO = [sys.executable, "-c", "from crawler.cli import main; main()"]
# Fast and deterministic for tests: no politeness delays (see settings.py for the real ones).
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "NIANBAO_PARSE_WORKERS=1",
        "-s", "NIANBAO_RETRY_BACKOFF=0.1", "-s", "RETRY_TIMES=2", "-s", "DOWNLOAD_TIMEOUT=10",
        "-s", "NIANBAO_PROGRESS_INTERVAL=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
        # Challenge solving bounded well inside the subprocess timeout of crawl() below.
        "-s", "NIANBAO_CHALLENGE_TIME_BUDGET=90"]

# Paths of the default portals with a simulated behaviour.
FLAKY = "/trs/zwgk/gknb/202301/t20230120_12.html"  # 503 once, then 200
SLOW = "/trs/zwgk/gknb/202301/t20230120_11.html"  # answers after 1 s


class Portals:
    """The fixture portals of one test: files in ``root``, served at ``base``."""

    def __init__(self, root: Path, state=None, sources_toml=None):
        self.root = root
        self.state = state or build.default_portals()
        self.state.write(root)
        self.server, self.base, self.handler = server.start(root, {FLAKY: "503-once", SLOW: "slow"})
        self.sources = root.parent / "sources.toml"
        self.sources.write_text((sources_toml or build.sources_toml)(self.base), encoding="utf-8")

    def requested(self, path: str) -> int:
        """How many times the server was asked for ``path``."""
        return self.handler.counts.get(path, 0)

    def entry(self, slug: str):
        return next(e for e in self.state.entries if e.slug == slug)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def crawl(sources: Path, db: str, *args: str, jobdir: Path | None = None, timeout: float = 120) -> dict:
    """Run ``nianbao crawl --json`` in a subprocess; its summary (fails the test on a non-zero exit)."""
    command = [*NIANBAO, "crawl", "--sources", str(sources), "--db", db, "--json", *FAST, *args]
    if jobdir is not None:
        command += ["--jobdir", str(jobdir)]
    env = dict(os.environ, NIANBAO_STATE_DIR=str(sources.parent / "state"), PYTHONWARNINGS="ignore")
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    assert done.returncode in (0, 1), f"crawl failed ({done.returncode}):\n{done.stderr[-4000:]}"
    start = done.stdout.index("{")
    summary = json.loads(done.stdout[start:])
    # Exit status 1 exactly when a source failed (or the crawl was cut short), each said in one line.
    failed = {name for name, src in summary["sources"].items() if src["failed"]}
    assert done.returncode == (1 if failed or summary["finish_reason"] != "finished" else 0), done.stderr[-4000:]
    lines = {line.split(":", 1)[0][len("source "):] for line in done.stderr.splitlines() if line.startswith("source ")}
    assert lines == failed, done.stderr[-4000:]
    assert "Traceback" not in done.stderr, done.stderr[-4000:]
    return summary


def archive_events(db: str) -> list[dict]:
    """Every event in the archive (``nianbao events --json``)."""
    done = subprocess.run([*NIANBAO, "events", "--db", db, "--json"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def reports_in(db: str) -> dict[tuple[str, int], dict]:
    """(agency, year) → {versions, withdrawn} of every report in the archive."""
    import sqlalchemy as sa

    from archive.db import open_archive
    from archive.models import Agency, Report, Version

    factory = open_archive(db)
    with factory() as session:
        rows = session.execute(sa.select(Agency.name, Report.year, Report.version_count, Report.withdrawn_at,
                                         Version.record)
                               .join(Report, Report.agency_id == Agency.id)
                               .join(Version, Version.id == Report.latest_version_id)).all()
    return {(a, y): {"versions": v, "withdrawn": w is not None, "template": rec.get("template"),
                     "facts": len(rec.get("facts", {}))} for a, y, v, w, rec in rows}
