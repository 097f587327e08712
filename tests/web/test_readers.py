"""The web front for readers: home page, agency page, /docs offline, Chinese errors for every
unknown route and invalid filter, and no English keys or error text on a Chinese page."""
from __future__ import annotations

import re

import pytest

# Words of ours that must never reach a Chinese page: record keys, event kinds, status keys,
# Python reprs, English error text. (Crawled text and URLs are stripped before the scan.)
ENGLISH = re.compile(
    r"\b(requests|natural_person|carried_over|carried_forward|not_processed|partially_granted|amount_wan|"
    r"revised|withdrawn|restored|overdue|on_time|pending|live|legacy|unknown|None|True|False|"
    r"Not Found|not found|Traceback|Error|error|invalid|Invalid|must be|query|matches several)\b")


def visible_text(html: str) -> str:
    """What a reader sees: no tags, no attribute values, no link targets."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<svg\b.*?</svg>", lambda m: " ".join(re.findall(r"<title>(.*?)</title>", m.group(0))), html,
                  flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def chinese_page_problems(html: str) -> list[str]:
    return sorted(set(ENGLISH.findall(visible_text(html))))


def test_home_page_counts_events_and_regions(site):
    client, ids = site
    r = client.get("/")
    assert r.status_code == 200
    text = visible_text(r.text)
    assert "3 个机关" in text and "6 份报告" in text  # three agencies, six reports (web_archive.populate)
    assert "逾期未发布" in text and "年度报告已发布" in text
    assert "最新动态" in text and "已修订" in text and "北京市公安局" in text
    assert "按地区浏览" in text and 'href="/agencies?region=11"' in r.text and "北京" in text
    assert 'action="/search"' in r.text
    assert chinese_page_problems(r.text) == []


def test_agencies_browse_by_region(site):
    client, _ = site
    r = client.get("/agencies", params={"region": "31"})
    assert r.status_code == 200 and "上海市财政局" in r.text and "北京市公安局" not in r.text
    assert client.get("/agencies", params={"region": "上海"}).status_code == 422
    assert client.get("/agencies", params={"page": "x"}).status_code == 422


def test_agency_page_every_outcome_column_and_publication(site):
    client, ids = site
    r = client.get(f"/agencies/{ids['北京市公安局']}")
    assert r.status_code == 200
    text = visible_text(r.text)
    for label in ("本年新收申请", "上年结转", "予以公开", "部分公开", "不予公开", "无法提供", "不予处理", "其他处理",
                  "办理总计", "结转下年度", "行政复议", "行政诉讼", "发布情况", "法定期限"):
        assert label in text, label
    assert "按时发布" in text or "已发布（时间不详）" in text
    assert chinese_page_problems(r.text) == []


def test_agency_page_flags_carry_over(Session):
    from fastapi.testclient import TestClient

    from archive import ingest
    from archive.fetched import Fetched
    from archive.web import create_app
    from tests.archive.factories import make_record, page

    y1, y2 = make_record("某市公安局", 2020, template="2019"), make_record("某市公安局", 2021)
    y1.facts["requests/carried_forward/total"] = 15
    y2.facts["requests/carried_over/total"] = 18
    with Session.begin() as s:
        for i, record in enumerate((y1, y2)):
            ingest.archive_document(s, Fetched(url=f"http://a.example/{i}.html", data=page(record)), record=record)
        agency_id = s.execute(__import__("sqlalchemy").text("SELECT id FROM agencies")).scalar()
    with TestClient(create_app(Session)) as client:
        r = client.get(f"/agencies/{agency_id}")
        assert "跨年度结转不一致" in r.text and "2020 年结转下年度 15 件，2021 年上年结转 18 件，两者不一致" in r.text
        data = client.get(f"/api/agencies/{agency_id}").json()
        assert data["years"][1]["flags"][0]["carried_over"] == 18
        assert [p["year"] for p in data["publication"]][:2] == [2021, 2020]


def test_docs_are_served_offline(site):
    client, _ = site
    r = client.get("/docs")
    assert r.status_code == 200 and "API 文档" in r.text
    for path in ("/api/search", "/api/agencies/{agency_id}", "/api/reports/{report_id}/diff", "/api/events"):
        assert path in r.text, path
    # nothing from another origin: every src/href is ours (or the schema)
    assert not re.search(r'(src|href)="(https?:)?//', r.text)
    assert "script-src 'self'" in r.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/nope", "/reports/1/nope", "/agencies/1/x/y", "/static/nope.css"])
def test_unknown_routes_get_the_chinese_404_page(site, path):
    client, _ = site
    r = client.get(path)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "没有这个页面" in r.text and chinese_page_problems(r.text) == []


def test_api_errors_stay_json(site):
    client, _ = site
    r = client.get("/api/nope")
    assert r.status_code == 404 and r.json() == {"detail": "Not Found"}
    assert client.get("/api/reports/0").status_code == 422 and "detail" in client.get("/api/reports/0").json()


@pytest.mark.parametrize("path, params", [
    ("/events", {"kind": "foo"}), ("/events", {"before_id": "abc"}),
    ("/search", {"q": "公安", "year": "abc"}), ("/search", {"q": "公安", "template": "2077"}),
    ("/search", {"q": "公安", "violations": "maybe"}), ("/search", {"q": "公安", "region": "北京"}),
    ("/coverage", {"year": "abc"}), ("/agencies", {"page": "-1"}),
    ("/reports/1", {"version": "abc"}), ("/reports/1/diff", {"from": "x"}),
    ("/reports/0", {}), ("/agencies/99999999999", {}),
])
def test_invalid_filters_are_422_in_chinese(site, path, params):
    client, _ = site
    r = client.get(path, params=params)
    assert r.status_code == 422, (path, params, r.status_code)
    assert r.headers["content-type"].startswith("text/html")
    assert re.search(r"应为|没有“|无效", r.text) and chinese_page_problems(r.text) == []


def test_feeds_refuse_invalid_filters_in_chinese(site):
    client, _ = site
    r = client.get("/feeds/events.atom", params={"kind": "foo"})
    assert r.status_code == 422 and "没有“foo”这种动态" in r.text
    r = client.get("/feeds/search.atom", params={"q": "公安", "year": "abc"})
    assert r.status_code == 422 and "年度应为" in r.text


def test_search_errors_are_chinese(site):
    client, _ = site
    r = client.get("/search", params={"q": '复议"'})
    assert r.status_code == 400 and "引号不成对" in r.text
    assert chinese_page_problems(r.text) == []


def test_pages_show_no_english_keys(site):
    client, ids = site
    report = ids["reports"][("北京市公安局", 2021)]
    for path in ("/", "/search?q=公安", "/agencies", f"/agencies/{ids['北京市公安局']}", f"/reports/{report}",
                 f"/reports/{report}/diff", "/events", "/events?kind=revised", "/coverage",
                 f"/reports/{ids['reports'][('上海市财政局', 2021)]}"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert chinese_page_problems(r.text) == [], path
        assert "北京时间" in r.text or path in ("/", "/agencies", "/search?q=公安", "/coverage") or "/agencies/" in path \
            or "上海" in r.text
