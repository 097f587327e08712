"""Tables whose cells run together (``规章000规范性文件898989``): a row is read only where the
document leaves one reading; the shapes are those of the real corpus (tests/data/real)."""
from __future__ import annotations

from parsers.glued import _sum_holds, read_glued, readings

ACTIVE_2019 = ("二、主动公开政府信息情况第二十条第（一）项信息内容本年新制作数量本年新公开数量对外公开总数量"
               "规章007规范性文件898989第二十条第（五）项信息内容上一年项目数量本年增/减处理决定数量"
               "行政许可4500其他对外管理服务事项000第二十条第（六）项信息内容上一年项目数量本年增/减处理决定数量"
               "行政处罚2648-18538行政强制000第二十条第（八）项信息内容上一年项目数量本年增/减行政事业性收费35-15"
               "第二十条第（九）项信息内容采购项目数量采购总金额政府集中采购2笔 984361元")
HEADER = ("三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
          "申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他")


def test_spaces_separate_cells_and_zeros_never_lead():
    assert readings("10 0 00 0 1", 7) == [["1", "0", "0", "0", "0", "0", "1"]]
    assert readings("0 00000", 7) == []  # six digits for seven cells: no reading
    assert sorted(readings("4500", 3)) == [["4", "50", "0"], ["45", "0", "0"]]
    summing = [r for r in readings("1400000 14", 7) if _sum_holds(r)]
    assert summing == [["14", "0", "0", "0", "0", "0", "14"]]


def test_active_rows_one_reading_or_the_shared_leading_cells():
    reading = read_glued("本报告…规章制度…" + ACTIVE_2019, "2019")
    facts = reading.facts
    assert [facts[f"active/regulations/{c}"] for c in ("made", "published", "total")] == [0, 0, 7]
    assert not any(k.startswith("active/normative_documents/") for k in facts)  # 898989: many readings
    assert not any(k.startswith("active/licensing/") for k in facts)  # 4500: two readings
    assert facts["active/penalties/previous"] == 2648  # the minus starts 本年增/减
    assert "active/penalties/change" not in facts
    assert facts["active/fees/previous"] == 35 and facts["active/fees/change"] == -15
    assert facts["active/procurement/count"] == 2
    assert facts["active/procurement/amount_wan"] == 98.4361 and reading.raw["active/procurement/amount_wan"] == "984361元"


def test_requests_rows_by_their_row_sums_and_the_next_ordinal():
    text = (HEADER + "一、本年新收政府信息公开申请数量160 02 0 018二、上年结转政府信息公开申请数量0 0 0 0 0 00"
            "三、本年度办理结果（一）予以公开120 02 0 014（二）部分公开（区分处理的，只计这一情形，不计其他情形）00 0 0 0 0 0"
            "（三）不予公开1.属于国家秘密0 0 0 0 0 002.其他法律行政法规禁止公开3100000313.危及“三安全一稳定”0000000")
    facts = read_glued(text, "2021").facts
    assert [facts[f"requests/new/{c}"] for c in ("natural_person", "social_welfare", "total")] == [16, 2, 18]
    assert facts["requests/granted/total"] == 14
    assert facts["requests/denied.prohibited_by_law/natural_person"] == 31  # …31|3.危及: the next ordinal
    assert facts["requests/denied.prohibited_by_law/total"] == 31
    assert facts["requests/denied.three_safeties/total"] == 0


def test_reviews_run_read_by_the_three_row_sums():
    text = ("四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计未经复议直接起诉复议后起诉"
            "结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计1 02 0 312 00 012 0 00 00五、存在的主要问题")
    facts = read_glued(HEADER + "一、本年新收政府信息公开申请数量0000000" + text, "2021").facts
    assert [facts[f"reviews/review/{c}"] for c in ("upheld", "corrected", "other", "pending", "total")] == [1, 0, 2, 0, 3]
    assert facts["reviews/litigation_direct/total"] == 12 and facts["reviews/litigation_after_review/total"] == 0


def test_prose_with_numbers_is_never_a_glued_table():
    text = "2023年，共发布规章3件，行政规范性文件228份，予以公开21件，行政许可221件。"
    assert read_glued(text, "2021").facts == {}
