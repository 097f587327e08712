"""The table engine on small hand-made layouts: one rule per test, both templates.

The layouts here are deliberately different from the seeds: grids with spans, pipe
rows, one cell a line with and without row separators, space-separated PDF text,
stray columns, split labels, blank cells, placeholders, money in 元 and 万元.
"""
from __future__ import annotations

import pytest

from parsers.api import build_record
from parsers.document import Document
from parsers.keys import OUTCOME_ROWS, REQUEST_COLUMNS, REQUEST_ROW_LABELS, key
from parsers.rows import text_rows
from parsers.tables import read_tables

TITLE = "北京市测试局{year}年政府信息公开工作年度报告"
REQ_HEADER = [
    "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t\t\t申请人情况\t\t\t\t\t\t",
    "\t\t\t自然人\t法人或其他组织\t\t\t\t\t总计",
    "\t\t\t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t",
]
_GROUPS = {"denied": "（三）不予公开", "unavailable": "（四）无法提供", "not_processed": "（五）不予处理", "other": "（六）其他处理"}


def request_label_cells(row: str) -> list[str]:
    """The label cells of one requests row as the national template prints them."""
    if row in ("new", "carried_over", "carried_forward"):
        prefix = {"new": "一、", "carried_over": "二、", "carried_forward": "四、"}[row]
        return [prefix + REQUEST_ROW_LABELS[row], "", ""]
    if "." in row:
        group, _ = row.split(".")
        members = [r for r in OUTCOME_ROWS["2021" if group == "other" else "2019"] if r.startswith(group + ".")]
        return ["", _GROUPS[group], f"{members.index(row) + 1}.{REQUEST_ROW_LABELS[row]}"]
    named = {"granted": "（一）予以公开", "partially_granted": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
             "other": "（六）其他处理", "total": "（七）总计"}
    return ["三、本年度办理结果" if row == "granted" else "", named[row], ""]


def requests_values(template: str) -> dict[str, list[int]]:
    """Consistent values: rows sum, outcomes add up to the total, the balance holds."""
    outcomes = OUTCOME_ROWS[template]
    values = {row: [n % 3, n % 2, 0, 0, 1 if n == 0 else 0, 0] for n, row in enumerate(outcomes)}
    total = [sum(values[r][c] for r in outcomes) for c in range(6)]
    values["total"] = total
    values["carried_over"] = [1, 0, 0, 0, 0, 0]
    values["carried_forward"] = [2, 0, 0, 0, 0, 0]
    values["new"] = [t + 2 - 1 if c == 0 else t for c, t in enumerate(total)]
    return {row: v + [sum(v)] for row, v in values.items()}


def requests_tab_lines(template: str, values: dict[str, list[int]]) -> list[str]:
    rows = ["new", "carried_over", *OUTCOME_ROWS[template], "total", "carried_forward"]
    return REQ_HEADER + ["\t".join(request_label_cells(r) + [str(v) for v in values[r]]) for r in rows]


def expected_requests(values: dict[str, list[int]]) -> dict[str, int]:
    return {key("requests", r, c): v for r, vals in values.items() for c, v in zip(REQUEST_COLUMNS, vals)}


REVIEWS_TAB = [
    "行政复议\t\t\t\t\t行政诉讼",
    "结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t未经复议直接起诉\t\t\t\t\t复议后起诉",
    "\t\t\t\t\t结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t结果维持\t结果纠正\t其他结果\t尚未审结\t总计",
    "1\t2\t0\t0\t3\t4\t0\t1\t0\t5\t0\t0\t0\t1\t1",
]
REVIEWS_FACTS = {
    "reviews/review/upheld": 1, "reviews/review/corrected": 2, "reviews/review/other": 0,
    "reviews/review/pending": 0, "reviews/review/total": 3,
    "reviews/litigation_direct/upheld": 4, "reviews/litigation_direct/corrected": 0,
    "reviews/litigation_direct/other": 1, "reviews/litigation_direct/pending": 0,
    "reviews/litigation_direct/total": 5,
    "reviews/litigation_after_review/upheld": 0, "reviews/litigation_after_review/corrected": 0,
    "reviews/litigation_after_review/other": 0, "reviews/litigation_after_review/pending": 1,
    "reviews/litigation_after_review/total": 1,
}


def report(body: list[str], year: int = 2020) -> str:
    return "\n".join([TITLE.format(year=year), "", "一、总体情况", "",
                      f"{year}年，共收到政府信息公开申请1409件，其中予以公开130件，上年结转18件。", "", *body])


def parse_text(text: str, tables: list | None = None):
    return build_record(Document(text=text, tables=tables or []))


def facts_of(lines: list[str], template: str = "2019") -> tuple[dict, dict]:
    return read_tables(text_rows("\n".join(lines)), template)


# --- whole reports, both templates ------------------------------------------------------------
@pytest.mark.parametrize("template, year", [("2019", 2020), ("2021", 2022)])
def test_requests_table_in_tab_rows_both_templates(template, year):
    values = requests_values(template)
    rec = parse_text(report(["三、收到和处理政府信息公开申请情况", "", *requests_tab_lines(template, values),
                             "", "四、政府信息公开行政复议、行政诉讼情况", "", *REVIEWS_TAB], year))
    assert rec.template == template
    requests = {k: v for k, v in rec.facts.items() if k.startswith("requests/")}
    assert requests == expected_requests(values)
    assert {k: v for k, v in rec.facts.items() if k.startswith("reviews/")} == REVIEWS_FACTS
    assert rec.violations == []


def test_2021_active_table():
    lines = [
        "第二十条第（一）项", "信息内容\t本年制发件数\t本年废止件数\t现行有效件数",
        "规章\t1\t0\t12", "行政规范性文件\t3\t1\t45",
        "第二十条第（五）项", "信息内容\t本年处理决定数量", "行政许可\t1,234",
        "第二十条第（六）项", "信息内容\t本年处理决定数量", "行政处罚\t56", "行政强制\t7",
        "第二十条第（八）项", "信息内容\t本年收费金额（单位：万元）", "行政事业性收费\t12.5",
    ]
    facts, raw = facts_of(lines, "2021")
    assert facts == {
        "active/regulations/issued": 1, "active/regulations/repealed": 0, "active/regulations/in_force": 12,
        "active/normative_documents/issued": 3, "active/normative_documents/repealed": 1,
        "active/normative_documents/in_force": 45, "active/licensing/decisions": 1234,
        "active/penalties/decisions": 56, "active/enforcement/decisions": 7, "active/fees/amount_wan": 12.5,
    }
    assert raw == {}


# --- row layouts ------------------------------------------------------------------------------
ACTIVE_ROWS = [("规章", ["0", "0", "3"]), ("规范性文件", ["6", "6", "71"]), ("行政许可", ["77", "+2", "9020994"])]
ACTIVE_FACTS = {
    "active/regulations/made": 0, "active/regulations/published": 0, "active/regulations/total": 3,
    "active/normative_documents/made": 6, "active/normative_documents/published": 6,
    "active/normative_documents/total": 71, "active/licensing/previous": 77, "active/licensing/change": 2,
    "active/licensing/decisions": 9020994,
}


def test_pipe_rows_with_markdown_separator():
    lines = ["| 信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |", "|---|---|---|---|"]
    lines += [f"| {label} | " + " | ".join(vals) + " |" for label, vals in ACTIVE_ROWS]
    assert facts_of(lines)[0] == ACTIVE_FACTS


@pytest.mark.parametrize("separated", [True, False])
def test_one_cell_a_line(separated):
    lines = ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"] + ([""] if separated else [])
    for label, vals in ACTIVE_ROWS:
        lines += [label, *vals] + ([""] if separated else [])
    assert facts_of(lines)[0] == ACTIVE_FACTS


def test_one_cell_a_line_with_whitespace_blank_cells():
    # A line holding only whitespace is a blank cell; an empty line ends the row.
    lines = ["\t行政许可", "\t", "\t+2", "\t9", "", "\t行政处罚", "\t5", "\t-1", "\t3"]
    facts = facts_of(lines)[0]
    assert facts == {"active/licensing/change": 2, "active/licensing/decisions": 9,
                     "active/penalties/previous": 5, "active/penalties/change": -1, "active/penalties/decisions": 3}


def test_space_separated_rows_as_pdf_text_gives_them():
    lines = ["行政许可 77 +2 9020994", "1. 属于国家秘密 2 0 0 0 0 0 2", "192 6 12 66 276"]
    facts = facts_of(lines)[0]
    assert facts["active/licensing/change"] == 2
    assert facts["requests/denied.state_secret/total"] == 2


def test_grid_with_spans_expanded():
    grid = [
        ["第二十条第（五）项"] * 5,
        ["信息内容", "信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
        ["行政许可", "行政许可", "3", "", "10"],
        ["其他对外管理服务事项", "行政检查", "1", "0", "4"],
        ["其他对外管理服务事项", "行政确认", "2", "+1", "5"],
        ["第二十条第（八）项"] * 5,
        ["信息内容", "信息内容", "上一年项目数量", "本年增/减", "本年增/减"],
        ["行政事业性收费", "行政事业性收费", "", "-2", "-2"],
    ]
    rec = parse_text(report(["二、主动公开政府信息情况", "", "见下表。"]), tables=[grid])
    assert rec.facts == {
        "active/licensing/previous": 3, "active/licensing/decisions": 10,
        "active/other_services.行政检查/previous": 1, "active/other_services.行政检查/change": 0,
        "active/other_services.行政检查/decisions": 4,
        "active/other_services.行政确认/previous": 2, "active/other_services.行政确认/change": 1,
        "active/other_services.行政确认/decisions": 5, "active/fees/change": -2,
    }


def test_grid_tables_win_and_text_fills_missing_tables():
    grid = [["规章", "1", "2", "3"]]
    text = report(["规章\t9\t9\t9", "", *REVIEWS_TAB])
    rec = parse_text(text, tables=[grid])
    assert rec.facts["active/regulations/made"] == 1  # from the grid (a tie: grids win)
    assert rec.facts["reviews/review/total"] == 3  # from the text: the grids have no reviews table
    rec = parse_text(report(["规章\t9\t9\t9", "规范性文件\t1\t1\t1"]), tables=[grid])
    assert rec.facts["active/regulations/made"] == 9  # the text read more of the table


# --- fitting values to columns ----------------------------------------------------------------
def test_sub_items_positional_under_the_header():
    lines = ["信息内容\t上一年项目数量\t本年增/减\t处理决定数量",
             "其他对外管理服务事项\t行政检查\t-6\t90554", "\t行政确认\t+30\t5715147",
             "第二十条第（六）项\t\t\t", "行政处罚\t1178\t- 227\t20534751"]
    facts = facts_of(lines)[0]
    assert facts == {
        "active/other_services.行政检查/change": -6, "active/other_services.行政检查/decisions": 90554,
        "active/other_services.行政确认/change": 30, "active/other_services.行政确认/decisions": 5715147,
        "active/penalties/previous": 1178, "active/penalties/change": -227, "active/penalties/decisions": 20534751,
    }


def test_sub_item_rows_under_a_lone_other_services_line():
    facts = facts_of(["其他对外管理服务事项", "行政检查\t1\t2\t3", "行政确认\t4\t5\t6"])[0]
    assert facts["active/other_services.行政检查/previous"] == 1
    assert facts["active/other_services.行政确认/decisions"] == 6
    assert not any(k.startswith("active/other_services/") for k in facts)


def test_sub_items_with_three_values_one_cell_a_line():
    lines = ["其他对外管理服务事项", "行政检查", "1", "2", "3", "", "", "行政确认", "4", "5", "6"]
    facts = facts_of(lines)[0]
    assert facts["active/other_services.行政检查/previous"] == 1
    assert facts["active/other_services.行政确认/decisions"] == 6
    assert not any(k.startswith("active/other_services/") for k in facts)


def test_interior_blank_cells_stay_in_place():
    lines = ["信息内容\t上一年项目数量\t本年增/减\t处理决定数量", "行政许可\t77\t\t9020994",
             "行政处罚\t\t-3\t"]
    facts = facts_of(lines)[0]
    assert facts == {"active/licensing/previous": 77, "active/licensing/decisions": 9020994,
                     "active/penalties/change": -3}


def test_fewer_values_without_positions_are_kept_raw_never_guessed():
    # | 规章 | 22 | 235 | under a four-column header: which column is empty is not printed.
    facts, raw = facts_of(["信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量", "规章\t22\t235"])
    assert facts == {} and raw == {"active/regulations/*": "22 235"}
    rec = parse_text(report(["规章\t22\t235", "规范性文件\t1\t1\t1"]))
    assert "active/regulations" in rec.missing and "active/normative_documents" not in rec.missing


def test_fewer_values_placed_by_the_header_positions():
    facts, raw = facts_of(["信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量", "规章\t22\t\t235"])
    assert facts == {"active/regulations/made": 22, "active/regulations/total": 235} and raw == {}


def test_placeholders_and_text_go_to_raw():
    lines = ["行政事业性收费\t10 大项 80 小项\t+ 2（小项）", "规章\t—\t/\t3"]
    facts, raw = facts_of(lines)
    assert raw == {"active/fees/previous": "10 大项 80 小项", "active/fees/change": "+ 2（小项）",
                   "active/regulations/made": "—", "active/regulations/published": "/"}
    assert facts == {"active/regulations/total": 3}


@pytest.mark.parametrize("cells, natural, total", [
    ("14\t4\t0\t0\t0\t0\t0\t18", 14, 18),        # stray before the total
    ("5\t14\t4\t0\t0\t0\t0\t18", 14, 18),        # stray in front: the last seven add up
    ("\t16\t0\t0\t0\t0\t0\t0\t16", 16, 16),      # a blank spanned label slot, then a stray
])
def test_stray_column_resolved_by_the_row_sum(cells, natural, total):
    facts = facts_of([f"1.本机关不掌握相关政府信息\t{cells}"])[0]
    assert facts["requests/unavailable.not_held/natural_person"] == natural
    assert facts["requests/unavailable.not_held/total"] == total
    applicants = [facts[f"requests/unavailable.not_held/{c}"] for c in REQUEST_COLUMNS[:-1]]
    assert sum(applicants) == total


def test_stray_column_without_arithmetic_places_nothing():
    facts, raw = facts_of(["2.重复申请\t1\t2\t3\t4\t5\t6\t7\t99"])
    assert facts == {} and raw == {"requests/not_processed.duplicate/*": "1 2 3 4 5 6 7 99"}


def test_money_conversions():
    facts, raw = facts_of(["信息内容\t采购项目数量\t采购总金额（元）", "政府集中采购\t3\t1500000"])
    assert facts["active/procurement/amount_wan"] == 150 and raw == {"active/procurement/amount_wan": "1500000"}
    facts, raw = facts_of(["政府集中采购\t273\t769552763.68 元"])
    assert facts["active/procurement/amount_wan"] == pytest.approx(76955.276368)
    assert raw == {"active/procurement/amount_wan": "769552763.68 元"}
    facts, raw = facts_of(["政府集中采购\t90\t10709.63 万元"])
    assert facts["active/procurement/amount_wan"] == 10709.63 and raw["active/procurement/amount_wan"] == "10709.63 万元"


def test_label_split_across_rows_is_joined():
    lines = ["\t\t7. 属于行政执法", "案卷\t1\t0\t0\t0\t0\t0\t1"]
    facts = facts_of(lines)[0]
    assert facts["requests/denied.enforcement_file/total"] == 1


def test_wrapped_label_with_the_numbers_after_its_tail():
    # PDF text: a long label wraps, the numbers follow the wrapped words on the next line.
    lines = ["1.本机关不掌握相关政府", "信息 236 6 0 0 0 0 242", "5.要求行政机关确认或重新",
             "出具已获取信息 0 0 0 0 0 0 0", "2.没有现成信息需要另行制作 11 0 0 0 0 0 11"]
    facts = facts_of(lines)[0]
    assert facts["requests/unavailable.not_held/natural_person"] == 236
    assert facts["requests/unavailable.not_held/total"] == 242
    assert facts["requests/not_processed.confirmation/total"] == 0
    assert facts["requests/unavailable.needs_creation/total"] == 11


def test_total_row_versus_total_column_and_other_in_context():
    facts = facts_of(REQ_HEADER + ["（六）其他处理\t\t1\t0\t0\t0\t0\t0\t1", "（七）总计\t\t1\t0\t0\t0\t0\t0\t1"])[0]
    assert facts["requests/other/total"] == 1 and facts["requests/total/natural_person"] == 1
    assert not any(k.startswith("requests/other.other") for k in facts)


def test_narrative_numbers_never_become_cells():
    text = report(["二、主动公开政府信息情况", "", "规章制定情况：本年新制作规章3件，新公开2件。",
                   "予以公开130件", "", "2020年行政许可共计77项。", "", "三、收到和处理政府信息公开申请情况", "",
                   "本年新收政府信息公开申请1409件。"])
    rec = parse_text(text)
    assert rec.facts == {}
    assert rec.raw == {}


# --- reviews ----------------------------------------------------------------------------------
def test_reviews_row_with_a_stray_sixteenth_number():
    lines = REVIEWS_TAB[:3] + ["1\t2\t0\t0\t3\t4\t0\t1\t0\t5\t0\t0\t0\t1\t1\t0"]
    assert facts_of(lines)[0] == REVIEWS_FACTS


def test_reviews_with_blank_cells_keep_positions():
    lines = REVIEWS_TAB[:3] + ["\t2\t\t\t2\t4\t0\t1\t0\t5\t\t\t\t\t"]
    facts = facts_of(lines)[0]
    assert facts["reviews/review/corrected"] == 2 and "reviews/review/upheld" not in facts
    assert facts["reviews/litigation_direct/total"] == 5
    assert not any(k.startswith("reviews/litigation_after_review") for k in facts)


def test_reviews_transposed_one_row_per_kind():
    lines = ["\t结果维持\t结果纠正\t其他结果\t尚未审结\t总计",
             "行政复议\t1\t2\t0\t0\t3", "未经复议直接起诉\t4\t0\t1\t0\t5", "复议后起诉\t0\t0\t0\t1\t1"]
    assert facts_of(lines)[0] == REVIEWS_FACTS


def test_reviews_litigation_on_one_row_of_ten():
    lines = ["\t\t结果维持\t结果纠正\t其他结果\t尚未审结\t总计",
             "行政复议\t\t1\t2\t0\t0\t3", "行政诉讼\t未经复议直接起诉\t4\t0\t1\t0\t5\t0\t0\t0\t1\t1"]
    assert facts_of(lines)[0] == REVIEWS_FACTS


def test_reviews_numbers_one_a_line():
    lines = ["行政复议", "行政诉讼", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉",
             "复议后起诉", *REVIEWS_TAB[3].split("\t")]
    assert facts_of(lines)[0] == REVIEWS_FACTS
