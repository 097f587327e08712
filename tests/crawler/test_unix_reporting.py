"""A crawl reports like a Unix tool: one line per failed source on stderr, no traceback for
a network error, exit status 0 / 1 (some sources failed) / 2 (usage error).

No real network is touched: dead hosts are a closed port on 127.0.0.1 and names under
``.invalid`` (RFC 6761: never resolves).
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
from pathlib import Path

import pytest

import build
from crawler.sources import Source, default_sources_path, load_sources
from tests.crawler.crawl_helpers import FAST, NIANBAO


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(args: list[str], tmp_path: Path, timeout: float = 150) -> subprocess.CompletedProcess:
    env = dict(os.environ, NIANBAO_STATE_DIR=str(tmp_path / "state"), PYTHONWARNINGS="ignore")
    return subprocess.run([*NIANBAO, *args], capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture
def dead_sources(tmp_path) -> tuple[Path, int]:
    port = _closed_port()
    path = tmp_path / "dead.toml"
    path.write_text(build.sources_text(
        Source("closed-port", [f"http://127.0.0.1:{port}/zwgk/"]),
        Source("no-such-host", ["http://gaj.nianbao-test.invalid/zwgk/index.html"]),
    ), encoding="utf-8")
    return path, port


@pytest.mark.timeout(120)
def test_unreachable_portals_print_one_line_each(dead_sources, tmp_path):
    path, port = dead_sources
    done = _run(["crawl", "--sources", str(path), "--db", f"sqlite:///{tmp_path}/a.db", *FAST], tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        f"source closed-port: connection refused by 127.0.0.1:{port}",
        "source no-such-host: cannot resolve host gaj.nianbao-test.invalid",
    ]
    assert "failed: 2 of 2 sources (closed-port, no-such-host)" in done.stdout
    assert "Traceback" not in done.stdout

    # --json: the summary for monitoring, per source.
    done = _run(["crawl", "--sources", str(path), "--db", f"sqlite:///{tmp_path}/a.db", "--json", *FAST], tmp_path)
    assert done.returncode == 1
    summary = json.loads(done.stdout)
    for name in ("closed-port", "no-such-host"):
        src = summary["sources"][name]
        assert src["failed"] and not src["complete"]
        assert src["pages"] == 0 and src["reports"] == 0 and src["errors"] == 1 and src["events"] == {}

    # With the log asked for: details, still no traceback for a network error.
    done = _run(["-v", "crawl", "--sources", str(path), "--db", f"sqlite:///{tmp_path}/a.db", *FAST], tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "DNS lookup failed" in done.stderr or "cannot resolve" in done.stderr
    assert len(done.stderr.splitlines()) > 10


@pytest.mark.timeout(240)
def test_shipped_sources_without_network(tmp_path):
    """``nianbao crawl`` on the shipped sources, every host made unresolvable: one line per
    source, the summary, exit status 1."""
    text = default_sources_path().read_text(encoding="utf-8")
    offline = re.sub(r'(https?://)([^/":]+)', r"\1\2.invalid", text)
    path = tmp_path / "offline.toml"
    path.write_text(offline, encoding="utf-8")
    names = [s.name for s in load_sources(path)]
    assert all(".invalid" in u for s in load_sources(path) for u in s.start_urls)
    done = _run(["crawl", "--sources", str(path), "--db", f"sqlite:///{tmp_path}/a.db", *FAST,
                 "-s", "RETRY_TIMES=0"], tmp_path, timeout=220)
    assert done.returncode == 1, done.stderr[-3000:]
    lines = done.stderr.splitlines()
    assert len(lines) == len(names), done.stderr[-3000:]
    assert sorted(line.split(":", 1)[0] for line in lines) == sorted(f"source {n}" for n in names)
    assert all("cannot resolve host" in line and ".invalid" in line for line in lines)
    assert f"failed: {len(names)} of {len(names)} sources" in done.stdout
    assert all(f"  {n}: " in done.stdout for n in names)


def test_usage_errors_exit_2(tmp_path, dead_sources):
    path, _ = dead_sources
    done = _run(["crawl", "--sources", str(path), "--source", "nope", "--db", f"sqlite:///{tmp_path}/a.db"], tmp_path)
    assert done.returncode == 2 and done.stderr.strip().splitlines() == [
        "Error: no source named nope (see `nianbao sources list`)"]
    bad = tmp_path / "bad.toml"
    bad.write_text("[[source]\n", encoding="utf-8")
    done = _run(["crawl", "--sources", str(bad), "--db", f"sqlite:///{tmp_path}/a.db"], tmp_path)
    assert done.returncode == 2 and "not valid TOML" in done.stderr and "Traceback" not in done.stderr
    done = _run(["crawl", "-s", "nonsense", "--db", f"sqlite:///{tmp_path}/a.db"], tmp_path)
    assert done.returncode == 2
    done = _run(["sources", "check", "nope", "--sources", str(path)], tmp_path)
    assert done.returncode == 2


def test_sources_check_exit_status(portals, dead_sources, tmp_path):
    path, port = dead_sources
    done = _run(["sources", "check", f"{portals.base}/trs/zwgk/gknb/index.html"], tmp_path)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    done = _run(["sources", "check", "closed-port", "no-such-host", "--sources", str(path), "--timeout", "5"],
                tmp_path)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith("source closed-port: cannot fetch")
    assert lines[1].startswith("source no-such-host: cannot fetch")
    assert "Traceback" not in done.stderr


@pytest.mark.timeout(120)
def test_watch_logs_a_failed_run_and_exits_1(dead_sources, tmp_path):
    path, _ = dead_sources
    done = _run(["watch", "--every", "1m", "--times", "1", "--sources", str(path), "--source", "closed-port",
                 "--db", f"sqlite:///{tmp_path}/w.db", *FAST], tmp_path)
    assert done.returncode == 1
    assert "source closed-port: connection refused" in done.stderr
    assert re.search(r"the crawl exited with status 1 .*the next one runs as planned", done.stderr)
    assert "Traceback" not in done.stderr


def test_unreachable_archive_is_one_line(dead_sources, tmp_path):
    path, _ = dead_sources
    port = _closed_port()
    done = _run(["crawl", "--sources", str(path), "--db", f"postgresql+psycopg://postgres@127.0.0.1:{port}/x"],
                tmp_path, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: cannot open the archive") and len(done.stderr.splitlines()) == 1
    assert "Traceback" not in done.stderr
