"""Round trip: a record → a document in one of many layouts → ``parsers.parse`` → the same record.

Records are drawn by hypothesis: consistent ones (row sums, the balance and the outcome
sums hold) and deliberately inconsistent ones, whose expected violations come from the
small independent checker below — not from the parser's own arithmetic. Every fact,
raw text, template, year, agency, signing date, section and violation must come back.
PDF and DOCX layouts are slow and get fewer examples.
"""
from __future__ import annotations

import math
import random
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from layouts import FAST, LAYOUTS, SLOW, SourceReport, consistent_values, sample_report
from layouts.content import SECTIONS
from layouts.model import all_keys
from layouts.values import AGENCIES, SUB_ITEMS

import parsers
from parsers import keys as K

# --- an independent checker of the report arithmetic (RECORD.md), written from the spec ---


def expected_violations(facts: dict, template: str) -> list[str]:
    """Rules broken by these facts; a missing (blank) cell reads 0, a blank total beside
    non-zero parts breaks its rule."""
    def get(table, row, column):
        return facts.get(f"{table}/{row}/{column}", 0)

    def blank_total_or_off(table, row, column, parts_sum):
        total_key = f"{table}/{row}/{column}"
        if total_key not in facts:
            return parts_sum != 0
        return abs(parts_sum - facts[total_key]) > 1e-6

    out = []
    rows = K.REQUEST_ROWS[template]
    for row in rows:
        if blank_total_or_off("requests", row, "total", sum(get("requests", row, c) for c in K.APPLICANT_COLUMNS)):
            out.append(f"requests.row_sum:{row}")
    for c in K.REQUEST_COLUMNS:
        left = get("requests", "new", c) + get("requests", "carried_over", c)
        right = get("requests", "total", c) + get("requests", "carried_forward", c)
        if abs(left - right) > 1e-6:
            out.append(f"requests.balance:{c}")
    for c in K.REQUEST_COLUMNS:
        if blank_total_or_off("requests", "total", c, sum(get("requests", r, c) for r in K.OUTCOME_ROWS[template])):
            out.append(f"requests.outcomes_sum:{c}")
    for row in K.REVIEW_ROWS:
        if blank_total_or_off("reviews", row, "total", sum(get("reviews", row, c) for c in K.REVIEW_COLUMNS[:-1])):
            out.append(f"reviews.row_sum:{row}")
    return out


def test_checker_sees_a_broken_sum():
    report = sample_report(1, template="2019")
    facts = report.expected_facts()
    assert expected_violations(facts, "2019") == []
    facts["requests/granted/commercial"] += 1
    assert expected_violations(facts, "2019") == [
        "requests.row_sum:granted", "requests.outcomes_sum:commercial"]
    facts = report.expected_facts()
    del facts["reviews/review/total"]
    facts["reviews/review/upheld"] = 5
    assert "reviews.row_sum:review" in expected_violations(facts, "2019")


# --- strategies ---------------------------------------------------------------------------

@st.composite
def reports(draw, *, blanks_ok: bool = True, inconsistent: bool | None = None):
    """A random report: either template, sub-items sometimes, money in 万元 or 元, blanks
    for zeros sometimes, numbers and labels printed in the styles real reports use, and
    (sometimes, or always/never) some cells knocked off balance."""
    template = draw(st.sampled_from(["2019", "2021"]))
    sub_items = draw(st.sampled_from(((),) + SUB_ITEMS)) if template == "2019" else ()
    ints = lambda lo, hi: draw(st.integers(lo, hi))  # noqa: E731
    values = consistent_values(template, ints, sub_items)
    if inconsistent is None:
        inconsistent = draw(st.integers(0, 3)) == 0
    if inconsistent:
        keys = [k for k in values if not k.startswith("active/")]
        for _ in range(draw(st.integers(1, 3))):
            k = draw(st.sampled_from(keys))
            values[k] = values[k] + draw(st.integers(1, 9))
    year = draw(st.integers(2019, 2020)) if template == "2019" else draw(st.integers(2021, 2025))
    rng = random.Random(draw(st.integers(0, 2 ** 16)))
    blanks = frozenset()
    if blanks_ok and draw(st.booleans()):
        zeros = [k for k, v in values.items() if v == 0]
        blanks = frozenset(rng.sample(zeros, k=len(zeros) // 2 + (len(zeros) % 2)))
    return SourceReport(
        agency=draw(st.sampled_from(AGENCIES)), year=year, template=template,
        signed=f"{year + 1}-{draw(st.integers(1, 3)):02d}-{draw(st.integers(1, 28)):02d}",
        signed_style=draw(st.sampled_from(["cn", "dash", "hanzi"])),
        values=values, blanks=blanks, sub_items=sub_items,
        money_in_yuan=draw(st.integers(0, 3)) == 0,
        number_style=draw(st.sampled_from(["plain", "plain", "thousands", "units", "fullwidth"])),
        label_style=draw(st.sampled_from(["template", "template", "ascii", "dun", "bare", "spaced"])),
    )


# --- the comparison ----------------------------------------------------------------------------

def _same_number(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def assert_round_trip(report: SourceReport, layout: str) -> None:
    data, name = LAYOUTS[layout].render(report)
    record = parsers.parse(data, name)
    problems = []
    expected = report.expected_facts()
    got = record.facts
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    wrong = sorted(k for k in set(expected) & set(got) if not _same_number(expected[k], got[k]))
    if missing:
        problems.append(f"{len(missing)} facts missing: " + ", ".join(missing[:12]))
    if extra:
        problems.append(f"{len(extra)} unexpected facts: " + ", ".join(f"{k}={got[k]}" for k in extra[:12]))
    if wrong:
        problems.append(f"{len(wrong)} wrong facts: "
                        + ", ".join(f"{k}: {got[k]!r} != {expected[k]!r}" for k in wrong[:12]))
    if record.raw != report.expected_raw():
        problems.append(f"raw {record.raw!r} != {report.expected_raw()!r}")
    for field, want in (("template", report.template), ("year", report.year), ("agency", report.agency),
                        ("published", report.signed), ("sections", list(SECTIONS))):
        if getattr(record, field) != want:
            problems.append(f"{field} {getattr(record, field)!r} != {want!r}")
    if record.missing:
        problems.append(f"missing {record.missing}")
    want_violations = sorted(expected_violations(expected, report.template))
    if sorted(record.violations) != want_violations:
        problems.append(f"violations {sorted(record.violations)} != {want_violations}")
    cells = len(all_keys(report.template, report.sub_items))
    assert not problems, f"layout {layout} ({report.template}, {cells} cells):\n  " + "\n  ".join(problems)


# --- the tests ------------------------------------------------------------------------------

SETTINGS = dict(deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.data_too_large])


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("seed", [0, 1])
def test_sample_reports_round_trip(layout, seed):
    """One fixed consistent report per template through every layout (quick, readable failures)."""
    assert_round_trip(sample_report(seed, template=("2019", "2021")[seed]), layout)


def _random_round_trip(layouts: list[str], examples: int):
    """The random-report round trip over ``layouts``, ``examples`` reports each (the slow
    layouts get fewer, so one test, two budgets)."""
    @pytest.mark.parametrize("layout", layouts)
    @settings(max_examples=examples, **SETTINGS)
    @given(data=st.data())
    def test(layout, data):
        report = data.draw(reports(blanks_ok=LAYOUTS[layout].blanks))
        assert_round_trip(report, layout)

    return test


# (pytest collects them by these names.)
test_random_reports_round_trip_fast_layouts = _random_round_trip(FAST, 25)
test_random_reports_round_trip_slow_layouts = _random_round_trip(SLOW, 6)


@pytest.mark.parametrize("layout", ["html_utf8", "text_tabs", "pdf", "docx"])
@settings(max_examples=4, **SETTINGS)
@given(data=st.data())
def test_inconsistent_reports_keep_their_numbers_and_name_the_rules(layout, data):
    report = data.draw(reports(inconsistent=True, blanks_ok=LAYOUTS[layout].blanks))
    assert expected_violations(report.expected_facts(), report.template)
    assert_round_trip(report, layout)


def test_money_in_yuan_is_normalised_to_wan():
    report = sample_report(3, template="2021", money_in_yuan=True)
    report.values["active/fees/amount_wan"] = Decimal("76955.276368")
    data, name = LAYOUTS["html_utf8"].render(report)
    record = parsers.parse(data, name)
    assert math.isclose(record.facts["active/fees/amount_wan"], 76955.276368)
    assert record.raw["active/fees/amount_wan"] == "769552763.68元"
