"""Metadata the way real reports print it: wrapped titles, field labels, dates with trailing
text, page dates, fake bold. (The round-trip layouts text_wrapped_title, text_info_block,
text_signed_attachments, text_fake_bold and pdf_fake_bold test each class on whole reports.)"""
from __future__ import annotations

import pytest

from parsers.formats.text import collapse_fake_bold, normalize_text
from parsers.recognize import find_agency, find_published, find_sections, find_title, find_year

TITLE = "平潭县人民政府2020年政府信息公开工作年度报告"


@pytest.mark.parametrize("head", [
    "平潭县人民政府\n2020年政府信息公开工作年度报告",
    "平潭县人民政府2020年\n政府信息公开工作年度报告",
    "　　平潭县人民政府2020年政府信息公开\n　　工作年度报告",
    "平潭县人民政府2020年政府信息公开工作年度\n报告",
    "平潭县人民政府\n2020年政府信息公开\n工作年度报告",
    "标题：平潭县人民政府2020年政府信息公开工作年度报告",
    "标 题: 平潭县人民政府2020年政府信息公开工作年度报告",
    "索引号：11350128/2021-00012\n名称：平潭县人民政府2020年政府信息公开工作年度报告\n发布机构：平潭县人民政府",
    "索引号：11350128/2021-00012　标题：平潭县人民政府2020年政府信息公开工作年度报告　发布机构：平潭县人民政府",
    "标题\t平潭县人民政府2020年政府信息公开工作年度报告",
])
def test_title_agency_and_year_survive_wrapping_and_labels(head):
    text = f"{head}\n\n本报告依据条例编制。\n\n一、总体情况\n\n正文。"
    title = find_title(text)
    assert title == TITLE
    assert find_agency(title, text) == "平潭县人民政府"
    assert find_year(title, text) == 2020


def test_a_line_above_is_not_joined_to_a_complete_title():
    text = "首页\n平潭县人民政府2020年政府信息公开工作年度报告\n正文。"
    assert find_title(text) == TITLE


def test_an_agency_never_keeps_a_field_label():
    assert find_agency("标题:平潭县人民政府2020年政府信息公开工作年度报告", "") == "平潭县人民政府"


@pytest.mark.parametrize("tail, published", [
    ("平潭县人民政府\n二○一二年二月二十日 附件1：政府信息公开情况统计表\n规章\t1\t2", "2012-02-20"),
    ("平潭县人民政府\n2021年1月20日（此件公开发布）", "2021-01-20"),
    # statistics printed as attachments after the signature
    ("平潭县人民政府\n2021年1月20日\n\n附件1\n" + "\n".join(f"行{n}\t{n}\t{n}" for n in range(20)), "2021-01-20"),
    ("2021年1月20日\n附件：统计表\n" + "\n".join(f"说明第{n}行，见上。" for n in range(12)), "2021-01-20"),
    # a date in the middle of the body with trailing text is no signature
    ("会议于2021年1月20日召开。\n" + "\n".join(f"说明第{n}行，见上。" for n in range(12)), None),
])
def test_signing_date_with_text_after_it_or_before_attachments(tail, published):
    text = f"标题\n\n正文于2020年5月1日发布了通知。\n\n{tail}"
    assert find_published(text) == published


def test_agency_from_a_signature_before_attachments():
    text = "政府信息公开工作年度报告\n正文。\n平潭县人民政府\n2021年1月20日 附件1：统计表\n" + "行\t1\t2\n" * 10
    assert find_agency(find_title(text), text) == "平潭县人民政府"


def test_unsigned_reports_take_the_page_date_else_none():
    page = "索引号：x\n发布日期：2021-01-25\n标题：某报告\n正文。\n"
    assert find_published(page) == "2021-01-25"  # a saved page's 发布日期, not taken for a signature
    assert find_published(page, "2021-01-26") == "2021-01-26"  # the format's metadata first
    assert find_published(page + "平潭县人民政府\n2021年1月20日") == "2021-01-20"  # signed: the signature
    assert find_published("正文。\n") is None


def test_fake_bold_headings_are_printed_once():
    text = "一一一、、、总总总体体体情情情况况况\n本年共收到申请112233件。\n二二、、主主动动公公开开情情况况\n一一对应"
    assert normalize_text(text).split("\n") == ["一、总体情况", "本年共收到申请112233件。", "二、主动公开情况", "一一对应"]
    assert find_sections(normalize_text(text)) == ["总体情况", "主动公开情况"]


@pytest.mark.parametrize("line", ["112233", "谢谢大家", "人人有责", "2020\t11\t22\t33", "0 0 0 0", "一一对应"])
def test_text_that_only_looks_doubled_is_kept(line):
    assert collapse_fake_bold(line) == line


# --- flattened text: a page's body saved on one line (paragraphs and cells run together) ----------

FLAT = ("本报告依据条例编制，统计期限为2021年1月1日至2021年12月31日。一、总体情况 2021年，我局坚持公开为常态。"
        "二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000"
        "三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和）申请人情况自然人"
        "一、本年新收政府信息公开申请数量1000001三、本年度办 理结果 （一）予以公开1000001"
        "四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计000000000000000"
        "五、存在的主要问题及改进情况一年来，我局工作仍有不足，需统一、规范公开流程。" + "继续推进公开。" * 40 +
        "六、其他需要报告的事项无 平潭综合实验区财政金融局 2022年1月27日 （联系人：林某，电话：0591-1234567） 附件下载")


def test_sections_glued_to_their_first_sentence_are_cut_there():
    assert find_sections(FLAT) == ["总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况",
                                   "政府信息公开行政复议、行政诉讼情况", "存在的主要问题及改进情况", "其他需要报告的事项"]


def test_a_heading_drawn_as_a_full_width_table_row_is_a_section():
    text = "一、总体情况\n正文。\n二、主动公开政府信息情况\t二、主动公开政府信息情况\t二、主动公开政府信息情况\n规章\t0\t0"
    assert find_sections(text) == ["总体情况", "主动公开政府信息情况"]


def test_the_signature_ending_flattened_text():
    assert find_published(FLAT) == "2022-01-27"
    assert find_agency("政府信息公开工作年度报告", FLAT) == "平潭综合实验区财政金融局"
    legacy = "…工作常规化。 二○一二年二月二十日 附件1：平潭县人民政府2011年政府信息公开情况统计表 指标名称计量单位主动公开信息数条4251516"
    assert find_published(legacy) == "2012-02-20"
    # a date inside a sentence is no signature, whatever follows
    assert find_published("…经区政府2021年1月26日会议研究，决定如下。" * 3) is None


def test_agency_after_the_year_or_from_the_publisher_field():
    assert find_agency("2024年平潭综合实验区公安局“双随机、一公开”抽查工作计划", "") == "平潭综合实验区公安局"
    assert find_agency("平潭综合实验区社会事业局关于2022年法治工作情况的报告", "") == "平潭综合实验区社会事业局"
    assert find_agency("2021年度法治政府建设情况报告", "") is None  # 法治政府 is no agency
    assert find_agency("政府信息公开工作年度报告", "发布机构: 平潭综合实验区投资促进局\n正文。") == "平潭综合实验区投资促进局"


def test_no_year_for_a_listing_of_many_years_reports():
    listing = "\n".join(f"某区{y}年度政府信息公开工作年度报告 {y + 1}-01-20" for y in range(2016, 2026))
    assert find_year(None, listing) is None
    assert find_year(None, "2020年，本机关…。2020年共收到申请。2021年将继续。2020年12月31日") == 2020


# A PDF's metadata title can be a leftover of the template it was made from (decoy_06 of the
# real corpus: "附件2：预算主管部门公开样张"), while its cover prints the agency over lines.
LEFTOVER = "附件2：预算主管部门公开样张"


@pytest.mark.parametrize("cover, agency", [
    ("中共上海市普陀区委\n社会工作部 2024年度\n部门决算\n目 录", "中共上海市普陀区委社会工作部"),
    ("上海市普陀区财政局\n2024年度部门决算\n目 录", "上海市普陀区财政局"),
    # the year before any agency, a sentence, navigation: no agency from the cover
    ("2024年度部门决算\n上海市普陀区财政局\n目 录", None),
    ("本部门依法编制了2024年度部门决算。\n目 录", None),
    ("首页 > 信息公开 > 2024年\n部门决算", None),
    ("上海市普陀区财政局关于做好2024年度工作的通知", None),
])
def test_agency_from_a_cover_heading_when_the_metadata_title_is_a_leftover(cover, agency):
    from parsers.api import build_record
    from parsers.document import Document

    text = f"{cover}\n第一部分 概况\n一、主要职能\n负责财政工作，统筹推进改革，做好服务保障。"
    assert build_record(Document(text=text, title=LEFTOVER, format="pdf")).agency == agency


@pytest.mark.parametrize("agency, split", [("中共上海市普陀区委社会工作部", 9), ("北京市朝阳区财政局", 6)])
def test_a_generated_final_accounts_pdf_names_its_cover_agency_and_states_nothing_else(agency, split):
    """The class of decoy_06 as a generated PDF: a 部门决算 whose metadata title is another
    file's, the agency wrapped on the cover, numbered parts and a table of money."""
    import io

    from reportlab.pdfgen.canvas import Canvas

    from layouts.render_pdf import FONT, _register
    from parsers import parse

    _register()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(595, 842))
    canvas.setTitle(LEFTOVER)
    canvas.setFont(FONT, 20)
    for n, line in enumerate([agency[:split], f"{agency[split:]} 2024年度", "部门决算"]):
        canvas.drawCentredString(297, 700 - 30 * n, line)
    canvas.setFont(FONT, 11)
    body = ["目 录", f"第一部分 {agency}概况", "一、主要职能", "第二部分 2024年度部门决算表",
            "一、收入支出决算总表", "项目 决算数", "一般公共预算财政拨款收入 307.82", "本年收入合计 307.82"]
    for n, line in enumerate(body):
        canvas.drawString(80, 560 - 20 * n, line)
    canvas.showPage()
    canvas.save()
    record = parse(buffer.getvalue(), "juesuan.pdf")
    assert (record.agency, record.year, record.template, record.facts) == (agency, 2024, "unknown", {})
    assert record.violations == []
