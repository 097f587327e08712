"""Recognition: title, agency, year, signing date, sections and template."""
from __future__ import annotations

import pytest

from parsers.api import build_record
from parsers.document import Document
from parsers.recognize import find_agency, find_published, find_sections, find_template, find_title, find_year

SECTION_LINES = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                 "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
SECTIONS = [line[2:] for line in SECTION_LINES]


@pytest.mark.parametrize("text, title, agency, year", [
    ("北京市公安局\n\n2020 年政府信息公开工作年度报告\n\n正文", "北京市公安局2020年政府信息公开工作年度报告", "北京市公安局", 2020),
    ("北京市人民政府办公厅    2020年政府信息公开工作年度报告   \n正文", "北京市人民政府办公厅2020年政府信息公开工作年度报告", "北京市人民政府办公厅", 2020),
    ("# 蚌埠市公安局 2020 年政府信息公开工作年度报告\n\n正文", "蚌埠市公安局2020年政府信息公开工作年度报告", "蚌埠市公安局", 2020),
    ("关于广州市生态环境局2021年度政府信息公开工作年度报告\n正文", None, "广州市生态环境局", 2021),
    ("二〇二二年上海市浦东新区人民政府政府信息公开工作年度报告\n正文", None, "上海市浦东新区人民政府", 2022),
    ("公安局 2020 年政府信息公开工作年度报告\n正文", None, None, 2020),  # no place: no agency guessed
    ("北京市公安局政府信息公开工作年度报告（2020年）\n正文", None, "北京市公安局", 2020),
])
def test_title_agency_year(text, title, agency, year):
    found = find_title(text)
    if title:
        assert found == title
    assert find_agency(found, text) == agency
    assert find_year(found, text) == year


def test_title_from_metadata_when_the_text_has_none():
    title = find_title("正文第一段。", "西安市公安局2020年政府信息公开工作年度报告_西安市公安局")
    assert title == "西安市公安局2020年政府信息公开工作年度报告"


def test_agency_from_the_signature_when_the_title_has_none():
    text = "政府信息公开工作年度报告\n\n正文。\n\n济源示范区公安局\n\n2021年1月15日"
    assert find_agency(find_title(text), text) == "济源示范区公安局"


@pytest.mark.parametrize("tail, published", [
    ("北京市公安局\n\n2021年1月7日", "2021-01-07"),
    ("北京市公安局\n2021 年 1 月 7 日", "2021-01-07"),
    ("北京市公安局\n2021-01-07", "2021-01-07"),
    ("北京市公安局\n二〇二一年一月二十七日", "2021-01-27"),
    ("北京市公安局  2021年3月1日", "2021-03-01"),
    ("2020年未收取信息公开处理费用。", None),
    ("本报告统计期限自2020年1月1日起至2020年12月31日止，如有疑问请来电咨询。", None),
])
def test_published_is_the_signing_date_at_the_end(tail, published):
    text = f"标题\n\n正文于2020年5月1日发布了通知。\n\n{tail}"
    assert find_published(text) == published


def test_published_falls_back_to_metadata():
    assert find_published("正文。", "2021-01-25") == "2021-01-25"
    assert find_published("正文。\n\n2021年1月7日", "2021-01-25") == "2021-01-07"


def test_sections_markdown_and_plain():
    text = "\n\n".join(["# 标题", "## 一、总体情况", "正文", "### 二、主动公开政府信息情况",
                       "**（一）主动公开情况**。正文", "#### 三、收到和处理政府信息公开申请情况"])
    assert find_sections(text) == ["总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况"]


def test_sections_skip_list_items_table_rows_and_intro():
    text = "\n\n".join([
        "本报告由**总体情况、主动公开政府信息情况**六部分组成。",
        SECTION_LINES[0], SECTION_LINES[1],
        "一、本年新收政府信息公开申请数量\t1\t0\t0\t0\t0\t0\t1",
        "\t一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "三、本年度办理结果",
        SECTION_LINES[2], "四、结转下年度继续办理", SECTION_LINES[3], SECTION_LINES[4],
        "一、政府信息公开的质效有待进一步提升，形式有待改进。", "二、对于规范性文件，坚持谁起草谁解读。",
        SECTION_LINES[5],
    ])
    assert find_sections(text) == SECTIONS


def test_sections_keep_a_wrong_title_as_printed():
    lines = SECTION_LINES.copy()
    lines[2] = "三、主动公开政府信息情况"
    assert find_sections("\n\n".join(lines))[2] == "主动公开政府信息情况"


def test_heading_with_a_trailing_full_stop():
    assert find_sections("一、总体情况。\n\n二、主动公开政府信息情况") == ["总体情况", "主动公开政府信息情况"]


def test_seven_sections():
    lines = SECTION_LINES[:4] + ["五、存在的主要问题", "六、下步工作措施", "七、其他需要报告的事项"]
    assert find_sections("\n".join(lines)) == [line[2:] for line in lines]


BODY = "一、总体情况\n" + "本机关认真贯彻落实政府信息公开条例，持续推进政务公开工作，主动公开政府信息。" * 5


@pytest.mark.parametrize("text, year, title, has_tables, template", [
    ("本年制发件数 现行有效件数", 2021, "X局2021年政府信息公开工作年度报告", True, "2021"),
    ("本年新制作数量 上一年项目数量", 2020, "X局2020年政府信息公开工作年度报告", True, "2019"),
    ("第二十条第（一）项", 2022, "X局2022年政府信息公开工作年度报告", True, "2021"),
    ("第二十条第（一）项", 2019, "X局2019年政府信息公开工作年度报告", True, "2019"),
    (BODY, 2017, "X局2017年政府信息公开工作年度报告", False, "legacy"),
    ("正文", 2021, "关于做好2021年政府信息公开工作年度报告编制工作的通知", False, "unknown"),
    ("正文", 2021, "2021年政务公开工作要点", False, "unknown"),
    ("正文", None, "市公安局召开会议", False, "unknown"),
    ("正文", 2021, "我市发布2020年政府信息公开工作年度报告", False, "unknown"),  # news about a report
    ("正文", 2020, "政府信息公开年报", False, "unknown"),  # a listing page
    ("正文", 2020, "我市发布2020年政府信息公开工作年度报告", True, "2019"),  # tables make a report
    (BODY, 2020, "X局2020年政府信息公开工作年度报告", False, "2019"),  # tables as images
    # a page that is only the report's title (the report is an attached file): no report here
    ("X局2020年政府信息公开工作年度报告\n发布时间: 2021-01-28", 2020, "X局2020年政府信息公开工作年度报告", False,
     "unknown"),
])
def test_template(text, year, title, has_tables, template):
    assert find_template(text, year, title, has_tables) == template


def test_unknown_and_legacy_records_carry_no_facts():
    body = "\n规章\t1\t2\t3\n\n一、本年新收政府信息公开申请数量\t1\t0\t0\t0\t0\t0\t1\n"
    notice = build_record(Document(text="关于做好2021年政府信息公开工作年度报告编制工作的通知\n\n正文。\n"))
    legacy = build_record(Document(text="X局2017年政府信息公开工作年度报告\n" + body))
    assert (notice.template, notice.facts) == ("unknown", {})
    assert (legacy.template, legacy.facts, legacy.year) == ("legacy", {}, 2017)


def test_record_fields_and_metadata_fallbacks():
    doc = Document(text="正文。\n\n一、总体情况\n\n规章\t1\t2\t3\n", title="X市测试局2020年政府信息公开工作年度报告-X市",
                   published="2021-01-20", format="html")
    rec = build_record(doc)
    assert (rec.agency, rec.year, rec.template, rec.published, rec.format) == \
        ("X市测试局", 2020, "2019", "2021-01-20", "html")
    assert rec.facts == {"active/regulations/made": 1, "active/regulations/published": 2,
                         "active/regulations/total": 3}


def test_agency_from_the_metadata_title_when_the_heading_has_none():
    doc = Document(text="2020年政府信息公开工作年度报告\n\n正文。", title="北京市公安局2020年政府信息公开工作年度报告_首都之窗")
    assert build_record(doc).agency == "北京市公安局"
