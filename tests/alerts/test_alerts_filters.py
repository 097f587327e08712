"""Subscription filters as pure functions over event dicts."""
from __future__ import annotations

import pytest

from archive.alerts.filters import FilterError, Filters, matches

EVENT = {"kind": "new", "agency": "北京市公安局", "year": 2023, "url": "http://x/1", "region": "110000",
         "title": "北京市公安局2023年政府信息公开工作年度报告", "text": "本年度办理行政复议案件 3 件。"}


@pytest.mark.parametrize("filters, expected", [
    (dict(), True),
    (dict(agency="北京市公安局"), True),
    (dict(agency=" 北京市 公安局 "), True),  # whitespace in typed names does not matter
    (dict(agency="北京市"), False),  # agency is the full name; use --keyword for parts
    (dict(region="11"), True),
    (dict(region="110000"), True),
    (dict(region="31"), False),
    (dict(keyword="公安"), True),  # in the agency name
    (dict(keyword="年度报告"), True),  # in the title
    (dict(keyword="行政复议"), True),  # only in the text
    (dict(keyword="行政诉讼"), False),
    (dict(kinds=["new"]), True),
    (dict(kinds=["revised", "overdue"]), False),
    (dict(agency="北京市公安局", region="11", keyword="复议", kinds=["new", "revised"]), True),
    (dict(agency="北京市公安局", region="12", keyword="复议", kinds=["new"]), False),
])
def test_filters(filters, expected):
    assert matches(Filters.build(**filters), EVENT) is expected


def test_region_filter_needs_a_region():
    assert not matches(Filters.build(region="11"), {**EVENT, "region": None})


def test_full_width_keyword_matches():
    assert matches(Filters.build(keyword="行政复议"), {**EVENT, "text": "行政 复议"})


@pytest.mark.parametrize("bad", [dict(kinds=["deleted"]), dict(region="北京"), dict(region="11a")])
def test_bad_filters_are_named_errors(bad):
    with pytest.raises(FilterError):
        Filters.build(**bad)


def test_describe():
    assert Filters.build().describe() == "(all events)"
    assert Filters.build(region="44", kinds=["overdue"]).describe() == "region=44* kinds=overdue"
