"""Honesty of the record: what was not read is listed in ``missing``, and no rule is
checked over a row that was not found (a violation built on it would be false)."""
from __future__ import annotations

from parsers.api import build_record
from parsers.arithmetic import violations
from parsers.coverage import missing
from parsers.document import Document
from parsers.keys import template_keys
from tests.parsers.test_engine_tables import REVIEWS_TAB, report, requests_tab_lines, requests_values


def record_without(row_label: str, template: str = "2019", year: int = 2020):
    """A whole consistent requests table without its ``row_label`` line."""
    lines = [line for line in requests_tab_lines(template, requests_values(template)) if row_label not in line]
    text = report(["三、收到和处理政府信息公开申请情况", "", *lines, "", *REVIEWS_TAB], year)
    return build_record(Document(text=text))


def test_a_complete_table_has_nothing_missing_but_the_tables_not_printed():
    rec = record_without("never-there")
    assert rec.violations == []
    assert not any(m.startswith(("requests/", "reviews/")) for m in rec.missing)
    # The active table is not in this document: every one of its rows is listed.
    assert "active/regulations" in rec.missing and "active/procurement" in rec.missing


def test_an_unfound_row_is_missing_and_breaks_no_rule():
    # Without its line the row is not found: the outcome columns would not add up if it
    # read 0 (it holds a 1), but it was not read, so no outcomes_sum rule is checked at all.
    rec = record_without("2.其他法律行政法规禁止公开")
    assert "requests/denied.prohibited_by_law" in rec.missing
    assert rec.violations == []
    assert not any(k.startswith("requests/denied.prohibited_by_law/") for k in rec.facts)


def test_an_unfound_balance_row_breaks_no_balance_rule():
    rec = record_without("二、上年结转政府信息公开申请数量")
    assert "requests/carried_over" in rec.missing
    assert not any(v.startswith("requests.balance") for v in rec.violations)


def test_a_printed_blank_total_is_read_and_breaks_its_rule():
    requests = requests_tab_lines("2019", requests_values("2019"))
    lines = requests + [""] + REVIEWS_TAB[:3] + ["1\t2\t0\t0\t\t4\t0\t1\t0\t5\t0\t0\t0\t1\t1"]
    rec = build_record(Document(text=report(lines)))
    assert "reviews/review/total" not in rec.facts
    assert "reviews.row_sum:review" in rec.violations
    assert not any(m.startswith("reviews/") for m in rec.missing)


def test_violations_only_over_cells_read():
    facts = {"reviews/review/upheld": 2, "reviews/review/total": 2}
    # Without the blank cells known, absent cells read 0 (facts from elsewhere).
    assert violations(facts, "2019") == []
    # corrected/other/pending neither numbers nor printed blanks: not read, not checked.
    assert violations({"reviews/review/upheld": 2, "reviews/review/total": 3}, "2019", blank=set()) == []
    blank = {"reviews/review/corrected", "reviews/review/other", "reviews/review/pending"}
    assert violations({"reviews/review/upheld": 2, "reviews/review/total": 3}, "2019", blank=blank) == [
        "reviews.row_sum:review"]


def test_missing_rows_and_cells():
    read = set(template_keys("2019"))
    assert missing(read, "2019") == []
    read -= {"requests/granted/commercial"}
    read -= {k for k in read if k.startswith("requests/other/")}
    assert missing(read, "2019") == ["requests/granted/commercial", "requests/other"]
    assert missing(set(), "legacy") == []


def test_2021_table_printing_one_other_row_misses_nothing():
    read = {k for k in template_keys("2021") if not k.startswith("requests/other.")}
    read |= {f"requests/other/{c}" for c in ("natural_person", "total")}
    assert "requests/other.other" not in " ".join(missing(read, "2021"))


def test_sub_items_stand_for_other_services():
    read = {k for k in template_keys("2019") if "/other_services/" not in k}
    assert "active/other_services" in missing(read, "2019")
    read |= {"active/other_services.行政检查/previous"}
    assert not any("other_services" in m for m in missing(read, "2019"))


