"""Snippets and query parsing: pure functions."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive.search.query import QueryError, fts_phrase, like_pattern, parse_query
from archive.search.snippet import make_snippet


def test_parse_query():
    assert parse_query(' 公安  "行政 复议"  AND ') == ["公安", "行政 复议", "AND"]
    assert parse_query("公安 公安 - 复议") == ["公安", "复议"]
    for bad in ("", "  ", '"', "*", "-- *", "x" * 201):
        with pytest.raises(QueryError):
            parse_query(bad)


def test_quoting():
    assert fts_phrase('a"b') == '"a""b"'
    assert like_pattern("100%_\\") == "%100\\%\\_\\\\%"


def test_snippet_marks_every_match_in_the_window():
    body = "甲" * 200 + "公安局办理复议，公安机关。" + "乙" * 200
    snip = make_snippet(body, ["公安", "复议"])
    assert [snip.text[a:b] for a, b in snip.highlights] == ["公安", "复议", "公安"]
    assert snip.text.startswith("…") and snip.text.endswith("…")
    assert snip.marked().count("【") == 3
    assert "".join(t for t, _ in snip.segments()) == snip.text


def test_snippet_without_match_and_ascii_case():
    assert make_snippet("短文", ["无"]).highlights == []
    snip = make_snippet("Download the PDF file", ["pdf"])
    assert [snip.text[a:b] for a, b in snip.highlights] == ["PDF"]


@given(st.text(max_size=300), st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=3))
def test_snippet_offsets_always_valid(body, terms):
    snip = make_snippet(body, terms)
    last = 0
    for a, b in snip.highlights:
        assert last <= a < b <= len(snip.text)
        last = b
