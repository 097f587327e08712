"""Value cells: numbers with signs, separators and units; blanks; placeholders; money in 万元."""
from __future__ import annotations

import pytest

from parsers.cells import money_wan, read_cell


@pytest.mark.parametrize("text, number", [
    ("0", 0), ("77", 77), ("+2", 2), ("-227", -227), ("- 227", -227), ("−3", -3), ("－3", -3),
    ("1,409", 1409), ("1，409", 1409), ("１４０９", 1409), ("12件", 12), ("5 项", 5),
    ("15074.1469", 15074.1469), ("178.1360", 178.136), ("  42  ", 42), ("12（件）", 12), ("3(项)", 3),
])
def test_plain_numbers(text, number):
    cell = read_cell(text)
    assert cell.kind == "number"
    assert cell.number == number
    assert type(cell.number) is type(number)


@pytest.mark.parametrize("text", ["", "   ", "\u3000"])
def test_blank(text):
    assert read_cell(text).kind == "blank"


@pytest.mark.parametrize("text", ["—", "——", "-", "/", "无", "／"])
def test_placeholders(text):
    cell = read_cell(text)
    assert cell.kind == "placeholder" and cell.number is None


@pytest.mark.parametrize("text", ["10 大项 80 小项", "+ 2（小项）", "9.21%", "约30"])
def test_short_text_with_digits_is_a_raw_value(text):
    cell = read_cell(text)
    assert cell.kind == "text" and cell.text == text


@pytest.mark.parametrize("text", [
    "2020年，市局共收到政府信息公开申请1409件，上年结转18件。",
    "2021年1月7日", "第二十条第（1）项", "规章", "信息内容",
])
def test_prose_labels_and_dates_are_not_values(text):
    assert read_cell(text) is None


def test_money_in_yuan_is_converted_and_kept_raw():
    value, keep = money_wan(read_cell("769552763.68 元"), header_in_yuan=False)
    assert value == pytest.approx(76955.276368) and keep


def test_money_in_wan_with_unit_is_kept_raw_unconverted():
    assert money_wan(read_cell("10709.63 万元"), header_in_yuan=False) == (10709.63, True)


def test_money_bare_number_under_a_yuan_header_is_converted():
    value, keep = money_wan(read_cell("1500000"), header_in_yuan=True)
    assert value == 150 and keep


def test_money_in_yi_yuan():
    assert money_wan(read_cell("1.2亿元"), header_in_yuan=False) == (12000, True)


def test_money_bare_number_in_wan():
    assert money_wan(read_cell("15074.1469"), header_in_yuan=False) == (15074.1469, False)
