"""PDF tables drawn without ruling lines: rows of cells from character positions."""
from __future__ import annotations

import re

import pytest
from layouts import LAYOUTS, sample_report
from layouts.content import SECTIONS
from layouts.render_pdf import pdf_bytes
from layouts.render_pdf_unruled import Geometry, unruled_pdf_bytes

import parsers
from parsers.formats import pdf as pdf_reader
from parsers.formats import read_document
from parsers.formats.pdf_columns import column_lines, has_number_columns


def _chars(x: float, top: float, text: str, size: float = 8.0) -> list[tuple]:
    """Characters of one drawn string: hanzi one em wide, digits and ASCII half an em."""
    out = []
    for ch in text:
        width = size * (0.5 if ord(ch) < 128 else 1.0)
        out.append((top, top + size, x, x + width, ch))
        x += width
    return out


def test_a_line_of_two_labels_and_numbers_is_cut_into_cells():
    chars = (_chars(60, 100, "（三）不予公开") + _chars(140, 100, "1.属于国家秘密")
             + [c for k, n in enumerate("3 0 12".split()) for c in _chars(300 + 40 * k, 100, n)])
    assert column_lines(chars) == [(100, "（三）不予公开\t1.属于国家秘密\t3\t0\t12")]


@pytest.mark.parametrize("number_line", ["first", "between"])
def test_a_wrapped_label_is_folded_into_its_row(number_line):
    """Top-aligned cells: the numbers stand on the label's first line; centred: between its lines."""
    numbers_top = 100 if number_line == "first" else 105
    chars = (_chars(60, 100, "2.其他法律行政法规禁") + _chars(60, 110, "止公开")
             + [c for k, n in enumerate(["5", "7", "12"]) for c in _chars(300 + 40 * k, numbers_top, n)]
             + _chars(60, 128, "3.危及三安全一稳定") + _chars(300, 128, "1") + _chars(340, 128, "2"))
    lines = [text for _, text in column_lines(chars)]
    assert lines == ["2.其他法律行政法规禁止公开\t5\t7\t12", "3.危及三安全一稳定\t1\t2"]


def test_only_pages_with_rows_of_numbers_are_table_pages():
    assert has_number_columns("规章 0 3 5\n规范性文件 12 0 7\n")
    assert has_number_columns("行政复议\n" + "\n".join("3" for _ in range(15)))
    assert not has_number_columns("2021年共收到申请1409件，办结1380件。\n第3季度 共 2 次\n— 3 —\n")


def test_unruled_tables_read_as_tab_separated_rows():
    report = sample_report(6, template="2019")
    g = Geometry(size=8.0, request_labels=(36.0, 58.0, 88.0), active_labels=(90.0, 60.0), align="center",
                 span_valign="top", pad=3.5, leading=1.3, break_before="denied.third_party")
    text = read_document(unruled_pdf_bytes(report, g=g), "a.pdf").text
    lines = text.split("\n")
    secret = "\t".join(report.cell_text(f"requests/denied.state_secret/{c}")
                       for c in ("natural_person", "commercial", "research", "social_welfare",
                                 "legal_service", "other", "total"))
    # The group label and the row label share the row's line, each in its own cell.
    assert any(line.endswith("1.属于国家秘密\t" + secret) and "不予" in line for line in lines), text
    # A label wrapped in its cell comes back whole, before its numbers.
    assert any(line.startswith("2.其他法律行政法规禁止公开\t") for line in lines), text
    squashed = re.sub(r"\s+", "", text)
    positions = [squashed.find(s) for s in SECTIONS]
    assert -1 not in positions and positions == sorted(positions)


def test_unruled_report_parses_fully():
    report = sample_report(7, template="2021")
    record = parsers.parse(LAYOUTS["pdf_unruled"].render(report)[0], "a.pdf")
    assert record.facts == report.expected_facts()
    assert record.violations == []


def test_pages_without_number_columns_skip_the_character_pass(monkeypatch):
    """Narrative pages (and ruled-table pages) never go through the positional reader."""
    calls = []
    original = pdf_reader._Pages._column_page

    def counting(self, index):
        calls.append(index)
        return original(self, index)

    monkeypatch.setattr(pdf_reader._Pages, "_column_page", counting)
    report = sample_report(2)
    read_document(pdf_bytes(report, extra_pages=3), "ruled.pdf")
    assert calls == []
    report.narrative = ("本机关持续完善公开制度，规范发布流程，加强与新闻媒体的沟通协作。" * 30,) * 3
    read_document(unruled_pdf_bytes(report), "unruled.pdf")
    assert calls and 0 not in calls  # the first page is all narrative


def test_a_blank_cell_keeps_its_column_in_a_run_of_rows():
    """Nothing is drawn for a blank cell: its place shows against the rows around it."""
    rows = [("规章", ["3", "0", "12"]), ("规范性文件", ["5", "", "7"]), ("行政许可", ["", "2", "9"])]
    chars = []
    for r, (label, values) in enumerate(rows):
        top = 100 + 14 * r
        chars += _chars(60, top, label)
        for k, value in enumerate(values):
            chars += _chars(300 + 40 * k, top, value) if value else []
    assert [text for _, text in column_lines(chars)] == [
        "规章\t3\t0\t12", "规范性文件\t5\t\t7", "行政许可\t\t2\t9"]


def test_blank_request_cells_round_trip():
    report = sample_report(9, template="2019")
    report.blanks = frozenset(k for k, v in report.values.items() if v == 0 and k.startswith("requests/")
                              and not k.endswith("/total"))
    assert report.blanks
    record = parsers.parse(LAYOUTS["pdf_unruled"].render(report)[0], "a.pdf")
    requests = {k: v for k, v in report.expected_facts().items() if k.startswith("requests/")}
    assert {k: v for k, v in record.facts.items() if k.startswith("requests/")} == requests


def test_rules_under_the_rows_but_no_grid_read_as_an_unruled_table():
    """Horizontal rules only: pdfplumber finds no table; the positional reader takes the page."""
    report = sample_report(4, template="2021")
    g = Geometry(size=7.5, request_labels=(40.0, 50.0, 110.0), active_labels=(80.0, 60.0), align="right",
                 span_valign="center", pad=3.0, leading=1.25, break_before="other.unpaid_fee", row_rules=True)
    record = parsers.parse(unruled_pdf_bytes(report, g=g), "a.pdf")
    assert record.facts == report.expected_facts()


def test_cells_carry_the_least_confidence_of_their_characters():
    """OCR hands characters with a confidence: a cell keeps its least sure one, a wrapped
    label's parts included; a text PDF's characters carry none."""
    from parsers.formats.pdf_columns import column_rows

    scored = [(*c, 0.99) for c in _chars(60, 100, "2.其他法律行政法规禁")]
    scored += [(*c, 0.62 if c[4] == "公" else 0.97) for c in _chars(60, 110, "止公开")]
    scored += [(*c, {"5": 0.95, "7": 0.71}.get(c[4], 0.99))
               for k, n in enumerate(["5", "7", "12"]) for c in _chars(300 + 40 * k, 100, n)]
    scored += [(*c, 0.98) for c in _chars(60, 128, "3.危及三安全一稳定") + _chars(300, 128, "1") + _chars(340, 128, "2")]
    rows = column_rows(scored)
    assert rows[0][1] == [("2.其他法律行政法规禁止公开", 0.62), ("5", 0.95), ("7", 0.71), ("12", 0.99)]
    assert rows[1][1] == [("3.危及三安全一稳定", 0.98), ("1", 0.98), ("2", 0.98)]
    assert [cells for _, cells in column_rows([c[:5] for c in scored])][0][1] == ("5", None)
