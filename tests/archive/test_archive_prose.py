"""Clean text for readers: paragraphs kept, flattened tables and markdown marks dropped
(report page, paragraph diffs, search snippets), the stored text untouched."""
from __future__ import annotations

from pathlib import Path

from archive.changes import paragraph_diff
from archive.prose import prose, prose_paragraphs
from archive.search.snippet import make_snippet

SEEDS = Path(__file__).parent.parent / "data" / "seeds"

TEXT = """一、总体情况

**二是加强政策解读。**本年发布解读信息8条。

二、主动公开政府信息情况

第二十条第（一）项\t\t\t
信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量
规章\t0\t0\t0

| 信息内容 | 处理决定数量 |
|---|---|
| 行政许可 | 12 |

三、收到和处理政府信息公开申请情况

本年新收
政府信息公开申请数量
12
3
0
0
1
16
结转下年度
2

五、存在的主要问题及改进情况

一是公开形式仍需丰富。"""


def test_prose_keeps_paragraphs_and_drops_tables_and_marks():
    paragraphs = prose_paragraphs(TEXT)
    assert paragraphs == ["一、总体情况", "二是加强政策解读。本年发布解读信息8条。", "二、主动公开政府信息情况",
                          "三、收到和处理政府信息公开申请情况", "五、存在的主要问题及改进情况", "一是公开形式仍需丰富。"]
    assert "**" not in prose(TEXT) and "\t" not in prose(TEXT) and "|" not in prose(TEXT)


def test_short_lines_of_prose_are_kept():
    text = "北京市公安局\n\n2021年1月7日\n\n无"
    assert prose(text) == text


def test_paragraph_diff_shows_prose_changes_only():
    new = TEXT.replace("规章\t0\t0\t0", "规章\t1\t1\t1").replace("一是公开形式仍需丰富。", "一是公开形式仍需进一步丰富。")
    hunks = paragraph_diff(TEXT, new)
    assert [(h["old"], h["new"]) for h in hunks] == [(["一是公开形式仍需丰富。"], ["一是公开形式仍需进一步丰富。"])]


def test_seed_snippets_read_as_prose():
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        clean = prose(text)
        assert "**" not in clean and "\t" not in clean, path.name
        assert len(clean) > 0.3 * len(text), path.name  # the prose is most of it
        snippet = make_snippet(clean, ["公开"])
        assert snippet.highlights and "\t" not in snippet.text and "**" not in snippet.text


def test_glued_tables_of_a_real_report_are_dropped_keeping_section_titles():
    real = Path(__file__).parent.parent / "data" / "real" / "txt_07_pingtan_2022.txt"
    clean = prose_paragraphs(real.read_text(encoding="utf-8"))
    titles = [p for p in clean if p.startswith(("二、", "三、", "四、"))]
    assert titles == ["二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政法复议、行政诉讼情况"]
    assert any(p.startswith("一、总体情况") or "总体情况" in p for p in clean)  # the prose sections stay
    assert any(p.startswith("五、存在的主要问题及改进情况") and "意见征集" in p for p in clean)
    assert not any("本年新收政府信息公开申请数量" in p or "属于国家秘密" in p for p in clean)
