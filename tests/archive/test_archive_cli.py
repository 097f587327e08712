"""The archive commands through the `nianbao` CLI (click's runner), on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from archive import ingest
from archive.fetched import Fetched
from crawler.cli import main
from tests.archive.factories import make_record, page


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def fail(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture
def archive(Session, db_url):
    """Two years of one agency (the second revised once, its carry-over not matching) and another agency."""
    y2020 = make_record("某市公安局", 2020, template="2019")
    y2020.facts["requests/carried_forward/total"] = 15
    y2021 = make_record("某市公安局", 2021)
    y2021.facts["requests/carried_over/total"] = 18
    y2021b = make_record("某市公安局", 2021, text=y2021.text + "\n\n补充说明：更正了第三部分的数字。")
    y2021b.facts["requests/new/total"] = 999
    y2021b.facts["requests/carried_over/total"] = 18
    y2021b.facts.update({"requests/denied.state_secret/total": 2, "requests/denied.third_party/total": 3})
    other = make_record("另一县人民政府", 2021)
    with Session.begin() as s:
        ingest.archive_document(s, Fetched(url="http://a.example/2020.html", data=page(y2020)), record=y2020)
        ingest.archive_document(s, Fetched(url="http://a.example/2021.html", data=page(y2021)), record=y2021)
        ingest.archive_document(s, Fetched(url="http://b.example/2021.html", data=page(other)), record=other)
    with Session.begin() as s:
        ingest.archive_document(s, Fetched(url="http://a.example/2021.html", data=page(y2021b)), record=y2021b)
    return db_url


def test_reports_json_lists_latest_records(archive):
    rows = json.loads(run("reports", "--db", archive, "--json"))
    assert [(r["agency"], r["year"], r["versions"], r["status"]) for r in rows] == [
        ("另一县人民政府", 2021, 1, "live"), ("某市公安局", 2020, 1, "live"), ("某市公安局", 2021, 2, "live")]
    latest = rows[2]
    assert latest["facts"]["requests/new/total"] == 999 and latest["url"] == "http://a.example/2021.html"
    assert {"template", "published", "sections", "raw", "violations"} <= latest.keys()
    only = json.loads(run("reports", "--db", archive, "--agency", "某市公安局", "--year", "2020", "--json"))
    assert [(r["agency"], r["year"]) for r in only] == [("某市公安局", 2020)]


def test_history_figures_and_carry_over_flag(archive):
    data = json.loads(run("history", "某市公安局", "--db", archive, "--json"))
    years = {y["year"]: y for y in data["years"]}
    assert sorted(years) == [2020, 2021]
    assert years[2021]["requests"] == 999 and years[2021]["versions"] == 2
    assert years[2021]["denied"] == 5 + sum(
        v for k, v in make_record("某市公安局", 2021).facts.items()
        if k.startswith("requests/denied.") and k.endswith("/total")
        and k not in ("requests/denied.state_secret/total", "requests/denied.third_party/total"))
    assert years[2020]["flags"] == []
    assert years[2021]["flags"][0]["previous_carried_forward"] == 15
    assert years[2021]["flags"][0]["carried_over"] == 18
    text = run("history", "某市公安局", "--db", archive)
    assert "2020 年结转下年度 15 件，2021 年上年结转 18 件，两者不一致" in text
    assert "不予处理" in text and "not_processed" not in text


def test_diff_shows_fact_and_paragraph_changes(archive):
    data = json.loads(run("diff", "某市公安局", "2021", "--db", archive, "--json"))
    assert (data["from"], data["to"]) == (1, 2)
    assert data["changes"]["requests/new/total"][1] == 999
    assert data["paragraphs"][0]["op"] == "insert" and "补充说明" in data["paragraphs"][0]["new"][0]
    text = run("diff", "某市公安局", "2021", "--from", "1", "--to", "2", "--db", archive)
    # Chinese labels where people read (the keys stay in --json)
    assert "依申请公开 · 本年新收政府信息公开申请数量 · 总计：" in text and "+ 补充说明" in text
    assert "requests/new/total" not in text and "属于国家秘密" in text
    assert "no version 5" in fail("diff", "某市公安局", "2021", "--to", "5", "--db", archive)
    assert "no agency" in fail("diff", "不存在的局", "2021", "--db", archive)


def test_events_json_oldest_first_with_filters(archive):
    events = json.loads(run("events", "--db", archive, "--json"))
    assert [e["kind"] for e in events] == ["new", "new", "new", "revised"]
    assert all({"kind", "agency", "year", "url", "at", "baseline"} <= e.keys() for e in events)
    revised = json.loads(run("events", "--db", archive, "--kind", "revised", "--json"))
    assert len(revised) == 1 and revised[0]["changes"]["requests/new/total"][1] == 999
    later = json.loads(run("events", "--db", archive, "--since", revised[0]["at"], "--json"))
    assert [e["kind"] for e in later] == ["revised"]
    assert json.loads(run("events", "--db", archive, "--since", "2999-01-01", "--json")) == []
    assert "not an ISO" in fail("events", "--db", archive, "--since", "yesterday")
    text = run("events", "--db", archive)
    assert "已修订" in text and "新发布" in text and "北京时间" in text and "revised" not in text
    assert "http://a.example/2021.html" in text


def test_agency_means_exact_or_unique_part_everywhere(archive):
    # a unique part works in every reading command
    assert json.loads(run("history", "某市公", "--db", archive, "--json"))["agency"] == "某市公安局"
    assert len(json.loads(run("events", "--agency", "另一县", "--db", archive, "--json"))) == 1
    assert json.loads(run("reports", "--agency", "某市", "--db", archive, "--json"))[0]["agency"] == "某市公安局"
    out = fail("history", "公安局' OR '1", "--db", archive)
    assert "no agency named" in out and len(out.strip().splitlines()) == 1


def test_ambiguous_agency_lists_the_candidates(Session, db_url):
    with Session.begin() as s:
        for name in ("甲市公安局", "乙市公安局", "甲市公安局交通管理支队"):
            record = make_record(name, 2021)
            ingest.archive_document(s, Fetched(url=f"http://c.example/{len(name)}{name}.html", data=page(record)),
                                    record=record)
    for args in (["reports", "--agency", "公安局"], ["history", "公安局"], ["diff", "公安局", "2021"],
                 ["events", "--agency", "公安局"], ["export", "--agency", "公安局"]):
        out = fail(*args, "--db", db_url)
        assert out.strip().splitlines() == [
            "Error: '公安局' matches several agencies: '乙市公安局', '甲市公安局', '甲市公安局交通管理支队'; "
            "give the full name or a unique part"], args
    # the exact name wins over the longer names that contain it
    assert {r["agency"] for r in json.loads(run("reports", "--agency", "甲市公安局", "--db", db_url, "--json"))} == {
        "甲市公安局"}


def test_export_csv_and_jsonl(archive):
    out = run("export", "--db", archive, "--format", "csv", "--table", "requests")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and {r["table"] for r in rows} == {"requests"}
    mine = [r for r in rows if r["agency"] == "某市公安局" and r["year"] == "2021"
            and r["row"] == "new" and r["column"] == "total"]
    assert [(m["version"], m["value"]) for m in mine] == [("2", "999")]
    lines = run("export", "--db", archive, "--format", "jsonl", "--all-versions").splitlines()
    cells = [json.loads(line) for line in lines]
    assert {c["version"] for c in cells if c["agency"] == "某市公安局" and c["year"] == 2021} == {1, 2}


def test_db_upgrade_is_idempotent_and_help_has_examples(db_url):
    assert "up to date" in run("db", "upgrade", "--db", db_url)
    assert "up to date" in run("db", "upgrade", "--db", db_url)
    for command in ("ingest", "reports", "history", "diff", "events", "export"):
        assert "Example:" in run(command, "--help")


def test_bad_database_url_is_one_line_error(tmp_path):
    output = fail("reports", "--db", f"sqlite:///{tmp_path}/missing/dir/x.db")
    assert output.startswith("Error:") and len(output.strip().splitlines()) == 1


def test_export_for_spreadsheets_with_labels_and_filters(archive, tmp_path):
    # --excel: BOM, CRLF, Chinese headers; the cell's Chinese label beside its keys
    out = tmp_path / "cells.csv"
    run("export", "--db", archive, "--excel", "--agency", "某市公安局", "--year", "2021", "--table", "active",
        "-o", str(out))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows and {r["机关"] for r in rows} == {"某市公安局"} and {r["年度"] for r in rows} == {"2021"}
    assert {r["表"] for r in rows} == {"active"} and {r["版本"] for r in rows} == {"2"}
    fee = next(r for r in rows if r["行"] == "fees" and r["列"] == "amount_wan")
    assert fee["项目"] == "主动公开 · 行政事业性收费 · 本年收费金额（万元）"  # not 采购总金额
    assert fee["网址"] == "http://a.example/2021.html" and fee["模板"] == "2021"
    # plain CSV keeps key headers for programs
    plain = list(csv.DictReader(io.StringIO(run("export", "--db", archive, "--year", "2020"))))
    assert plain and {r["year"] for r in plain} == {"2020"} and "label" in plain[0] and "region_code" in plain[0]
    # region filter: neither test agency is in Beijing
    assert run("export", "--db", archive, "--region", "11").strip().count("\n") == 0
    assert "administrative code" in fail("export", "--db", archive, "--region", "北京")
    # a real workbook
    book = tmp_path / "cells.xlsx"
    run("export", "--db", archive, "--format", "xlsx", "--agency", "另一县人民政府", "-o", str(book))
    from openpyxl import load_workbook

    sheet = load_workbook(book, read_only=True).active
    values = list(sheet.values)
    assert values[0][:4] == ("机关", "行政区划代码", "年度", "版本")
    assert len(values) > 10 and {v[0] for v in values[1:]} == {"另一县人民政府"}
    assert "--excel is a kind of CSV" in fail("export", "--db", archive, "--excel", "--format", "jsonl")


def test_read_commands_on_a_missing_archive_fail_in_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    typo = tmp_path / "nianbo.db"
    for args in (["reports"], ["history", "某局"], ["diff", "某局", "2020"], ["events"], ["export"], ["coverage"],
                 ["search", "公安"]):
        out = fail(*args, "--db", str(typo))
        assert out.strip().splitlines() == [f"Error: no archive at {typo}; run nianbao crawl or pass --db"], args
        out = fail(*args, "--db", f"sqlite:///{typo}")
        assert "no archive at" in out
    assert not typo.exists()  # nothing was created
    # the default ./nianbao.db too
    monkeypatch.delenv("NIANBAO_DB", raising=False)
    assert "no archive at" in fail("reports")
    assert not (tmp_path / "nianbao.db").exists()


def test_db_accepts_a_plain_path(archive, tmp_path, monkeypatch):
    from archive import db

    path = db.sqlite_path(db.database_url(archive))
    if path is None:
        pytest.skip("a plain path names a SQLite archive")
    assert len(json.loads(run("reports", "--db", str(path), "--json"))) == 3
    monkeypatch.chdir(path.parent)
    assert len(json.loads(run("reports", "--db", path.name, "--json"))) == 3
    # writing commands create the archive at a plain path
    fresh = tmp_path / "new" / "archive.db"
    fresh.parent.mkdir()
    assert "up to date" in run("db", "upgrade", "--db", str(fresh))
    assert fresh.is_file()
