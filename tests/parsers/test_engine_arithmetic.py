"""The report's own arithmetic: each rule holding, broken, and the blank-cell cases."""
from __future__ import annotations

from parsers.arithmetic import violations
from parsers.keys import APPLICANT_COLUMNS, OUTCOME_ROWS, REQUEST_COLUMNS, REVIEW_COLUMNS, key


def consistent(template: str = "2019") -> dict[str, int]:
    facts: dict[str, int] = {}
    outcomes = OUTCOME_ROWS[template]
    for n, row in enumerate(outcomes):
        for c, column in enumerate(APPLICANT_COLUMNS):
            facts[key("requests", row, column)] = (n + c) % 3
    for column in APPLICANT_COLUMNS:
        total = sum(facts[key("requests", r, column)] for r in outcomes)
        facts[key("requests", "total", column)] = total
        facts[key("requests", "carried_over", column)] = 1
        facts[key("requests", "carried_forward", column)] = 2
        facts[key("requests", "new", column)] = total + 1
    for row in ("new", "carried_over", *outcomes, "total", "carried_forward"):
        facts[key("requests", row, "total")] = sum(facts[key("requests", row, c)] for c in APPLICANT_COLUMNS)
    for row in ("review", "litigation_direct", "litigation_after_review"):
        for n, column in enumerate(REVIEW_COLUMNS[:-1]):
            facts[key("reviews", row, column)] = n
        facts[key("reviews", row, "total")] = 6
    return facts


def test_consistent_tables_have_no_violations():
    assert violations(consistent("2019"), "2019") == []
    assert violations(consistent("2021"), "2021") == []


def test_empty_facts_have_no_violations():
    assert violations({}, "2019") == []


def test_row_sum_broken():
    facts = consistent()
    facts["requests/granted/total"] += 1
    found = violations(facts, "2019")
    assert "requests.row_sum:granted" in found
    assert "requests.outcomes_sum:total" in found


def test_balance_broken():
    facts = consistent()
    facts["requests/carried_forward/commercial"] += 1
    facts["requests/carried_forward/total"] += 1
    assert violations(facts, "2019") == ["requests.balance:commercial", "requests.balance:total"]


def test_outcomes_sum_broken():
    facts = consistent("2021")
    facts["requests/other.other/research"] += 1
    facts["requests/other.other/total"] += 1
    assert violations(facts, "2021") == ["requests.outcomes_sum:research", "requests.outcomes_sum:total"]


def test_reviews_row_sum_broken():
    facts = consistent()
    facts["reviews/litigation_direct/pending"] = 9
    assert violations(facts, "2019") == ["reviews.row_sum:litigation_direct"]


def test_blank_part_reads_zero():
    facts = {"reviews/review/upheld": 2, "reviews/review/total": 2}  # other parts blank
    assert violations(facts, "2019") == []
    facts = consistent()
    del facts["requests/granted/commercial"]  # blank: reads 0, so the row no longer adds up
    assert "requests.row_sum:granted" in violations(facts, "2019")


def test_blank_total_beside_non_zero_parts_is_a_violation():
    assert violations({"reviews/review/upheld": 2}, "2019") == ["reviews.row_sum:review"]
    assert violations({"reviews/review/upheld": 0}, "2019") == []


def test_sub_items_take_no_part():
    facts = consistent()
    facts["active/other_services.行政检查/change"] = -6
    assert violations(facts, "2019") == []


def test_2021_report_printing_one_other_row():
    facts = consistent("2019")
    assert violations(facts, "2021") == []
