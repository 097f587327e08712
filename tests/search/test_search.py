"""Search over real archives on SQLite and PostgreSQL: recall at every term length, filters,
ranking, snippets, index maintenance on new versions, malformed queries."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import sqlalchemy as sa

from archive.search import QueryError, search, search_result
from fill import add

TEXTS = {
    ("北京市公安局", 2021): "北京市公安局全年收到政府信息公开申请，行政复议3件，行政诉讼1件。公安机关依法公开。",
    ("北京市财政局", 2021): "财政局全年主动公开预算决算信息，未发生行政复议。依申请-公开办理及时。",
    ("上海市公安局", 2022): "上海市公安局本年度无复议案件。公安公安公安，重点公开户籍办理信息。",
    ("上海市教育委员会", 2022): "教育委员会公开招生信息，本年收到申请50件，body:公安局 字样只是文本。",
}


def _fill(Session):
    with Session.begin() as s:
        for (agency, year), text in TEXTS.items():
            add(s, agency, year, text, region="110000" if agency.startswith("北京") else "310000",
                violations=["requests.row_sum:granted"] if agency == "上海市公安局" else [])
    return Session


@pytest.fixture(scope="module")
def archive(module_Session):
    """The four reports, shared by the read-only tests of this module."""
    return _fill(module_Session)


@pytest.fixture
def own_archive(Session):
    """The four reports in an archive of the test's own (for tests that write)."""
    return _fill(Session)


def agencies(hits):
    return sorted(h.agency for h in hits)


@pytest.mark.parametrize("query, expected", [
    ("公安", ["上海市公安局", "北京市公安局", "上海市教育委员会"]),  # 2 characters
    ("复议", ["上海市公安局", "北京市公安局", "北京市财政局"]),
    ("局", ["上海市公安局", "北京市公安局", "北京市财政局", "上海市教育委员会"]),  # 1 character (title text)
    ("公安局", ["上海市公安局", "北京市公安局", "上海市教育委员会"]),  # 3 characters
    ("行政复议", ["北京市公安局", "北京市财政局"]),
    ("公安 复议", ["上海市公安局", "北京市公安局"]),               # all terms must occur
    ("公安 行政诉讼", ["北京市公安局"]),
    ("依申请-公开", ["北京市财政局"]),
    ("body:公安局", ["上海市教育委员会"]),
    ("户籍办理", ["上海市公安局"]),
    ("没有这个词", []),
    ("AND", []),
])
def test_recall_at_every_length(archive, query, expected):
    with archive() as s:
        assert agencies(search(s, query)) == sorted(expected)


def test_filters(archive):
    with archive() as s:
        assert agencies(search(s, "公开", agency="公安局")) == ["上海市公安局", "北京市公安局"]
        assert agencies(search(s, "公开", region="31")) == ["上海市公安局", "上海市教育委员会"]
        assert agencies(search(s, "公开", year=2021)) == ["北京市公安局", "北京市财政局"]
        assert agencies(search(s, "公开", has_violations=True)) == ["上海市公安局"]
        assert len(search(s, "公开", has_violations=False)) == 3
        assert agencies(search(s, "公安", template="2021")) == ["上海市公安局", "上海市教育委员会", "北京市公安局"]
        assert search(s, "公安", template="2019") == []
        assert search(s, "公开", agency="%") == []  # wildcards are literal


def test_ranking_and_snippet(archive):
    with archive() as s:
        hits = search(s, "公安")
        # 上海 has 公安 five times in a shorter text: it ranks first.
        assert hits[0].agency == "上海市公安局"
        assert hits[0].score >= hits[1].score
        hit = hits[0]
        assert hit.url.startswith("http://gov.test/") and hit.year == 2022 and hit.template == "2021"
        assert hit.has_violations is True and hit.report_id
        assert hit.highlights and all(hit.snippet[a:b] == "公安" for a, b in hit.highlights)
        assert "公安" in hit.snippet


def test_limit_and_result(archive):
    with archive() as s:
        result = search_result(s, "局", limit=2)
        assert len(result.hits) == 2 and result.terms == ["局"] and not result.truncated


def test_index_follows_new_versions(own_archive):
    archive = own_archive
    with archive.begin() as s:
        add(s, "北京市公安局", 2021, "北京市公安局修订后的报告：新增信访举报内容。",
            url=None)
    with archive() as s:
        # Only the LATEST version is searched.
        assert agencies(search(s, "信访举报")) == ["北京市公安局"]
        assert "北京市公安局" not in agencies(search(s, "行政诉讼"))
        assert search(s, "行政诉讼") == []
        n = s.execute(sa.text("SELECT count(*) FROM search_documents")).scalar_one()
        assert n == len(TEXTS)


@pytest.mark.parametrize("bad", ['行政复议"', '"', "", "   ", "*", "-", '""', "x" * 500])
def test_malformed_queries_raise_query_error(archive, bad):
    with archive() as s, pytest.raises(QueryError) as err:
        search(s, bad)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("odd", ["AND", "OR NOT", "NEAR(公安 复议)", "公安*", "^公安", "a:b", "'; DROP TABLE reports; --",
                                 "100%", "公_安", "公安 \\", "(复议", "复议)", "{公安}", "公安 AND 复议"])
def test_odd_queries_are_literal_and_never_fail(archive, odd):
    with archive() as s:
        hits = search(s, odd)
        assert isinstance(hits, list)
        assert s.execute(sa.text("SELECT count(*) FROM reports")).scalar_one() == len(TEXTS)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
       | st.lists(st.sampled_from(['"', "*", "AND", "OR", "NOT", "NEAR", "(", ")", ":", "-", "^", "%", "_", "\\",
                                   "公安", "复议", "局", " ", "\x00", "'"]), max_size=8).map("".join))
def test_any_input_gives_hits_or_query_error(archive, text):
    with archive() as s:
        try:
            hits = search(s, text, agency=text[:5] or None)
        except QueryError as exc:
            assert "\n" not in str(exc)
        else:
            assert isinstance(hits, list)


def test_letter_case(own_archive, db_url):
    """SQLite folds ASCII case (FTS5 trigram); PostgreSQL matches case exactly (LIKE)."""
    with own_archive.begin() as s:
        add(s, "己市卫健委", 2021, "年报 PDF 版本与 Ｗｏｒｄ 版本。")
    with own_archive() as s:
        assert [h.agency for h in search(s, "PDF 版本")] == ["己市卫健委"]
        folded = [h.agency for h in search(s, "pdf")]
        assert folded == (["己市卫健委"] if db_url.startswith("sqlite") else [])
        assert [h.agency for h in search(s, "Ｗｏｒｄ")] == ["己市卫健委"]
        assert search(s, "Word") == []  # full-width letters are other characters
