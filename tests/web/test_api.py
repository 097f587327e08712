"""The JSON API over a real archive (SQLite and PostgreSQL)."""
from __future__ import annotations


def test_search_api(site):
    client, ids = site
    r = client.get("/api/search", params={"q": "复议"})
    assert r.status_code == 200
    body = r.json()
    assert body["terms"] == ["复议"] and body["truncated"] is False
    hits = body["hits"]
    assert {h["agency"] for h in hits} == {"北京市公安局"}
    assert sorted(h["year"] for h in hits) == [2019, 2020, 2021, 2022]
    for h in hits:
        assert {"agency", "year", "url", "snippet", "template", "score", "report_id", "highlights"} <= h.keys()
        assert h["url"].startswith("http://gov.test/bj/")
        assert all(h["snippet"][a:b] == "复议" for a, b in h["highlights"])


def test_search_api_filters(site):
    client, ids = site
    assert [h["year"] for h in client.get("/api/search", params={"q": "公开", "year": 2022}).json()["hits"]] == [2022]
    hits = client.get("/api/search", params={"q": "公开", "violations": "true"}).json()["hits"]
    assert [h["agency"] for h in hits] == ["上海市财政局"] and hits[0]["has_violations"] is True
    hits = client.get("/api/search", params={"q": "公开", "region": "31"}).json()["hits"]
    assert [h["agency"] for h in hits] == ["上海市财政局"]
    hits = client.get("/api/search", params={"q": "户籍", "template": "2019"}).json()["hits"]
    assert sorted(h["year"] for h in hits) == [2019, 2020]
    assert len(client.get("/api/search", params={"q": "公开", "limit": 2}).json()["hits"]) == 2


def test_malformed_queries_are_400_with_one_line(site):
    client, _ = site
    for q in ['行政复议"', "", "*", "   "]:
        r = client.get("/api/search", params={"q": q})
        assert r.status_code == 400, q
        assert "\n" not in r.json()["detail"]
    for q in ["AND", "依申请-公开", "body:公安局", "NEAR(a b)", "100%_"]:
        assert client.get("/api/search", params={"q": q}).status_code == 200, q
    assert client.get("/api/search", params={"q": "公安", "year": "abc"}).status_code == 422
    assert client.get("/api/search").status_code == 422


def test_agency_api(site):
    client, ids = site
    r = client.get(f"/api/agencies/{ids['北京市公安局']}")
    assert r.status_code == 200
    data = r.json()
    assert data["name"] == "北京市公安局" and data["region"] == "110000"
    assert [y["year"] for y in data["years"]] == [2019, 2020, 2021, 2022]
    assert [y["figures"]["requests"] for y in data["years"]] == [120, 150, 95, 200]  # 2021: the revised figure
    assert [y["figures"]["reviews"] for y in data["years"]] == [4, 5, 6, 7]
    assert data["years"][2]["versions"] == 2
    assert client.get("/api/agencies/999999").status_code == 404
    names = [a["name"] for a in client.get("/api/agencies", params={"name": "公安"}).json()]
    assert names == ["北京市公安局"]


def test_report_and_diff_api(site):
    client, ids = site
    rid = ids["reports"][("北京市公安局", 2021)]
    r = client.get(f"/api/reports/{rid}").json()
    assert r["version"] == 2 and [v["number"] for v in r["versions"]] == [1, 2]
    assert r["record"]["facts"]["requests/new/total"] == 95 and "信访" in r["text"]
    old = client.get(f"/api/reports/{rid}", params={"version": 1}).json()
    assert old["record"]["facts"]["requests/new/total"] == 90 and "信访" not in old["text"]
    d = client.get(f"/api/reports/{rid}/diff").json()
    assert d["from"] == 1 and d["to"] == 2
    assert d["changes"]["requests/new/total"] == [90, 95]
    assert d["paragraphs"] and "信访" in d["paragraphs"][0]["new"][0]
    assert client.get(f"/api/reports/{rid}/diff", params={"from": 7}).status_code == 404
    assert client.get("/api/reports/424242").status_code == 404


def test_events_api(site):
    client, ids = site
    events = client.get("/api/events").json()
    assert events[0]["kind"] == "revised" and events[0]["changes"]["requests/new/total"] == [90, 95]
    assert [e["id"] for e in events] == sorted((e["id"] for e in events), reverse=True)
    kinds = {e["kind"] for e in client.get("/api/events", params={"kind": "new"}).json()}
    assert kinds == {"new"}
    mine = client.get("/api/events", params={"agency_id": ids["上海市财政局"]}).json()
    assert [e["agency"] for e in mine] == ["上海市财政局"]
    page = client.get("/api/events", params={"limit": 2}).json()
    more = client.get("/api/events", params={"limit": 2, "before_id": page[-1]["id"]}).json()
    assert more[0]["id"] < page[-1]["id"]


def test_openapi_schema(site):
    client, _ = site
    schema = client.get("/openapi.json").json()
    assert {"/api/search", "/api/agencies/{agency_id}", "/api/reports/{report_id}", "/api/reports/{report_id}/diff",
            "/api/events"} <= set(schema["paths"])
    assert "/search" not in schema["paths"]  # HTML pages are not API


def test_control_characters_in_parameters(site):
    client, _ = site
    for params in ({"name": "公安\x00"}, {"region": "\x0011"}):
        assert client.get("/api/agencies", params=params).status_code == 200
    assert client.get("/agencies", params={"name": "\x00"}).status_code == 200
    r = client.get("/api/search", params={"q": "公安\x00局", "agency": "\x00"})
    assert r.status_code == 200
