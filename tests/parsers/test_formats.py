"""Format readers: grids equal to the generated source grids, text order, metadata, sniffing."""
from __future__ import annotations

import io
import re

import pytest
from layouts import LAYOUTS, expand, sample_report, tables
from layouts.content import SECTIONS
from layouts.render_html import html_bytes, render_html

from parsers.errors import EmptyDocument
from parsers.formats import read_document, sniff
from parsers.formats import html as html_reader
from parsers.formats.pdf import normalize_spacing, stitch


def _squash(grid):
    """Cell texts without whitespace: a reader may break a long label with a space."""
    return [[re.sub(r"\s+", "", cell) for cell in row] for row in grid]


GRID_LAYOUTS = ["html_utf8", "html_gbk_no_charset", "html_gbk_gb2312_meta", "html_plain_cells",
                "html_layout_table", "html_two_column_table", "pdf", "pdf_break_in_span", "pdf_split_row",
                "pdf_one_path_rules", "pdf_word_export", "pdf_page_furniture", "docx"]


@pytest.mark.parametrize("layout", GRID_LAYOUTS)
@pytest.mark.parametrize("seed", [1, 2, 7])
def test_grids_equal_the_source_tables(layout, seed):
    report = sample_report(seed)
    data, name = LAYOUTS[layout].render(report)
    document = read_document(data, name)
    expected = tables(report)
    assert [_squash(g) for g in document.tables] == [_squash(expand(t)) for t in expected.values()]


@pytest.mark.parametrize("layout", GRID_LAYOUTS)
def test_grids_keep_blank_cells_blank(layout):
    report = sample_report(11, template="2021")
    report.blanks = frozenset(k for k, v in report.values.items() if v == 0)
    assert report.blanks, "the sample should have zeros to blank"
    data, name = LAYOUTS[layout].render(report)
    document = read_document(data, name)
    assert [_squash(g) for g in document.tables] == [_squash(expand(t)) for t in tables(report).values()]


@pytest.mark.parametrize("layout", GRID_LAYOUTS + ["text_tabs", "text_cells", "text_pipes_markdown"])
def test_text_keeps_reading_order(layout):
    report = sample_report(5)
    data, name = LAYOUTS[layout].render(report)
    text = read_document(data, name).text
    # Sections, narrative and the table rows appear in document order.
    marks = [SECTIONS[0], "共收到政府信息公开申请", SECTIONS[1], "第二十条第（一）项", SECTIONS[2],
             "本年新收政府信息公开申请数量", "结转下年度继续办理", SECTIONS[3], "复议后起诉",
             SECTIONS[4], SECTIONS[5], report.signed_text()]
    squashed = re.sub(r"\s+", "", text)
    positions = [squashed.find(re.sub(r"\s+", "", m)) for m in marks]
    assert -1 not in positions, [m for m, p in zip(marks, positions) if p == -1]
    assert positions == sorted(positions)


@pytest.mark.parametrize("layout", ["html_utf8", "pdf", "docx"])
def test_table_rows_are_tab_separated_lines_in_text(layout):
    report = sample_report(8)
    data, name = LAYOUTS[layout].render(report)
    document = read_document(data, name)
    lines = document.text.split("\n")
    for grid in document.tables:
        for row in grid:
            assert "\t".join(row) in lines


def test_html_title_published_and_no_chrome():
    report = sample_report(3)
    document = read_document(html_bytes(report, pubdate="2021-02-03"), "a.html")
    assert document.format == "html"
    assert document.title == report.title
    assert document.published == "2021-02-03"
    assert "网站标识码" not in document.text and "当前位置" not in document.text
    assert "相关年报" not in document.text


def test_html_published_from_info_line_when_no_meta():
    report = sample_report(3)
    page = render_html(report, pubdate=None).replace(
        "</h1>", "</h1><div class='info'>发布日期：2022年01月05日</div>")
    assert read_document(page.encode(), "a.html").published == "2022-01-05"


def test_visit_counters_do_not_change_the_text():
    report = sample_report(4)
    one = render_html(report)
    two = one.replace(">1234<", ">98765<").replace(">5678<", ">5679<")
    text_one = read_document(one.encode(), "a.html").text
    assert "浏览次数" not in text_one and "访问量：" not in text_one
    assert text_one == read_document(two.encode(), "a.html").text
    # A sentence that merely mentions visits is report content and stays.
    assert "全年网站访问量达10.8万次" in text_one


def test_nested_tables_are_read_once():
    inner = "<table><tr><td>规章</td><td>1</td></tr><tr><td>规范性文件</td><td>2</td></tr></table>"
    page = (f"<html><body><table><tr><td><p>报告正文第一段，共收到申请5件。</p>{inner}"
            f"<p>报告正文第二段。</p></td></tr></table></body></html>")
    document = read_document(page.encode(), "x.html")
    assert document.tables == [[["规章", "1"], ["规范性文件", "2"]]]
    assert "规章\t1" in document.text.split("\n")


def test_cell_text_whitespace_and_breaks():
    page = ("<html><body><p>正文。</p><table><tr><td rowspan='2'>（三）不予<br>公开</td><td><p>1.属于</p><p>国家秘密</p></td>"
            "<td>&nbsp;3 </td></tr><tr><td>2. 其他</td><td></td></tr></table></body></html>")
    document = read_document(page.encode(), "x.html")
    assert document.tables == [[["（三）不予公开", "1.属于国家秘密", "3"], ["（三）不予公开", "2. 其他", ""]]]


def test_javascript_shell_page_is_empty():
    page = b"<html><head><script>location.href='/x'</script></head><body><div id='app'></div></body></html>"
    with pytest.raises(EmptyDocument):
        read_document(page, "x.html")


def test_html_sniffed_from_bytes_whatever_the_name():
    report = sample_report(2)
    assert sniff(html_bytes(report), "report.pdf") == "html"  # an error page behind a .pdf link
    assert sniff(html_bytes(report), "https://x.gov.cn/art/2021/1/5/art_1.html?id=3") == "html"
    assert sniff("报告全文".encode(), "https://x.gov.cn/download?id=3") == "text"


def test_text_reader_keeps_lines():
    data = "# 标题\n\n规章\t0\t0\t\n| a | b |\n\u00a0一行\r\n".encode("utf-8-sig")
    document = read_document(data, "a.md")
    assert document.text == "# 标题\n\n规章\t0\t0\t\n| a | b |\n 一行"
    assert document.tables == [] and document.format == "text"


def test_pdf_spacing_normalisation():
    assert normalize_spacing("2023 年 1 月 5 日，共 77 件") == "2023年1月5日，共77件"
    assert normalize_spacing("规章 0 0 0") == "规章 0 0 0"
    assert normalize_spacing("（七）总计 5209 8863") == "（七）总计 5209 8863"
    assert normalize_spacing("1. 属于国家秘密 2 0") == "1. 属于国家秘密 2 0"


def test_stitch_rejoins_a_split_row_and_a_cut_span():
    first = [["结果", "（五）不予处理", "5.要求行政机关确认或重", "1", "2"]]
    rest = [["", "", "新出具已获取信息", "", ""], ["", "（六）其他处理", "（六）其他处理", "0", "0"]]
    assert stitch(first, rest) == [
        ["结果", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息", "1", "2"],
        ["结果", "（六）其他处理", "（六）其他处理", "0", "0"],
    ]
    # Two real rows are not joined, and a blank number is not filled from above.
    first = [["（三）不予公开", "7.属于行政执法案卷", "3", "4"]]
    rest = [["", "8.属于行政查询事项", "", "5"]]
    assert stitch(first, rest) == [first[0], ["（三）不予公开", "8.属于行政查询事项", "", "5"]]


def test_html_reader_accepts_a_content_type_charset():
    report = sample_report(6)
    data = html_bytes(report, "gb18030", declare=None)
    document = html_reader.read(data, "x.html", content_type="text/html; charset=GBK")
    assert document.title == report.title


def test_docx_core_title_and_format():
    report = sample_report(9)
    data, name = LAYOUTS["docx"].render(report)
    document = read_document(data, name)
    assert document.format == "docx" and document.title == report.title


def test_pdf_title_and_format():
    report = sample_report(9)
    data, name = LAYOUTS["pdf"].render(report)
    document = read_document(data, name)
    assert document.format == "pdf" and document.title == report.title
    assert document.text.splitlines()[0] == report.title


def test_html_page_of_tables_only_keeps_its_text():
    """trafilatura returns nothing for a page that is nearly all tables: the page text is kept."""
    from layouts.render_html import table_html

    report = sample_report(2)
    grids = tables(report)
    page = (f"<html><head><title>{report.title}</title></head><body><h1>{report.title}</h1>"
            f"{table_html(grids['requests'])}<p>{report.signed_text()}</p></body></html>")
    document = read_document(page.encode(), "a.html")
    lines = document.text.split("\n")
    assert lines[0] == report.title and lines[-1] == report.signed_text()
    assert "\t".join(expand(grids["requests"])[3]) in lines


def test_docx_content_controls_are_read():
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    document.add_paragraph("第一段")
    sdt = parse_xml(f"<w:sdt {nsdecls('w')}><w:sdtContent><w:p><w:r><w:t>控件里的段落</w:t></w:r></w:p>"
                    f"</w:sdtContent></w:sdt>")
    document.element.body.insert(1, sdt)
    buffer = io.BytesIO()
    document.save(buffer)
    assert read_document(buffer.getvalue(), "a.docx").text == "第一段\n控件里的段落"


def test_pdf_digits_in_another_font_lose_their_extraction_spaces():
    """Word-made PDFs set digits in a Latin font: the text layer gets "2023 年"; the reader joins them."""
    from layouts.render_pdf import FONT, _register
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    _register()
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    x = 72.0
    for part, font in [("2023", "Helvetica"), ("年，共收到申请", FONT), ("77", "Helvetica"), ("件。", FONT)]:
        canvas.setFont(font, 10.5)
        canvas.drawString(x, 700, part)
        x += stringWidth(part, font, 10.5) + 4
    canvas.showPage()
    canvas.save()
    text = read_document(buffer.getvalue(), "a.pdf").text
    assert "2023年" in text and "77件" in text


@pytest.mark.parametrize("counter", [
    '<div class="info">发布时间：2021-01-25　来源：某局　浏览次数：<span id="h">{n}</span></div>',
    '<div class="info">发布时间：2021-01-25 浏览次数：{n} 次</div>',
    "<p>【访问量：{n}】</p>",
    "<div><span>阅读次数：</span><span>{n}</span></div>",
    "<table><tr><td>规章</td><td>点击数：{n}</td></tr><tr><td>规范性文件</td><td>1</td></tr></table>",
])
def test_counter_shapes_are_pruned(counter):
    body = "<p>" + "本报告依据条例编制，全年网站访问量达10.8万次。" * 5 + "</p>"
    texts, grids = [], []
    for n in (12, 3456):
        document = read_document(f"<html><body><h1>标题</h1>{counter.format(n=n)}{body}</body></html>".encode(), "a.html")
        texts.append(document.text)
        grids.append(document.tables)
    assert texts[0] == texts[1] and grids[0] == grids[1]
    assert "访问量达10.8万次" in texts[0]


def test_mht_saved_by_word_is_read_as_html():
    """Word's "single file web page" (MIME HTML, quoted-printable, often named .doc)."""
    import quopri

    report = sample_report(3)
    page = render_html(report, charset="gb2312").encode("gb18030")
    body = quopri.encodestring(page).decode("ascii")
    mht = ("MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"----=_NextPart_01\"\r\n\r\n"
           "------=_NextPart_01\r\nContent-Location: file:///C:/report.htm\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\nContent-Type: text/html; charset=\"gb2312\"\r\n\r\n"
           f"{body}\r\n------=_NextPart_01--\r\n").encode("ascii")
    document = read_document(mht, "2020年报.doc")
    assert document.format == "html" and document.title == report.title
    assert [_squash(g) for g in document.tables] == [_squash(expand(t)) for t in tables(report).values()]


def test_stitch_drops_repeated_header_rows_but_not_equal_data_rows():
    header = [["项目", "自然人", "总计"]]
    first = header + [["一、本年新收", "1", "1"]]
    rest = header + [["一、本年新收", "1", "1"]]
    assert stitch(first, rest) == first + [["一、本年新收", "1", "1"]]


def test_metadata_titles_are_cleaned():
    from parsers.formats.text import metadata_title

    assert metadata_title("Microsoft Word - 某局2020年政府信息公开工作年度报告.docx") == "某局2020年政府信息公开工作年度报告"
    assert metadata_title("untitled") is None and metadata_title("  ") is None and metadata_title(None) is None


@pytest.mark.parametrize("options", [{}, {"break_before": "denied.internal_affairs"},
                                     {"split_row": "not_processed.confirmation", "repeat_header": True},
                                     {"extra_pages": 3}])
def test_pdf_page_numbers_and_running_headers_are_not_text(options):
    from layouts.render_pdf import pdf_bytes

    report = sample_report(1)
    plain = read_document(pdf_bytes(report, **options), "a.pdf")
    furnished = read_document(pdf_bytes(report, furniture=True, **options), "a.pdf")
    assert furnished.text == plain.text and furnished.tables == plain.tables
    assert furnished.text.count(report.title) == 1 and "— 2 —" not in furnished.text


def test_docx_tracked_insertions_smart_tags_and_fields_are_text():
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    paragraph = parse_xml(
        f'<w:p {nsdecls("w")}><w:r><w:t>共收到申请</w:t></w:r>'
        '<w:ins w:id="1" w:author="a"><w:r><w:t>1409</w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="a"><w:r><w:delText>1400</w:delText></w:r></w:del>'
        '<w:smartTag w:uri="u" w:element="e"><w:r><w:t>件</w:t></w:r></w:smartTag>'
        '<w:fldSimple w:instr="QUOTE"><w:r><w:t>。</w:t></w:r></w:fldSimple>'
        '<w:r><w:tab/><w:t>规章</w:t></w:r></w:p>')
    document.element.body.insert(0, paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    assert read_document(buffer.getvalue(), "a.docx").text == "共收到申请1409件。\t规章"


def test_page_chrome_changes_do_not_change_the_text():
    """The archive hashes the text: a new entry in the sidebar, a changed footer or menu is not a revision."""
    report = sample_report(6)
    page = render_html(report)
    changed = (page.replace("<h3>相关年报</h3><ul>",
                            "<h3>相关年报</h3><ul><li><a href='/n.html'>某局2025年政府信息公开工作年度报告</a>"
                            "<span>2026-01-20</span></li>")
               .replace("京ICP备05060933号", "京ICP备05060934号-2")
               .replace('<li><a href="/bsfw/">办事服务</a></li>', '<li><a href="/bsfw/">办事服务</a></li><li>无障碍</li>'))
    assert changed != page
    assert read_document(changed.encode(), "a.html").text == read_document(page.encode(), "a.html").text
