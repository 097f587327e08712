"""The crawler's commands: sources list/add/check, demo, crawl errors, watch's interval."""
from __future__ import annotations

import json
import subprocess

import click
import pytest
from click.testing import CliRunner

from tests.crawler.crawl_helpers import FAST, NIANBAO
from crawler.cli import main
from crawler.commands import parse_every


def test_sources_list_default_and_json():
    result = CliRunner().invoke(main, ["sources", "list", "--json"])
    assert result.exit_code == 0, result.output
    names = {s["name"] for s in json.loads(result.stdout)}
    assert {"beijing-gaj", "mva", "shandong-gb"} <= names


def test_sources_add_then_check_a_local_portal(portals, tmp_path):
    mine = tmp_path / "mine.toml"
    runner = CliRunner()
    result = runner.invoke(main, ["sources", "add", f"{portals.base}/trs/index.html", "--name", "city",
                                  "--region", "示例市", "--sources", str(mine)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["sources", "add", f"{portals.base}/trs/index.html", "--name", "city",
                                  "--sources", str(mine)])
    assert result.exit_code != 0 and "exists already" in result.output
    # The home page: discovery sees the hub (政务公开), no column yet.
    result = runner.invoke(main, ["sources", "check", "city", "--sources", str(mine), "--json"])
    assert result.exit_code == 0, result.output
    home = json.loads(result.stdout)[0]
    assert home["status"] == 200 and home["hubs"] and not home["reports"]
    # The column: report links, decoys left out, TRS pagination recognised.
    result = runner.invoke(main, ["sources", "check", f"{portals.base}/trs/zwgk/gknb/index.html", "--json"])
    column = json.loads(result.stdout)[0]
    assert len(column["reports"]) == 2 and not any("通知" in r or "要点" in r for r in column["reports"])
    assert any("createPageHTML" in p for p in column["pagination"])
    # A Hanweb column and a challenge page.
    hanweb = json.loads(runner.invoke(main, ["sources", "check", f"{portals.base}/hanweb/col/col100/index.html",
                                             "--json"]).stdout)[0]
    assert len(hanweb["reports"]) == 3 and any("dataproxy" in p for p in hanweb["pagination"])
    blocked = json.loads(runner.invoke(main, ["sources", "check", f"{portals.base}/blocked/index.html",
                                              "--json"]).stdout)[0]
    assert blocked["blocked"] == "ruishu"
    # robots.txt is asked first.
    private = json.loads(runner.invoke(main, ["sources", "check",
                                              f"{portals.base}/trs/zwgk/gknb/private/x.html", "--json"]).stdout)[0]
    assert private["error"] == "disallowed by robots.txt"


def test_sources_add_needs_a_file():
    result = CliRunner().invoke(main, ["sources", "add", "https://x.gov.cn/"], env={"NIANBAO_SOURCES": ""})
    assert result.exit_code != 0 and "--sources" in result.output


def test_crawl_bad_source_name_is_one_line(tmp_path):
    done = subprocess.run([*NIANBAO, "crawl", "--source", "no-such", "--db", f"sqlite:///{tmp_path}/a.db"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "no source named no-such" in done.stderr and "Traceback" not in done.stderr


def test_watch_interval():
    assert parse_every("6h") == 21600 and parse_every("30m") == 1800 and parse_every("1d") == 86400
    with pytest.raises(click.BadParameter):
        parse_every("10s")
    with pytest.raises(click.BadParameter):
        parse_every("often")


@pytest.mark.timeout(120)
def test_demo_crawls_the_sample_portal(tmp_path):
    db = f"sqlite:///{tmp_path}/demo.db"
    done = subprocess.run([*NIANBAO, "demo", "--db", db], capture_output=True, text=True, timeout=110,
                          env={"NIANBAO_STATE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "events: new 6" in done.stdout
    for agency in ("示例市公安局 2023", "示例市公安局 2022", "示例市财政局 2023", "示例市民政局 2022"):
        assert agency in done.stdout
    assert "sample-portal: " in done.stdout and "complete" in done.stdout


@pytest.mark.timeout(120)
def test_watch_runs_crawls_in_new_processes(portals, tmp_path):
    db = f"sqlite:///{tmp_path}/w.db"
    done = subprocess.run([*NIANBAO, "watch", "--every", "1m", "--times", "1", "--sources", str(portals.sources),
                           "--source", "next-district", "--db", db, *FAST],
                          capture_output=True, text=True, timeout=110, env={"NIANBAO_STATE_DIR": str(tmp_path),
                                                                            "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "starting a crawl" in done.stderr
    assert "events: new 5" in done.stdout
