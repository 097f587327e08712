"""HTML pages, originals and feeds: content, escaping of hostile crawled text, safe headers."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from web_archive import XSS

ATOM = "{http://www.w3.org/2005/Atom}"


def test_search_page_highlights_and_escapes(site):
    client, ids = site
    r = client.get("/search", params={"q": "公安"})
    assert r.status_code == 200
    assert "<mark>公安</mark>" in r.text
    assert "<script>alert" not in r.text and "<img src=x" not in r.text
    assert "&lt;script&gt;" in r.text  # the hostile agency name is shown, escaped
    assert 'name="viewport"' in r.text and 'lang="zh-CN"' in r.text
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"


def test_search_page_bad_query_is_one_line_error(site):
    client, _ = site
    r = client.get("/search", params={"q": '复议"'})
    assert r.status_code == 400 and 'class="error"' in r.text and "Traceback" not in r.text
    # hostile query text is echoed escaped only
    r = client.get("/search", params={"q": '"><script>alert(1)</script>'})
    assert "<script>alert(1)" not in r.text


def test_agency_page_has_charts_with_points(site):
    client, ids = site
    r = client.get(f"/agencies/{ids['北京市公安局']}")
    assert r.status_code == 200
    assert r.text.count("<svg") == 3
    assert 'data-year="2022" data-value="200" data-series="本年新收申请"' in r.text
    assert 'data-value="95"' in r.text  # the revised 2021 figure
    assert "行政复议" in r.text and "/feeds/agencies/" in r.text
    assert client.get("/agencies/999999").status_code == 404


def test_report_page_tables_and_violations(site):
    client, ids = site
    r = client.get(f"/reports/{ids['reports'][('上海市财政局', 2021)]}")
    assert r.status_code == 200
    for label in ("二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况",
                  "本年新收政府信息公开申请数量", "属于国家秘密", "自然人", "结果维持", "未经复议直接起诉"):
        assert label in r.text, label
    assert 'data-key="requests/granted/total" class="violation"' in r.text
    assert 'data-key="reviews/review/total" class="violation"' in r.text
    assert "勾稽关系问题" in r.text and "“予以公开”一行" in r.text
    ok = client.get(f"/reports/{ids['reports'][('北京市公安局', 2022)]}")
    assert 'class="violation"' not in ok.text


def test_report_page_versions_and_diff(site):
    client, ids = site
    rid = ids["reports"][("北京市公安局", 2021)]
    r = client.get(f"/reports/{rid}")
    assert f'/reports/{rid}/diff?from=1&amp;to=2' in r.text
    assert "版本 2/2" in r.text
    d = client.get(f"/reports/{rid}/diff", params={"from": 1, "to": 2})
    assert d.status_code == 200
    assert "本年新收政府信息公开申请数量" in d.text and ">90<" in d.text and ">95<" in d.text
    assert "<ins>" in d.text and "信访" in d.text
    assert client.get(f"/reports/{rid}/diff", params={"from": 9}).status_code == 404


def test_hostile_report_is_escaped_everywhere(site):
    client, ids = site
    rid = ids["reports"][(XSS + "局", 2021)]
    for path in (f"/reports/{rid}", f"/agencies/{ids[XSS + '局']}", "/events", "/agencies", "/search?q=公安"):
        text = client.get(path).text
        assert "<script>alert" not in text, path
        assert "<img src=x onerror" not in text, path
        assert 'href="javascript:' not in text, path
    page = client.get(f"/reports/{rid}").text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page or "&lt;script&gt;alert(&quot;x&quot;)" in page
    assert "原网址" not in page  # its URL was javascript:, so no link


def test_original_is_sandboxed(site):
    client, ids = site
    rid = ids["reports"][(XSS + "局", 2021)]
    r = client.get(f"/reports/{rid}/versions/1/original")
    assert r.status_code == 200
    assert b"<script>" in r.content  # the bytes as crawled ...
    csp = r.headers["content-security-policy"]
    assert csp.startswith("sandbox") and "default-src 'none'" in csp and "allow-scripts" not in csp  # ... inert
    assert r.headers["content-disposition"].startswith("inline; filename=\"report-")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert client.get(f"/reports/{rid}/versions/5/original").status_code == 404


@pytest.mark.parametrize("body, ctype, kind, disposition", [
    (b"%PDF-1.7 ...", "application/pdf", "application/pdf", "inline"),
    (b"PK\x03\x04 docx", None, "application/octet-stream", "attachment"),
    ("纯文本".encode(), "text/plain; charset=utf-8", "text/plain; charset=utf-8", "inline"),
    (b"<html><script>x</script></html>", "text/html; charset=gbk", "text/html; charset=gbk", "inline"),
    (b"<svg onload=alert(1)>", "image/svg+xml", "application/octet-stream", "attachment"),
])
def test_original_content_types(body, ctype, kind, disposition):
    from archive.web.pages import original_response

    r = original_response(body, ctype, "report-1-v1")
    assert r.media_type == kind
    assert r.headers["content-disposition"].startswith(disposition)
    assert "default-src 'none'" in r.headers["content-security-policy"]


def test_events_page(site):
    client, ids = site
    r = client.get("/events")
    assert r.status_code == 200 and "修订" in r.text and "新发布" in r.text
    rid = ids["reports"][("北京市公安局", 2021)]
    assert f"/reports/{rid}/diff?from=1&amp;to=2" in r.text
    assert "修订" in client.get("/events", params={"kind": "revised"}).text
    assert "新发布" not in client.get("/events", params={"kind": "revised"}).text.split("<ol")[1]


def _parse_feed(r):
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(r.content)  # well-formed XML or this raises
    assert root.tag == ATOM + "feed"
    for tag in ("id", "title", "updated"):
        assert root.find(ATOM + tag) is not None
    assert root.find(ATOM + "author/" + ATOM + "name") is not None
    for entry in root.findall(ATOM + "entry"):
        for tag in ("id", "title", "updated"):
            assert entry.find(ATOM + tag) is not None and entry.find(ATOM + tag).text
    return root


def test_feeds(site):
    client, ids = site
    root = _parse_feed(client.get("/feeds/events.atom"))
    titles = [e.findtext(ATOM + "title") for e in root.findall(ATOM + "entry")]
    assert titles[0] == "已修订：北京市公安局 2021 年度报告"
    assert any(XSS in t for t in titles)  # hostile name survives as text (escaped in the XML)
    assert b"<script>" not in client.get("/feeds/events.atom").content
    summary = root.find(ATOM + "entry").findtext(ATOM + "summary")
    assert "本年新收政府信息公开申请数量" in summary and "90 → 95" in summary
    hrefs = [link.get("href") for link in root.iter(ATOM + "link")]
    assert not any(h.startswith("javascript:") for h in hrefs)

    agency = _parse_feed(client.get(f"/feeds/agencies/{ids['上海市财政局']}.atom"))
    assert [e.findtext(ATOM + "title") for e in agency.findall(ATOM + "entry")] == ["新发布：上海市财政局 2021 年度报告"]
    found = _parse_feed(client.get("/feeds/search.atom", params={"q": "户籍"}))
    assert {e.findtext(ATOM + "title").split("：")[1][:6] for e in found.findall(ATOM + "entry")} == {"北京市公安局"}
    assert client.get("/feeds/search.atom", params={"q": '"'}).status_code == 400
    assert client.get("/feeds/agencies/999999.atom").status_code == 404


def test_feed_strips_xml_forbidden_characters():
    from archive.feeds import atom_feed

    body = atom_feed([{"id": 1, "kind": "new", "agency": "机关\x00\x0b<&>", "year": 2021, "url": "http://x/\x01",
                       "at": "2026-01-01T00:00:00+00:00"}], title="t", feed_id="tag:x,2026:f", self_url="http://s/",
                     alternate_url="http://s/", report_url=lambda e: None)
    root = ET.fromstring(body)
    assert root.find(ATOM + "entry").findtext(ATOM + "title") == "新发布：机关<&> 2021 年度报告"
