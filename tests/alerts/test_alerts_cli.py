"""`nianbao alerts` end to end on an SQLite archive and a real webhook receiver."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from archive import db
from archive.alerts.cli import alerts_group
from archive.alerts.deadline import last_due_year, today_in_china
from archive.models import Report
from tests.alerts.alerts_data import publish


@pytest.fixture
def run(sqlite_url, monkeypatch):
    monkeypatch.setenv("NIANBAO_DB", sqlite_url)  # --db's envvar
    monkeypatch.setenv("NIANBAO_ALERTS_SEND_WAIT", "0.01")
    monkeypatch.setenv("NIANBAO_ALERTS_RETRY_BASE", "0.01")
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(alerts_group, list(args), catch_exceptions=False)

    yield invoke
    db.dispose(sqlite_url)


def _one_line_error(result) -> str:
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def test_bad_url_is_a_one_line_error_and_creates_nothing(run, sqlite_url):
    line = _one_line_error(run("add", "nosuchservice://token"))
    assert "not a supported apprise URL" in line and "unknown scheme" in line
    line = _one_line_error(run("add", "dingtalk://not-a-token!/"))
    assert "bad parameters" in line and "not-a-token" not in line
    assert "no scheme" in _one_line_error(run("add", "abcdef0123456789"))
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()
    assert run("add", "json://127.0.0.1/x", "--kind", "deleted").exit_code == 2  # click names the choices


def test_add_list_masks_secrets_remove(run, receiver):
    secret = receiver.url("hook").replace("json://", "json://bot:s3cretpass@") + "?:X-Token=tok9876"
    added = run("add", secret, "--region", "11", "--kind", "new", "--kind", "revised")
    assert added.exit_code == 0 and added.output.startswith("subscription #1: ")
    assert run("add", "dingtalk://dt0123456789abcdef/", "--keyword", "行政复议").exit_code == 0
    assert "already subscribed as #2" in _one_line_error(
        run("add", "dingtalk://dt0123456789abcdef/", "--keyword", " 行政复议"))
    listed = run("list")
    assert listed.exit_code == 0
    for secret_part in ("s3cretpass", "tok9876", "dt0123456789abcdef"):
        assert secret_part not in added.output + listed.output
    rows = json.loads(run("list", "--json").output)
    assert [(r["id"], r["region"], r["kinds"], r["keyword"]) for r in rows] == [
        (1, "11", ["new", "revised"], None), (2, None, [], "行政复议")]
    assert rows[0]["url"].startswith("json://bot:****@127.0.0.1")
    assert run("remove", "1").output.strip() == "removed subscription #1"
    assert [r["id"] for r in json.loads(run("list", "--json").output)] == [2]
    assert "no subscription #1" in _one_line_error(run("remove", "1"))


def test_test_message_reports_success_or_failure_in_one_line(run, receiver):
    run("add", receiver.url("ok"))
    run("add", receiver.url("down"))
    good = run("test", "1")
    assert good.exit_code == 0 and good.output.strip().endswith("sent") and len(good.output.splitlines()) == 1
    assert [(name, title) for name, _, title, _ in receiver.acked] == [("ok", "【年报】测试消息")]
    receiver.fail["down"] = -1
    line = _one_line_error(run("test", "2"))
    assert "failed after 3 tries" in line and "500" in line
    assert "no subscription #9" in _one_line_error(run("test", "9"))


def test_send_delivers_and_reports_counts(run, receiver, sqlite_url):
    run("add", receiver.url("all"))
    Session = db.open_archive(sqlite_url)
    with Session.begin() as s:
        event = publish(s, "成都市公安局", 2023)[0]["id"]
    out = run("send", "--json", "--no-overdue")
    assert out.exit_code == 0
    assert json.loads(run("list", "--json").output)[0]["last_error"] is None
    counts = json.loads(out.output)
    assert (counts["enqueued"], counts["sent"], counts["failed"]) == (1, 1, 0)
    assert receiver.acked_pairs() == {("all", event): 1}
    # Without --no-overdue, today's date decides: as if the archive had followed the agency
    # since mid-2023, every year after 2023 whose deadline passed is overdue, each alerted once.
    with Session.begin() as s:
        s.execute(sa.update(Report).values(first_seen=dt.datetime(2023, 6, 1, tzinfo=dt.timezone.utc)))
    late = last_due_year(today_in_china()) - 2023
    sent = late
    summary = run("send")
    assert summary.output.strip() == f"overdue raised {late}, queued {sent}, sent {sent}, retrying 0, failed 0"
    assert run("send").output.startswith("overdue raised 0, queued 0, sent 0")
    assert "MM-DD" in _one_line_error(run("send", "--deadline", "Jan 31"))


def test_help_has_examples(run):
    for command in ("add", "list", "remove", "test", "send"):
        assert "Example:" in run(command, "--help").output


def test_agency_filter_means_what_it_means_everywhere(run, sqlite_url):
    Session = db.open_archive(sqlite_url)
    with Session.begin() as s:
        publish(s, "甲市公安局", 2023)
        publish(s, "乙市公安局", 2023)
    out = run("add", "json://127.0.0.1:9/a", "--agency", "甲市公")  # a unique part: resolved to the full name
    assert out.exit_code == 0 and "agency=甲市公安局" in out.output
    result = CliRunner().invoke(alerts_group, ["add", "json://127.0.0.1:9/b", "--agency", "公安局"])
    assert result.exit_code == 1
    assert "'公安局' matches several agencies: '乙市公安局', '甲市公安局'" in result.stderr
    result = CliRunner().invoke(alerts_group, ["add", "json://127.0.0.1:9/c", "--agency", "丙县财政局"])
    assert result.exit_code == 0 and "warning: no agency named '丙县财政局' in the archive yet" in result.stderr
    assert "agency=丙县财政局" in result.stdout
