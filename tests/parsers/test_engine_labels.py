"""Label matching: a label cell must BE the label, in any of its printed variants."""
from __future__ import annotations

import pytest

from parsers.labels import Label, classify, header_in_yuan, normalize, subitem_name


@pytest.mark.parametrize("text, core", [
    ("三、本 年度办 理结果", "本年度办理结果"),
    ("(三) 不予公 开", "不予公开"),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "部分公开"),
    ("三、（一）予以公开", "予以公开"),
    ("1. 属于国家秘密", "属于国家秘密"),
    ("3.危及“三安全一稳定”", "危及三安全一稳定"),
    ("**行政许可**", "行政许可"),
])
def test_normalize(text, core):
    assert normalize(text) == core


@pytest.mark.parametrize("text, key", [
    ("一、本年新收政府信息公开申请数量", "new"),
    ("本年新收政府信息公开申请数量", "new"),
    ("二、上年结转政府信息公开申请数量", "carried_over"),
    ("(一) 予以公开", "granted"),
    ("(二) 部分公开 (区分处理的, 只计这一情形, 不计其他情形)", "partially_granted"),
    ("1.属于国家秘密", "denied.state_secret"),
    ("2. 其他法律法规禁止公开", "denied.prohibited_by_law"),
    ("3. 危及“三安全一稳定”", "denied.three_safeties"),
    ("4.保护第三方合法权益", "denied.third_party"),
    ("5.属于三类内部事务信息", "denied.internal_affairs"),
    ("6.属于四类过程性信息", "denied.process_info"),
    ("7. 属于行政执法案卷", "denied.enforcement_file"),
    ("8.属于行政查询事项", "denied.query_matter"),
    ("1.本机关不掌握相关政府信息", "unavailable.not_held"),
    ("2.没有现成信息需要另行制作", "unavailable.needs_creation"),
    ("3.补正后申请内容仍不明确", "unavailable.unclear"),
    ("1.信访举报投诉类申请", "not_processed.petition"),
    ("2.重复申请", "not_processed.duplicate"),
    ("3.要求提供 公开出版物", "not_processed.publication"),
    ("4.无正当理由大量反复 申请", "not_processed.excessive"),
    ("5. 要求行政 机关确认或 重新出具已 获取信息", "not_processed.confirmation"),
    ("(六) 其他处理", "other"),
    ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "other.no_correction"),
    ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "other.unpaid_fee"),
    ("3.其他", "other.other"),
    ("（七）总计", "total"),
    ("四、结转下年度继续办理", "carried_forward"),
])
def test_request_rows(text, key):
    assert classify(text) == Label("request", key)


@pytest.mark.parametrize("text, key", [
    ("规章", "regulations"), ("规范性文件", "normative_documents"), ("行政规范性文件", "normative_documents"),
    ("行政许可", "licensing"), ("其他对外管理服务事项", "other_services"), ("行政处罚", "penalties"),
    ("行政强制", "enforcement"), ("行政事业性收费", "fees"), ("政府集中采购", "procurement"),
])
def test_active_rows(text, key):
    assert classify(text) == Label("active", key)


@pytest.mark.parametrize("text", [
    "2020年，市局共收到政府信息公开申请1409件，其中予以公开130件。",
    "本年新收公民、法人和其他组织向市政府提出的政府信息公开申请2158件。",
    "行政法规、规章和规范性文件",
    "办理行政许可和其他对外管理服务事项的依据、条件、程序以及办理结果",
    "政府集中采购项目的目录、标准及实施情况",
    "予以公开130件",
    "第二十条第（一）项",
    "信息内容",
])
def test_narrative_and_group_titles_are_not_row_labels(text):
    label = classify(text)
    assert label is None or label.kind not in ("request", "active")


@pytest.mark.parametrize("text, kind", [
    ("(三) 不予公开", "request_group"), ("（四）无法提供", "request_group"), ("三、本年度办理结果", "request_group"),
    ("结果 维持", "review_header"), ("行政诉讼", "review_header"), ("复议后起诉", "review"),
    ("本年增/减", "active_header"), ("采购总金额（万元，保留四位小数）", "active_header"),
    ("本年收费金额（单位：万元）", "active_header"), ("现行有效件数", "active_header"),
])
def test_groups_and_headers(text, kind):
    assert classify(text).kind == kind


def test_header_in_yuan():
    assert header_in_yuan("采购总金额（元）")
    assert not header_in_yuan("采购总金额（万元，保留四位小数）")
    assert not header_in_yuan("采购项目数量")


def test_subitem_names():
    assert subitem_name("行政检查") == "行政检查"
    assert subitem_name(" 行政 确认 ") == "行政确认"
    for text in ("第二十条第（六）项", "信息内容", "10 大项", "", "上一年项目数量"):
        assert subitem_name(text) is None
