"""Rows of cells from a document: its grids, or its text lines.

Text layouts read here:

- tab-separated rows (``规章\\t0\\t0\\t0``), interior blank cells kept;
- pipe rows (``| 规章 | 0 | 0 | 0 |``), markdown separator rows dropped;
- one cell a line, rows separated by blank lines — a block of short lines is one
  row; a line holding only whitespace is a blank cell;
- one cell a line with no row separators (the block becomes one long row: the table
  parser reads a label's values as the value cells that follow it);
- a label followed by space-separated numbers (``行政许可 77 +2 9020994``), as PDF
  text extraction gives them; a single number only after a row label of the active
  table (``行政许可 97``: the 2021 template's rows of one column);
- a line of numbers alone (``0 0 0 0 0 0 0``), e.g. under a line holding only its label;
- a cell of numbers apart (``0 19``, two columns run together) is split, one cell a number.
"""
from __future__ import annotations

import re

from parsers.document import Document, Grid
from parsers.glued import glued_rows
from parsers.labels import classify

Row = list[str]

_SEPARATOR_CELL = re.compile(r"^[\s:\-=_]{3,}$|^:?-+:?$")
_NUM_TOKEN = r"[+\-−－]?\d[\d,]*(?:\.\d+)?(?:件|项|个)?"
_SPACED_ROW = re.compile(rf"^(?P<label>.*?[^\d\s.,+\-−－])?\s+(?P<nums>(?:{_NUM_TOKEN}\s+)*{_NUM_TOKEN})$")
# One number with its unit after an active row's label: 行政事业性收费 12.5万元.
_LABEL_AND_AMOUNT = re.compile(rf"^(?P<label>\S.*?[^\d\s.,+\-−－])\s+(?P<num>{_NUM_TOKEN}\s*(?:万元|亿元|元|件|项|个))$")
_NUMS_ONLY = re.compile(rf"^(?:{_NUM_TOKEN}\s+){{2,}}{_NUM_TOKEN}$")
# A line of a cell block: short, not a sentence.
_MAX_CELL_LINE = 60


def _is_separator(cells: Row) -> bool:
    """A markdown/ASCII rule row (``|---|---|``, ``--------\\t----``)."""
    filled = [c for c in cells if c.strip()]
    return bool(filled) and filled[0].lstrip()[:1] in "-:=_" and all(_SEPARATOR_CELL.match(c) for c in filled)


_MERGED = re.compile(rf"^{_NUM_TOKEN}(?:\s+{_NUM_TOKEN})+$")


def _split_merged(row: Row) -> Row:
    """Cells holding several numbers apart (``0 19``: two columns run together by a PDF's
    text extraction) become one cell per number, in order."""
    if not any(" " in c for c in row):
        return row
    out: Row = []
    for cell in row:
        out.extend(cell.split() if _MERGED.match(cell) else [cell])
    return out


def _blank_row(cells: Row) -> bool:
    """A row label followed by empty cells only (``行政强制\t\t\t``): a row printed blank."""
    if not cells[0]:
        return False
    label = classify(cells[0])
    return label is not None and label.kind in ("active", "request", "review")


def _spaced_row(line: str) -> Row | None:
    """``行政许可 77 +2 9020994`` → cells, or ``None`` when the line is not such a row."""
    stripped = line.strip()
    if _NUMS_ONLY.match(stripped):
        return stripped.split()
    match = _SPACED_ROW.match(stripped)
    if not match or not match.group("label"):
        amount = _LABEL_AND_AMOUNT.match(stripped)
        found = classify(amount.group("label")) if amount else None
        if amount and found is not None and found.kind == "active":
            return [amount.group("label").strip(), amount.group("num")]
        return None
    label = match.group("label").strip()
    if len(label) > 40 or label.endswith(("。", "，", ",", "；")):
        return None
    numbers = match.group("nums").split()
    if len(numbers) == 1:
        found = classify(label)
        return [label, *numbers] if found is not None and found.kind == "active" else None
    return [label, *numbers]


def text_rows(text: str) -> list[Row]:
    """Rows of cells read from a report's text lines (see the module docstring)."""
    rows: list[Row] = []
    block: Row = []

    def flush() -> None:
        if len(block) >= 2 and all(len(c) <= _MAX_CELL_LINE and not c.endswith("。") for c in block):
            rows.append(block.copy())
        else:
            rows.extend([c] for c in block)
        block.clear()

    for line in text.splitlines():
        if not line:
            flush()
            continue
        if "\t" in line:
            cells = [c.strip() for c in line.split("\t")]
            filled = sum(1 for c in cells if c)
            if filled >= 2 or (filled == 1 and len(cells) >= 3 and _blank_row(cells)):
                flush()
                if not _is_separator(cells):
                    rows.append(cells)
                continue
            line = next((c for c in cells if c), "")
            if not line:
                block.append("")  # a whitespace-only line: a blank cell
                continue
        stripped = line.strip()
        if not stripped:
            block.append("")
            continue
        if stripped.startswith("|") and stripped.count("|") >= 2:
            flush()
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if not _is_separator(cells):
                rows.append(cells)
            continue
        glued = glued_rows(stripped)  # a whole table on one line, cells glued (parsers/glued)
        if glued:
            flush()
            rows.extend(glued)
            continue
        # Only short lines can be such rows (and the pattern backtracks on long ones).
        spaced = _spaced_row(stripped) if len(stripped) <= 300 and (
            stripped[-1].isdigit() or stripped[-1] in "元件项个") else None
        if spaced:
            flush()
            rows.append(spaced)
            continue
        if _is_separator([stripped]):
            continue
        block.append(stripped)
    flush()
    return [_split_merged(row) for row in rows]


def grid_rows(grids: list[Grid]) -> list[Row]:
    """Rows of every grid, in order (a table split by a page break continues)."""
    rows: list[Row] = []
    for grid in grids:
        for row in grid:
            cells = [(c or "").strip() for c in row]
            if any(cells) and not _is_separator(cells):
                rows.append(cells)
    return rows


def document_rows(doc: Document) -> tuple[list[Row], list[Row]]:
    """The grid rows (may be empty) and the text rows of a document."""
    return grid_rows(doc.tables), text_rows(doc.text)
