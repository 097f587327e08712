"""Columns whose list a script fetches from a known CMS API (Hanweb JPaaS, Guangdong
gkmlpt, TRS list2.trsapi): recognised from the page, read directly, paged to the end."""
from __future__ import annotations

import json

import pytest

import build
from crawler import list_apis
from tests.crawler.crawl_helpers import Portals, archive_events, crawl, reports_in


@pytest.fixture
def api_portals(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    p = Portals(site, build.api_portals(), build.api_sources_toml)
    yield p
    p.close()


def test_jpaas_unit_is_recognised_and_paged():
    page = ('<div><script url="/api-gateway/jpaas-publish-server/front/page/build/unit" '
            f'queryData="{build.JPAAS_QUERY}" src="/unitbuild.js"></script></div>')
    [api] = list_apis.find(page, "https://www.miit.gov.cn/zwgk/zfxxgkzl/zfxxgknb/index.html")
    assert api.kind == "jpaas" and api.params["pageId"] == "c52d8862a87d454582ed7c46513978d9"
    url = api.page_url(3)
    assert url.startswith("https://www.miit.gov.cn/api-gateway/jpaas-publish-server/front/page/build/unit?")
    assert "paramJson=%7B%22pageNo%22%3A3%2C%22pageSize%22%3A15%7D" in url and "tagId=" in url
    answer = json.dumps({"data": {"html": '<ul><li><a href="/art/2024/1/1/art_1_2.html" title="示例部2023年政府'
                                          '信息公开工作年度报告">示例部…</a></li></ul><div class="pagination" '
                                          'rows="15" count="40" pageNo="1"></div>'}}, ensure_ascii=False)
    read = list_apis.api_links(api, answer, url)
    assert [l.url for l in read.links] == ["https://www.miit.gov.cn/art/2024/1/1/art_1_2.html"]
    assert read.links[0].text == "示例部2023年政府信息公开工作年度报告" and read.pages == 3


def test_gkmlpt_column_from_hash_or_tree():
    shell = '<script>window._CONFIG = {"SID": "755031", "TREE": [{"id": 5, "name": "政策解读"}, ' \
            '{"id": 2811, "name": "政府信息公开年报"}]};</script>'
    [api] = list_apis.find(shell, "http://jr.sz.gov.cn/sziit/gkmlpt/index")
    assert api.page_url(2) == "http://jr.sz.gov.cn/sziit/gkmlpt/api/all/2811?sid=755031&page=2"
    [api] = list_apis.find(shell, "http://jr.sz.gov.cn/sziit/gkmlpt/index#5")
    assert api.endpoint.endswith("/api/all/5")
    answer = {"classify": {"id": 2811, "post_count": 5},
              "articles": [{"id": 1, "title": "2023年政府信息公开工作年度报告", "url": "http://jr.sz.gov.cn/a/post_1.html"},
                           {"id": 2, "title": "2022年政府信息公开工作年度报告", "url": "http://jr.sz.gov.cn/a/post_2.html"}]}
    read = list_apis.api_links(api, json.dumps(answer, ensure_ascii=False), api.page_url(1))
    assert len(read.links) == 2 and read.pages == 3


def test_trsapi_script_is_recognised():
    page = ('<script>var p = {"channelid": "247532", "classsql": "chnlid=1813", "page": 1, "prepage": 15};'
            '$.ajax({url: "/trs-search/search/list2.trsapi", data: p});</script>')
    [api] = list_apis.find(page, "http://www.example.gov.cn/zwgk/ndbg/index.html")
    assert api.kind == "trsapi" and api.first_page == 2 and api.page_size == 15
    assert api.page_url(2) == ("http://www.example.gov.cn/trs-search/search/list2.trsapi?channelid=247532&"
                               "classsql=chnlid%3D1813&prepage=15&page=2")
    assert list_apis.find("<script>var x = {page: 1};</script>", "http://x.gov.cn/") == []
    # A hostile answer: deep nesting and junk are read without a crash.
    deep = "[" * 5000 + "]" * 5000
    assert list_apis.api_links(api, deep, api.page_url(2)).links == []
    assert list_apis.api_links(api, "not json <a href='//[::1'>x</a>", api.page_url(2)).links == []


@pytest.mark.timeout(240)
def test_list_api_portals_crawled_completely(api_portals, db_url, tmp_path):
    summary = crawl(api_portals.sources, db_url, jobdir=tmp_path / "job1")
    expected = {(e.agency, e.year) for e in api_portals.state.entries}
    reports = reports_in(db_url)
    assert set(reports) == expected, summary
    assert all(r["versions"] == 1 and r["facts"] > 100 for r in reports.values())
    for name in ("jpaas-dept", "gkmlpt-city", "trsapi-county"):
        src = summary["sources"][name]
        assert src["complete"] and not src["failed"] and src["reports"] >= 5, (name, src)
    assert summary["events"] == {"new": len(expected)}
    # Each API was read page by page to its end, and no further.
    log = api_portals.handler.log
    assert sum("jpaas-publish-server" in p for p in log) == 3
    assert sum("/gd/gkmlpt/api/all/7" in p for p in log) == 3
    assert sum("list2.trsapi" in p for p in log) == 2  # pages 2 and 3; page 1 is the static page
    # No API answer was kept as a document.
    urls = {e["url"] for e in archive_events(db_url) if e["url"]}
    assert urls and not any(k in u for u in urls for k in ("api-gateway", "/api/all/", "list2.trsapi"))

    # An unchanged second crawl raises no event.
    summary = crawl(api_portals.sources, db_url, jobdir=tmp_path / "job2")
    assert summary["events"] == {}
    assert all(summary["sources"][n]["complete"] for n in ("jpaas-dept", "gkmlpt-city", "trsapi-county"))
