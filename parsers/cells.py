"""Value cells: what one table cell's text holds — a number, nothing, a placeholder or other text.

RECORD.md: a cell holding one plain number (a sign, thousands separators and a unit
word such as 件/项/万元/元 allowed) becomes a fact; a blank cell holds nothing; every
other cell's text is kept in ``raw``. Money is normalised to 万元.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

Kind = Literal["number", "blank", "placeholder", "text"]

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，＋－／", "0123456789.,+-/")
_NUMBER = re.compile(
    r"^([+\-−–])?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*"
    r"[(（]?(件|项|个|条|次|人次|家|份|篇|亿元|万元|元)?[)）]?$"
)
_PLACEHOLDERS = frozenset({"—", "-", "–", "/", "\\", "无", "空", "暂无", "×", "N/A", "n/a", "NA", "…"})
_DIGIT = re.compile(r"\d")
# Text with digits that is not a value: dates, article numbers, long prose.
_NOT_VALUE = re.compile(
    r"\d{4}\s*年|年\s*\d{1,2}\s*月|第\s*\S{1,4}\s*[条项]|[。；;！？]"
    # An ordinal: "7. 属于行政执法" (half a label), also after its group's name printed on the
    # same line ("（四）无法提供1.本机关…", a misprinted label the classifier cannot name).
    r"|^(?:[(（][一二三四五六七八九十]{1,3}[)）][\u4e00-\u9fff]{0,8})?[(（]?\d{1,2}\s*[.、．)）]\s*[\u4e00-\u9fff]"
)
_WS = re.compile(r"[\s\u3000\u00a0]+")


@dataclass(frozen=True, slots=True)
class Cell:
    """A value cell read: its kind, its number (for ``number``), its unit and its text."""

    kind: Kind
    text: str
    number: int | float | None = None
    unit: str | None = None
    exact: Decimal | None = None


BLANK = Cell("blank", "")


def _as_number(value: Decimal) -> int | float:
    """An int when the value is integral, else a float."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


@lru_cache(maxsize=8192)
def read_cell(text: str) -> Cell | None:
    """Read a cell that may hold a value; ``None`` when it is a label or prose, not a value.

    >>> read_cell("- 227").number
    -227
    >>> read_cell("769552763.68 元").unit
    '元'
    """
    stripped = text.strip()
    if not stripped:
        return BLANK
    if len(stripped) > 40:  # prose, never a value
        return None
    compact = _WS.sub(" ", stripped.translate(_FULLWIDTH))
    match = _NUMBER.match(compact)
    if match:
        sign, whole, fraction, unit = match.groups()
        try:
            value = Decimal(whole.replace(",", "") + ("." + fraction if fraction else ""))
        except InvalidOperation:  # pragma: no cover - the pattern only admits digits
            return Cell("text", stripped)
        if sign and sign != "+":
            value = -value
        return Cell("number", stripped, _as_number(value), unit, value)
    if compact in _PLACEHOLDERS or set(compact) <= {"—", "-", "－", "–", "/"}:
        return Cell("placeholder", stripped)
    # Short text with a digit in a value position ("10 大项 80 小项", "+ 2（小项）").
    if len(compact) <= 20 and _DIGIT.search(compact) and not _NOT_VALUE.search(compact):
        return Cell("text", stripped)
    return None


def money_wan(cell: Cell, header_in_yuan: bool) -> tuple[int | float, bool]:
    """A money cell's value in 万元 and whether its raw text must be kept.

    The raw text is kept whenever the cell carried a unit word or was converted
    (``元`` in the cell, or a header naming 元 with a bare number).
    """
    assert cell.exact is not None
    if cell.unit == "亿元":
        return _as_number(cell.exact * Decimal(10000)), True
    in_yuan = cell.unit == "元" or (cell.unit is None and header_in_yuan)
    if in_yuan:
        return _as_number(cell.exact / Decimal(10000)), True
    return cell.number, cell.unit is not None  # type: ignore[return-value]
