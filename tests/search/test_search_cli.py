"""`nianbao search`: hits as text and JSON; bad queries are one-line errors, never tracebacks."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from crawler.cli import main
from fill import add


@pytest.fixture(scope="module")
def archive_url(module_Session):
    with module_Session.begin() as s:
        add(s, "北京市公安局", 2021, "全年收到申请，行政复议3件。公安公开。", url="http://gov.test/bj/2021.html",
            region="110000")
        add(s, "北京市公安局", 2022, "行政复议0件。", url="http://gov.test/bj/2022.html", region="110000",
            violations=["reviews.row_sum:review"])
        add(s, "上海市民政局", 2021, "民政公开，无复议。", url="http://gov.test/sh/2021.html", region="310000")
    return module_Session.kw["bind"].url.render_as_string(hide_password=False)


def run(*args):
    return CliRunner().invoke(main, ["search", *args], catch_exceptions=False)


def test_json_hits(archive_url):
    r = run("复议", "--json", "--db", archive_url)
    assert r.exit_code == 0, r.output
    hits = json.loads(r.output)
    assert sorted((h["agency"], h["year"]) for h in hits) == [("上海市民政局", 2021), ("北京市公安局", 2021),
                                                               ("北京市公安局", 2022)]
    for h in hits:
        assert {"agency", "year", "url", "snippet", "template", "score", "report_id"} <= h.keys()
        assert "复议" in h["snippet"] and h["url"].startswith("http://gov.test/")


def test_filters_and_text_output(archive_url):
    r = run("复议", "--region", "11", "--year", "2021", "--db", archive_url)
    assert r.exit_code == 0
    lines = r.output.strip().splitlines()
    assert lines[0].startswith("北京市公安局\t2021\t2021\t") and lines[0].endswith("http://gov.test/bj/2021.html")
    assert "【复议】" in lines[1]
    r = run("复议", "--violations", "--json", "--db", archive_url)
    assert [h["year"] for h in json.loads(r.output)] == [2022]
    r = run("复议", "--agency", "民政", "--limit", "1", "--json", "--db", archive_url)
    assert [h["agency"] for h in json.loads(r.output)] == ["上海市民政局"]
    r = run("没有的词", "--db", archive_url)
    assert r.exit_code == 0 and "no reports found" in r.output


@pytest.mark.parametrize("bad", ['行政复议"', "", "*", "   "])
def test_bad_query_is_one_line_error(archive_url, bad):
    r = run(bad, "--db", archive_url)
    assert r.exit_code == 1
    assert r.output.startswith("Error: ") and r.output.count("\n") == 1
    assert "Traceback" not in r.output


@pytest.mark.parametrize("odd", ["AND", "依申请-公开", "body:公安局", "公安*"])
def test_odd_queries_work(archive_url, odd):
    assert run(odd, "--json", "--db", archive_url).exit_code == 0


def test_unreachable_database_is_one_line_error():
    r = run("复议", "--db", "postgresql://nobody@127.0.0.1:1/none")
    assert r.exit_code == 1 and r.output.startswith("Error: ") and "Traceback" not in r.output
