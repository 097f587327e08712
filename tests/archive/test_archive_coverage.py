"""Publication coverage for people: `nianbao coverage` (table, --json, --csv) and the /coverage page.

The scenario of issue 11: five reports ingested raise no overdue flood; a report that
arrives after the deadline closes its overdue and shows as late (已补发); coverage lists
who published in a year, on time or late, by region, in the CLI, the web and CSV.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from archive.alerts.deadline import check_overdue
from archive.models import Event, Report
from crawler.cli import main
from tests.alerts.alerts_data import publish

TODAY = "2025-06-01"
WATCHED = dt.datetime(2022, 6, 1, tzinfo=dt.timezone.utc)


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def followed(Session, db_url):
    """Agencies followed since mid-2022: 甲 published 2022-2023 and is overdue for 2024 (raised),
    then publishes 2024 late; 乙 (Beijing) published 2023-2024; 丙 (a people's government) 2023."""
    with Session.begin() as s:
        publish(s, "甲市公安局", 2022, region="610100")
        publish(s, "甲市公安局", 2023)
        publish(s, "乙区民政局", 2023, region="110108")
        publish(s, "乙区民政局", 2024)
        publish(s, "丙县人民政府", 2023, region="340321")
        s.execute(sa.update(Report).values(first_seen=WATCHED))
    with Session.begin() as s:
        raised = check_overdue(s, dt.date(2025, 2, 1))
    assert sorted((e["agency"], e["year"]) for e in raised) == [("甲市公安局", 2024)]
    with Session.begin() as s:
        publish(s, "甲市公安局", 2024)
        # 甲's is closed, not raised again; the government's fell due on 31 March
        assert [(e["agency"], e["year"]) for e in check_overdue(s, dt.date(2025, 6, 1))] == [("丙县人民政府", 2024)]
    return db_url


def test_coverage_json_lists_statuses(followed):
    data = json.loads(run("coverage", "--year", "2024", "--today", TODAY, "--db", followed, "--json"))
    rows = {r["agency"]: r for r in data["rows"]}
    assert (rows["甲市公安局"]["status"], rows["甲市公安局"]["label"], rows["甲市公安局"]["reissued"]) == (
        "late", "已补发", True)
    assert rows["乙区民政局"]["status"] == "on_time"
    # the people's government's 2024 report is due 31 March 2025: overdue on 1 June
    assert (rows["丙县人民政府"]["status"], rows["丙县人民政府"]["deadline"]) == ("overdue", "2025-03-31")
    assert data["counts"] == {"on_time": 1, "late": 1, "published": 0, "pending": 0, "overdue": 1}
    assert data["by_region"]["110108"]["on_time"] == 1
    assert set(data["by_level"]) >= {"county"}


def test_coverage_region_filter_and_table_in_chinese(followed):
    text = run("coverage", "--year", "2024", "--region", "11", "--today", TODAY, "--db", followed)
    assert "2024 年度报告发布情况" in text and "乙区民政局" in text and "按时发布" in text
    assert "甲市公安局" not in text and "on_time" not in text
    full = run("coverage", "--year", "2024", "--today", TODAY, "--db", followed)
    assert "已补发" in full and "逾期未发布" in full and "按地区" in full and "按层级" in full
    bad = CliRunner().invoke(main, ["coverage", "--region", "北京", "--db", followed])
    assert bad.exit_code == 2 and "administrative code prefix" in bad.output and "Traceback" not in bad.output


def test_coverage_csv_has_bom_and_chinese_headers(followed, tmp_path):
    out = tmp_path / "cov.csv"
    run("coverage", "--year", "2024", "--today", TODAY, "--db", followed, "--csv", str(out))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0].keys() >= {"机关", "行政区划代码", "层级", "状态", "法定期限"}
    assert {(r["机关"], r["状态"]) for r in rows} == {
        ("甲市公安局", "已补发"), ("乙区民政局", "按时发布"), ("丙县人民政府", "逾期未发布")}
    assert {r["层级"] for r in rows} <= {"国家级", "省级", "市级", "县级", ""}


def test_five_reports_raise_no_overdue_flood(Session, db_url):
    """Reports first seen today expect nothing of the years before: no overdue at all."""
    with Session.begin() as s:
        for agency in ("北京市公安局", "西安市公安局", "蚌埠市公安局", "北京市人民政府办公厅", "海淀区财政局"):
            publish(s, agency, 2020)
    with Session.begin() as s:
        assert check_overdue(s) == []
    with Session() as s:
        assert s.execute(sa.select(sa.func.count()).select_from(Event).where(Event.kind == "overdue")).scalar() == 0
    data = json.loads(run("coverage", "--year", "2020", "--db", db_url, "--json"))
    assert data["counts"]["overdue"] == 0 and len(data["rows"]) == 5


def test_coverage_page_and_csv_download(followed, Session, monkeypatch):
    from fastapi.testclient import TestClient

    from archive import coverage as coverage_module
    from archive.web import create_app

    monkeypatch.setattr(coverage_module, "today_in_china", lambda: dt.date(2025, 6, 1))
    with TestClient(create_app(Session)) as client:
        r = client.get("/coverage", params={"year": "2024"})
        assert r.status_code == 200
        for text in ("2024 年度报告发布情况", "已补发", "按时发布", "逾期未发布", "按地区", "按层级", "下载 CSV",
                     "甲市公安局", "丙县人民政府"):
            assert text in r.text, text
        assert 'href="/coverage.csv?year=2024"' in r.text
        only = client.get("/coverage", params={"year": "2024", "region": "11"})
        assert "乙区民政局" in only.text and "甲市公安局" not in only.text
        for bad in ({"year": "abc"}, {"year": "20245"}, {"region": "北京"}):
            r = client.get("/coverage", params=bad)
            assert r.status_code == 422 and "筛选条件有误" in r.text, bad
        r = client.get("/coverage.csv", params={"year": "2024"})
        assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
        assert r.headers["content-type"].startswith("text/csv")
        assert "已补发" in r.content.decode("utf-8-sig")
