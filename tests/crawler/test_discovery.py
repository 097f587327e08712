"""Unit tests of discovery, pagination, challenge recognition, encodings, sources and the re-check policy."""
from __future__ import annotations

import datetime as dt

import pytest

from crawler import cms
from crawler.antibot import challenge_kind
from crawler.discovery import Link, classify, is_column_title, links, parse_html
from crawler.middlewares import page_codec
from crawler.sources import Source, SourcesError, add_source, load_sources, name_from_url, parse_sources
from crawler.state import RecheckPolicy
from parsers.recognize import is_report
from parsers.titles import is_report_title, title_agency, title_year
from tests.parsers.test_titles import TITLES

REPORTS = [
    ("北京市朝阳区人民政府2023年政府信息公开工作年度报告", "北京市朝阳区人民政府", 2023),
    ("2023年北京市公安局政府信息公开工作年度报告", "北京市公安局", 2023),
    ("蚌埠市公安局 2020 年政府信息公开工作年度报告", "蚌埠市公安局", 2020),
    ("北京市公安局关于2021年度政府信息公开工作年度报告", "北京市公安局", 2021),
    ("2022年度政府信息公开工作年度报告", None, 2022),
    ("【2019年】西安市公安局政府信息公开年报", "西安市公安局", 2019),
    ("国家税务总局杭州市税务局2024年政务公开工作年度报告", "国家税务总局杭州市税务局", 2024),
]
NOT_REPORTS = [
    "关于做好2023年政府信息公开工作年度报告编制发布工作的通知",
    "2024年政务公开工作要点",
    "关于印发《2023年政务公开工作方案》的通知",
    "政府信息公开年度报告解读：2023年我局依申请公开情况",
    "市政府召开2023年度工作报告会议",
    "2023年国民经济和社会发展统计公报",
    "政府信息公开年报",
]


@pytest.mark.parametrize("title,agency,year", REPORTS)
def test_report_titles_give_agency_and_year(title, agency, year):
    assert is_report_title(title)
    assert title_agency(title) == agency
    assert title_year(title) == year


@pytest.mark.parametrize("title", NOT_REPORTS)
def test_notices_plans_and_news_are_not_reports(title):
    assert not is_report_title(title)


@pytest.mark.parametrize("text,column", [("政府信息公开年报", True), ("信息公开年报", True), ("年度报告", True),
                                         ("政府信息公开工作年度报告", True), ("政府信息公开指南", False),
                                         ("2023年政府信息公开工作年度报告", False), ("政务公开", False)])
def test_column_titles(text, column):
    assert is_column_title(text) is column


def test_classify_a_portal_page():
    page = """<html><body>
    <a href="/zwgk/">政务公开</a><a href="/zwgk/gknb/">政府信息公开年报</a>
    <a href="./2023/t1.html" title="某市公安局2023年政府信息公开工作年度报告">某市公安局2023年政府…</a>
    <a href="./2024/"> 2024年度 </a><a href="./f/P0201.pdf">附件：报告.pdf</a>
    <a href="https://other.example.com/a.html">某县2023年政府信息公开工作年度报告</a>
    <a href="javascript:void(0)">政府信息公开年报</a><a href="style.css">年度报告</a></body></html>"""
    base = "http://www.example.gov.cn/zwgk/index.html"
    found = classify(links(parse_html(page, base), base), base)
    assert [l.url for l in found.reports] == ["http://www.example.gov.cn/zwgk/2023/t1.html"]
    assert [l.url for l in found.columns] == ["http://www.example.gov.cn/zwgk/gknb/"]
    assert [l.url for l in found.hubs] == ["http://www.example.gov.cn/zwgk/"]
    assert [l.url for l in found.year_folders] == ["http://www.example.gov.cn/zwgk/2024/"]
    assert [l.url for l in found.attachments] == ["http://www.example.gov.cn/zwgk/f/P0201.pdf"]


def test_the_link_filter_keeps_what_the_recognizer_calls_a_report():
    # The titles the crawler and the recognizer used to disagree on (tests/parsers/test_titles.py):
    # a link is followed as a report exactly when the recognizer takes its title for one.
    page = "".join(f'<a href="/r/{n}.html">{title}</a><a href="/f/{n}.pdf">{title}</a>'
                   for n, (title, *_) in enumerate(TITLES))
    base = "http://www.example.gov.cn/zwgk/index.html"
    found = classify(links(parse_html(f"<html><body>{page}</body></html>", base), base), base)
    kept = {link.text for link in found.reports}
    assert kept == {title for title, report, *_ in TITLES if report}
    assert kept == {title for title, *_ in TITLES if is_report(title) is True}
    assert len(found.reports) == 2 * len(kept)  # the page and the attachment alike


def test_trs_pagination():
    url = "http://x.gov.cn/zwgk/gknb/index.html"
    assert cms.trs_pages('createPageHTML(3, 0, "index", "html");', url, 200) == [
        "http://x.gov.cn/zwgk/gknb/index_1.html", "http://x.gov.cn/zwgk/gknb/index_2.html"]
    assert cms.trs_pages("createPageHTML('page_div',2, 0,'index','shtml',30);", url, 200) == [
        "http://x.gov.cn/zwgk/gknb/index_1.shtml"]
    assert cms.trs_pages("var currentPage = 0; var countPage = 2", url, 200) == [
        "http://x.gov.cn/zwgk/gknb/index_1.html"]
    assert cms.trs_pages('createPageHTML(3, 1, "index", "html");', url, 200) == []  # only from page 0
    assert len(cms.trs_pages('createPageHTML(900, 0, "index", "html");', url, 50)) == 49


def test_hanweb_datastore_and_dataproxy():
    page = ('<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?'
            'page=1&amp;webid=1&amp;columnid=341595&amp;unitid=1"></a>]]></nextgroup><recordset>'
            '<record><![CDATA[<li><a href="/art/2021/1/20/art_1_2.html">x</a></li>]]></record>'
            '<record>&lt;li&gt;&lt;a href="/art/2.html"&gt;y&lt;/a&gt;&lt;/li&gt;</record>'
            "</recordset></datastore></script>")
    url = "http://gb.example.gov.cn/col/col341595/index.html"
    assert cms.hanweb_records(page) == ['<li><a href="/art/2021/1/20/art_1_2.html">x</a></li>',
                                        '<li><a href="/art/2.html">y</a></li>']
    base = cms.hanweb_proxy_base(page, url)
    assert base == "http://gb.example.gov.cn/module/web/jpage/dataproxy.jsp?page=1&webid=1&columnid=341595&unitid=1"
    group = cms.hanweb_group_url(base, 46)
    assert group.endswith("startrecord=46&endrecord=90&perpage=15")
    assert cms.hanweb_next_start(url, 45, None) == 46
    assert cms.hanweb_next_start(group, 45, 120) == 91
    assert cms.hanweb_next_start(cms.hanweb_group_url(base, 91), 30, 120) is None
    assert cms.hanweb_records("<html>no store</html>") is None


def test_next_and_query_pages():
    url = "http://x.gov.cn/list.aspx?cid=3&page=1"
    page_links = [Link("http://x.gov.cn/list.aspx?cid=3&page=2", "2"), Link("http://x.gov.cn/l_2.html", "下一页"),
                  Link("http://x.gov.cn/other.aspx?page=2", "2")]
    assert cms.next_links(page_links) == ["http://x.gov.cn/l_2.html"]
    assert cms.query_pages(page_links, url) == ["http://x.gov.cn/list.aspx?cid=3&page=2"]
    assert cms.with_page(url, 5) == "http://x.gov.cn/list.aspx?cid=3&page=5"


def test_challenge_pages_are_recognised():
    ruishu = b'<script>$_ts=window["$_ts"];if(!$_ts)$_ts=window["$_ts"]={};$_ts.nsd=1;</script>'
    assert challenge_kind(412, b"__jsluid_s=1", ruishu) == "ruishu"
    assert challenge_kind(521, b"", b"<script>document.cookie=('__jsl_clearance=1')</script>") == "jiasule"
    waf = "<html><title>网站防火墙</title><body>您的访问被拦截，请求带有不合法参数</body></html>".encode("gb18030")
    assert challenge_kind(403, b"", waf) == "waf"
    article = "<html><body><p>2023年政府信息公开工作年度报告</p>" + "<p>正文</p>" * 3000 + "</body></html>"
    assert challenge_kind(200, b"", article.encode()) is None
    assert challenge_kind(404, b"", b"<html>Not Found</html>") is None


def test_gbk_page_without_charset_decodes():
    text = "<html><head><title>北京市公安局2020年政府信息公开工作年度报告</title></head><body>" + \
           "<p>依据《中华人民共和国政府信息公开条例》规定，现公布本机关年度报告。镕</p>" * 5 + "</body></html>"
    assert page_codec(text.encode("gb18030"), "text/html") == "gb18030"
    assert page_codec(text.encode("gb18030"), "text/html; charset=iso-8859-1") == "gb18030"
    assert page_codec(text.encode("utf-8"), None) == "utf-8"
    # A wrong gb2312 declaration on a UTF-8 page: the bytes win.
    wrong = text.replace("<head>", '<head><meta charset="gb2312">').encode("utf-8")
    assert page_codec(wrong, None) == "utf-8"


def test_sources_file(tmp_path):
    sources = parse_sources('[[source]]\nname = "a"\nstart_urls = ["https://a.gov.cn/"]\nagency = "甲局"\n'
                            'deny = ["/gate/big5/"]\nmax_pages = 5\n')
    assert sources == [Source("a", ["https://a.gov.cn/"], agency="甲局", deny=["/gate/big5/"], max_pages=5)]
    assert not sources[0].allows("https://a.gov.cn/gate/big5/x.html")
    for bad, message in [('[[source]]\nname="a"\n', "start_urls"), ('[[source]]\nname="a b"\nstart_urls=["http://x.cn"]', "name"),
                         ('[[source]]\nname="a"\nstart_urls=["ftp://x"]', "http"), ("[[source", "TOML"),
                         ('[[source]]\nname="a"\nstart_urls=["http://x.cn"]\nallow=["("]', "pattern"),
                         ('[[source]]\nname="a"\nstart_urls=["http://x.cn"]\n[[source]]\nname="a"\nstart_urls=["http://y.cn"]', "twice")]:
        with pytest.raises(SourcesError, match=message):
            parse_sources(bad)
    path = tmp_path / "mine.toml"
    add_source(path, Source(name_from_url("https://www.gaj.example.gov.cn/zwgk/"), ["https://www.gaj.example.gov.cn/zwgk/"],
                            agency='某"市"公安局'))
    add_source(path, Source("b", ["http://b.example.cn/"]))
    assert [s.name for s in load_sources(path)] == ["gaj.example", "b"]
    assert load_sources(path)[0].agency == '某"市"公安局'
    with pytest.raises(SourcesError, match="exists"):
        add_source(path, Source("b", ["http://b.example.cn/"]))


def test_default_sources_file_is_valid():
    sources = load_sources()
    assert len(sources) >= 25
    names = {s.name for s in sources}
    assert {"beijing-gaj", "mva", "miit", "xa-police"} <= names


def test_recheck_policy():
    policy = RecheckPolicy(young_days=365, young_hours=6, old_hours=24 * 30)
    now = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
    young, old = now - dt.timedelta(days=10), now - dt.timedelta(days=800)
    assert policy.due(young, now - dt.timedelta(hours=7), now)
    assert not policy.due(young, now - dt.timedelta(hours=5), now)
    assert not policy.due(old, now - dt.timedelta(days=20), now)
    assert policy.due(old, now - dt.timedelta(days=31), now)
    assert policy.due(None, None, now)
