"""Tables printed as one glued line (parsers/glued): segmentation, splits, the sums as evidence.

Unit tests on glued lines as real portals print them, then generated reports glued the
same way (tests/parsers/layouts/render_glued.py): every cell the parser states must be
the report's, and every cell the digits alone determine must be stated.
"""
from __future__ import annotations

import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from layouts import SourceReport, consistent_values
from layouts.render_glued import glued_bytes
from layouts.values import AGENCIES

import parsers
from parsers import keys as K
from parsers.glued import glued_rows
from parsers.glued.solve import REQUEST_KINDS, read_row
from parsers.glued.splits import Column, splits
from parsers.glued.tokens import tokenize

_HEAD = ("三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
         "申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他")


def _requests_line(rows: dict[str, str], template: str = "2021") -> str:
    """A requests table glued as the Pingtan archive prints it, runs given per row (default 0000000)."""
    out = _HEAD
    out += "一、本年新收政府信息公开申请数量" + rows.get("new", "0000000")
    out += "二、上年结转政府信息公开申请数量" + rows.get("carried_over", "0000000")
    out += "三、本年度办理结果"
    groups = {"denied": "（三）不予公开", "unavailable": "（四）无法提供", "not_processed": "（五）不予处理",
              "other": "（六）其他处理"}
    seen: set[str] = set()
    n = 0
    for row in K.OUTCOME_ROWS[template]:
        group, dot, _ = row.partition(".")
        label = K.REQUEST_ROW_LABELS[row]
        if row == "granted":
            label = "（一）予以公开"
        elif row == "partially_granted":
            label = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
        elif row == "other":
            label = "（六）其他处理"
        elif dot:
            if group not in seen:
                seen.add(group)
                out += groups[group]
                n = 0
            n += 1
            label = f"{n}.{label}"
        out += label + rows.get(row, "0000000")
    out += "（七）总计" + rows.get("total", "0000000")
    out += "四、结转下年度继续办理" + rows.get("carried_forward", "0000000")
    return out + "四、政府信息公开行政复议、行政诉讼情况"


def _facts(line: str, template: str = "2021") -> dict:
    return parsers.parse(f"平潭综合实验区{2023 if template == '2021' else 2020}年政府信息公开工作年度报告\n"
                         f"{line}五、存在的主要问题及改进情况".encode(), "page.txt").facts


def _row(facts: dict, row: str) -> list:
    return [facts.get(K.key("requests", row, c)) for c in K.REQUEST_COLUMNS]


# --- splits ----------------------------------------------------------------------------------------

def test_a_run_of_n_digits_for_n_cells_is_one_reading():
    assert splits(["0000000"], REQUEST_KINDS) == [("0",) * 7]
    assert splits(["0", "00000"], REQUEST_KINDS) == []  # six digits for seven cells: a short row


def test_no_cell_starts_with_zero_and_a_sign_starts_a_cell():
    active = [Column(), Column(signed=True), Column()]
    assert splits(["00126"], active) == [("0", "0", "126")]
    readings = splits(["88", "-720"], active)
    assert {r[0] for r in readings} == {"88"} and len(readings) == 2  # -7,20 / -72,0
    assert splits(["4500"], active) == [("4", "50", "0"), ("45", "0", "0")]


def test_money_takes_the_decimal_point_and_thousands_stay_in_one_cell():
    assert splits(["13.5"], [Column(), Column(money=True)]) == [("1", "3.5")]
    assert splits(["1,4090"], [Column(), Column()]) == [("1,409", "0")]


def test_the_row_sum_leaves_one_reading():
    reading = read_row(["160", "02", "0", "018"], K.REQUEST_COLUMNS, REQUEST_KINDS, 7)
    assert reading is not None and reading.cells() == ["16", "0", "0", "2", "0", "0", "18"]


def test_a_row_whose_sum_fails_keeps_only_what_its_digits_fix():
    reading = read_row(["1200004"], K.REQUEST_COLUMNS, REQUEST_KINDS, 7)
    assert reading is not None and not reading.adds_up
    assert reading.cells() == ["1", "2", "0", "0", "0", "0", "4"]  # read as printed, not repaired


def test_hostile_runs_end_within_the_budget():
    # The work is bounded in steps (not timed here: speed is measured in tests/benchmarks).
    assert splits(["1" * 400], [Column()] * 15) is None  # over budget: undetermined
    line = _requests_line({"new": "9" * 300, "granted": "12345678901234567890"})
    facts = _facts(line)
    assert _row(facts, "new") == [None] * 7 and _row(facts, "granted") == [None] * 7


# --- segmentation ------------------------------------------------------------------------------------

def test_the_ordinal_glued_to_a_run_belongs_to_the_next_label():
    line = _requests_line({"new": "801000081", "granted": "220000022", "partially_granted": "191000020",
                           "denied.state_secret": "0000000", "unavailable.not_held": "310000031",
                           "total": "1321000133"})
    assert "00000002.其他法律" in line and "3100000312.没有现成" in line
    facts = _facts(line)
    assert _row(facts, "new") == [80, 1, 0, 0, 0, 0, 81]
    assert _row(facts, "denied.state_secret") == [0] * 7
    assert _row(facts, "unavailable.not_held") == [31, 0, 0, 0, 0, 0, 31]


def test_the_table_sums_decide_between_row_readings():
    # 270020130: 27,0,0,2,0,1,30 or 2,7,0,0,20,1,30 — the 商业企业 column (all 0) decides.
    rows = {"new": "640020470", "granted": "270020130", "partially_granted": "500000 5",
            "denied.internal_affairs": "1000001", "denied.enforcement_file": "6000006",
            "denied.query_matter": "1000001", "unavailable.not_held": "220000325", "other.other": "1000001",
            "total": "630020469", "carried_forward": "1000001"}
    facts = _facts(_requests_line(rows))
    assert _row(facts, "granted") == [27, 0, 0, 2, 0, 1, 30]
    assert _row(facts, "unavailable.not_held") == [22, 0, 0, 0, 0, 3, 25]


def test_a_table_that_does_not_add_up_is_not_repaired():
    # The outcome rows give 自然人 16, the total row says 18: the sums cannot narrow anything,
    # and each row keeps what its own digits and sum fix.
    rows = {"new": "160 02 0 018", "granted": "120 02 0 014", "denied.enforcement_file": "40 0 0 0 04",
            "total": "180 0 0 0 018"}
    record = parsers.parse(("平潭综合实验区2021年政府信息公开工作年度报告\n" + _requests_line(rows)).encode(), "page.txt")
    assert _row(record.facts, "total") == [18, 0, 0, 0, 0, 0, 18]
    assert _row(record.facts, "granted") == [12, 0, 0, 2, 0, 0, 14]
    assert "requests.outcomes_sum:natural_person" in record.violations


def test_misspelt_and_spaced_labels_are_found_in_order():
    line = _requests_line({"new": "1000001", "total": "1000001", "granted": "1000001"})
    line = line.replace("其他法律行政法规禁止公开", "其他法律行政止公开").replace("本年度办理结果", "本年度办 理结果 ")
    line = line.replace("2.其他法律行政止公开0000000", "2.其他法律行政止公开2000002")
    facts = _facts(line)
    assert _row(facts, "denied.prohibited_by_law") == [2, 0, 0, 0, 0, 0, 2]
    assert _row(facts, "granted") == [1, 0, 0, 0, 0, 0, 1]


def test_an_ordinal_the_template_does_not_expect_leaves_the_run_unread():
    line = _requests_line({}).replace("00000002.其他法律", "00000009.其他法律")
    facts = _facts(line)
    assert _row(facts, "denied.state_secret") == [None] * 7
    assert _row(facts, "denied.prohibited_by_law") == [0] * 7


def test_active_table_headers_units_and_undetermined_cells():
    line = ("二、主动公开政府信息情况第二十条第（一）项信息内容本年新制作数量本年新公开数量对外公开总数量规章000"
            "规范性文件898989第二十条第（五）项信息内容上一年项目数量本年增/减处理决定数量行政许可4500"
            "其他对外管理服务事项000第二十条第（六）项信息内容上一年项目数量本年增/减处理决定数量行政处罚88-720"
            "行政强制000第二十条第（八）项信息内容上一年项目数量本年增/减行政事业性收费35-15"
            "第二十条第（九）项信息内容采购项目数量采购总金额政府集中采购2笔 984361元三、收到")
    record = parsers.parse(("平潭综合实验区2020年政府信息公开工作年度报告\n" + line).encode(), "page.txt")
    active = {k.split("/", 1)[1]: v for k, v in record.facts.items() if k.startswith("active/")}
    assert active == {
        "regulations/made": 0, "regulations/published": 0, "regulations/total": 0,
        "licensing/decisions": 0,  # 4,50,0 or 45,0,0
        "other_services/previous": 0, "other_services/change": 0, "other_services/decisions": 0,
        "penalties/previous": 88,
        "enforcement/previous": 0, "enforcement/change": 0, "enforcement/decisions": 0,
        "fees/previous": 35, "fees/change": -15,
        "procurement/count": 2, "procurement/amount_wan": 98.4361,
    }
    assert record.raw["active/licensing/previous"] == "4或45"
    assert record.raw["active/procurement/amount_wan"] == "984361元"
    assert "active/normative_documents/made" not in record.raw  # no cell fixed: the row is left out


def test_reviews_run_split_by_its_row_sums():
    line = ("四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计未经复议直接起诉"
            "复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计21317000001324019五、")
    facts = _facts(_requests_line({}) + line)
    got = [facts.get(K.key("reviews", r, c)) for r in K.REVIEW_ROWS for c in K.REVIEW_COLUMNS]
    assert got == [2, 1, 3, 1, 7, 0, 0, 0, 0, 0, 13, 2, 4, 0, 19]


@pytest.mark.parametrize("line", [
    "行政许可 77 +2 9020994",
    "2023年全区接收各类政府信息公开申请共计81件，涉及自然人80件、商业企业1件。办结81件，其中予以公开42件。",
    "规章\t0\t0\t0",
    "| 予以公开 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |",
])
def test_lines_that_are_no_glued_table_are_left_alone(line):
    assert glued_rows(line) is None


def test_tokens_keep_money_units_and_ordinals_apart():
    pieces = tokenize("政府集中采购13575394432.52元三、…1.属于国家秘密00000002.其他")
    assert [p.run.text for p in pieces] == ["13575394432.52", "00000002."]
    assert pieces[0].run.unit == "元" and pieces[1].run.ordinal == "00000002."
    assert pieces[1].text == "三、…1.属于国家秘密"


# --- generated reports, glued ------------------------------------------------------------------------

@st.composite
def glued_reports(draw):
    """A consistent report with no blank cell (a glued line cannot show one), in any label and number style."""
    template = draw(st.sampled_from(["2019", "2021"]))
    values = consistent_values(template, lambda lo, hi: draw(st.integers(lo, hi)))
    year = draw(st.integers(2019, 2020)) if template == "2019" else draw(st.integers(2021, 2025))
    return SourceReport(
        agency=draw(st.sampled_from(AGENCIES)), year=year, template=template, signed=f"{year + 1}-01-15",
        values=values, money_in_yuan=draw(st.booleans()),
        number_style=draw(st.sampled_from(["plain", "plain", "thousands", "units", "fullwidth"])),
        label_style=draw(st.sampled_from(["template", "template", "ascii", "dun", "bare", "spaced"])),
    )


def _single_digit_rows(report: SourceReport) -> list[str]:
    """Keys of the requests rows whose cells are all one digit: the digits alone fix them."""
    out = []
    for row in K.REQUEST_ROWS[report.template]:
        cells = [K.key("requests", row, c) for c in K.REQUEST_COLUMNS]
        if all(0 <= report.values[k] <= 9 for k in cells):
            out += cells
    return out


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(report=glued_reports(), spaces=st.sampled_from([0.0, 0.0, 0.3, 1.0]), seed=st.integers(0, 2 ** 16))
def test_generated_reports_glued_never_give_a_wrong_number(report, spaces, seed):
    record = parsers.parse(glued_bytes(report, random.Random(seed), spaces), "page.txt")
    expected = report.expected_facts()
    wrong = {k: (v, expected.get(k)) for k, v in record.facts.items()
             if k not in expected or not math.isclose(v, expected[k], rel_tol=1e-9, abs_tol=1e-9)}
    assert not wrong
    lost = [k for k in _single_digit_rows(report) if k not in record.facts]
    assert not lost, f"cells the digits alone fix were not read: {lost[:7]}"
    if spaces == 1.0 and report.number_style != "thousands":  # every cell edge printed
        lost = sorted(set(expected) - set(record.facts))
        assert not lost, f"spaced cells not read: {lost[:7]}"


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(report=glued_reports(), seed=st.integers(0, 2 ** 16))
def test_misprinted_labels_never_move_a_number(report, seed):
    """Labels with a character dropped or a stray space: found by similarity, or not at all."""
    record = parsers.parse(glued_bytes(report, random.Random(seed), 0.2, typos=0.3), "page.txt")
    expected = report.expected_facts()
    wrong = {k: (v, expected.get(k)) for k, v in record.facts.items()
             if k not in expected or not math.isclose(v, expected[k], rel_tol=1e-9, abs_tol=1e-9)}
    assert not wrong


def test_misprinted_labels_are_mostly_found():
    from layouts import sample_report

    read = total = 0
    for seed in range(12):
        report = sample_report(seed)
        clean = parsers.parse(glued_bytes(report, random.Random(seed)), "page.txt").facts
        misprinted = parsers.parse(glued_bytes(report, random.Random(seed), typos=0.3), "page.txt").facts
        total += len(clean)
        read += sum(1 for k in clean if k in misprinted)
    assert read / total > 0.9


def test_generated_reports_glued_are_mostly_read():
    """The share of cells determined on plain glued reports (a floor, so the reading cannot silently stop)."""
    from layouts import sample_report

    read = total = 0
    for seed in range(12):
        report = sample_report(seed)
        record = parsers.parse(glued_bytes(report, random.Random(seed)), "page.txt")
        expected = report.expected_facts()
        total += len(expected)
        read += sum(1 for k in expected if k in record.facts)
    assert read / total > 0.7  # 74% measured: random large numbers glued are often ambiguous


@pytest.mark.parametrize("reviews", [
    # three small tables, each headed by its row's name
    "四、政府信息公开行政复议、行政诉讼情况行政复议结果维持结果纠正其他结果尚未审结总计1 0 0 0 1"
    "行政诉讼（未经复议直接起诉）结果维持结果纠正其他结果尚未审结总计21003（复议后起诉）结果维持结果纠正其他结果尚未审结总计00000",
    # transposed: a row label, then its five numbers
    "四、政府信息公开行政复议、行政诉讼情况结果维持结果纠正其他结果尚未审结总计行政复议1000 1未经复议直接起诉21003复议后起诉00000",
])
def test_reviews_printed_row_by_row(reviews):
    facts = _facts(_requests_line({}) + reviews + "五、")
    got = [facts.get(K.key("reviews", r, c)) for r in K.REVIEW_ROWS for c in K.REVIEW_COLUMNS]
    assert got == [1, 0, 0, 0, 1, 2, 1, 0, 0, 3, 0, 0, 0, 0, 0]


def test_hostile_lines_are_bounded():
    """A line of thousands of labels and runs: refused by its size, not searched (no slow alignment)."""
    assert glued_rows("予以公开1234567" * 3000) is None
    assert glued_rows("规章1" * 6000) is None


def test_a_spaced_ordinal_is_no_cell():
    # Letter-spaced short labels (3 . 其 他): the 3 before the separator is the next row's ordinal.
    line = _requests_line({"other.unpaid_fee": "0 56 7563652207 "}).replace("3.其他", "3 . 其 他")
    assert "2207 3 . 其 他" in line
    facts = _facts(line)
    assert facts.get("requests/other.unpaid_fee/total") != 3


def test_a_reviews_row_with_undetermined_cells_stays_in_its_row():
    line = (_requests_line({}) + "四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计"
            "未经复议直接起诉复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计"
            "0 42110 53 015700 157 20 0 1618五、")
    facts = _facts(line)
    got = [facts.get(K.key("reviews", r, c)) for r in K.REVIEW_ROWS for c in K.REVIEW_COLUMNS]
    assert got == [0, 42, None, None, 53, 0, 157, 0, 0, 157, 2, 0, 0, 16, 18]
