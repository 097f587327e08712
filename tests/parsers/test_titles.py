"""The report-title vocabulary (parsers/titles.py) and the recognizer's use of it.

``TITLES`` holds the titles on which the crawler's link filter and the recognizer used to
disagree (each with its verdict, decided once): tests/crawler/test_discovery.py runs the
same cases through the crawler's link classification, so a report cannot be kept by one
and lost by the other.
"""
from __future__ import annotations

import pytest

from parsers.recognize import find_agency, find_year, is_report
from parsers.titles import cn_digits, cn_number, is_report_title, title_agency, title_year

# (title, is a report, year, agency). Former disagreements first.
TITLES = [
    # A year in Chinese numerals (the crawler skipped it, the recognizer took it).
    ("上海市浦东新区人民政府二〇二三年政府信息公开工作年度报告", True, 2023, "上海市浦东新区人民政府"),
    ("二○一二年度平潭县人民政府政府信息公开工作年度报告", True, 2012, "平潭县人民政府"),
    ("二Ｏ二一年北京市公安局政府信息公开工作年度报告", True, 2021, "北京市公安局"),
    # A circular about reports (the crawler rejected it, the recognizer took it).
    ("关于2023年度政府信息公开工作年度报告的通报", False, 2023, None),
    ("关于全市2022年政府信息公开工作年度报告评估情况的通报", False, 2022, None),
    # A reply approving a report (the recognizer rejected it, the crawler took it).
    ("2023年政府信息公开工作年度报告（批复）", False, 2023, None),
    ("示例市人民政府关于示例区2022年政府信息公开工作年度报告的批复", False, 2022, "示例市人民政府"),
    # News and announcements of a report (the recognizer rejected them, the crawler took them).
    ("示例市2023年政府信息公开工作年度报告发布", False, 2023, None),
    ("示例市2023年政务公开年报出炉", False, 2023, None),
    ("关于公布2022年度政府信息公开工作年度报告的公告", False, 2022, None),
    # A letter (the recognizer rejected it, the crawler took it).
    ("关于2014年政府信息公开工作年度报告的函", False, 2014, None),
    # Work on reports: training, evaluation, a graphic summary (the crawler rejected them).
    ("2023年政府信息公开工作年度报告编制培训会议", False, 2023, None),
    ("示例市公安局2023年政府信息公开工作年度报告图解", False, 2023, "示例市公安局"),
    # Final accounts and budgets share the column; they are not reports.
    ("示例区2023年度部门决算信息公开工作年度报告", False, 2023, None),
    # A report of the disclosure work under another name (the crawler skipped them).
    ("示例市交通运输局2019年政府信息公开年度工作情况", True, 2019, "示例市交通运输局"),
    ("示例县2010年政府信息公开工作情况报告", True, 2010, "示例县"),
    # A digit in an agency's name (the recognizer took none, the crawler did).
    ("示例市第1局2023年政府信息公开工作年度报告", True, 2023, "示例市第1局"),
    # 年报 or 工作报告 without disclosure is a yearbook or the government's work report
    # (the recognizer took them).
    ("示例市2023年统计年报", False, 2023, None),
    ("2023年示例市人民政府工作报告", False, 2023, None),
]


@pytest.mark.parametrize("title,report,year,agency", TITLES)
def test_one_verdict_on_each_title(title, report, year, agency):
    assert is_report_title(title) is report
    # The recognizer: a decoy title is False, a report's True, anything else unsure (None).
    assert (is_report(title) is True) is report
    assert title_year(title) == year == find_year(title, "")
    if report:
        assert title_agency(title) == agency == find_agency(title, "")


def test_chinese_numerals():
    assert [cn_digits(y) for y in ("二〇二三", "二○一二", "二零二零", "二Ｏ二一", "二O二二")] == [2023, 2012, 2020, 2021, 2022]
    assert [cn_number(n) for n in ("三", "十", "十二", "二十", "三十一")] == [3, 10, 12, 20, 31]


@pytest.mark.parametrize("text", ["12023年政府信息公开工作年度报告", "1949年政府信息公开工作年度报告",
                                  "二一二三年政府信息公开工作年度报告"])
def test_no_year_outside_1980_2099(text):
    assert title_year(text) is None
    assert not is_report_title(text)


@pytest.mark.parametrize("text", ["年报", "政府信息公开年报", "2023年" + "政府信息公开工作年度报告" * 12])
def test_a_word_or_a_paragraph_is_no_title(text):
    assert not is_report_title(text)
