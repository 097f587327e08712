"""Tables for people with spreadsheets: CSV that Excel opens right, and real XLSX.

Excel on a Chinese Windows reads a CSV without a byte-order mark as GBK and shows
garbage, so CSV for people starts with the UTF-8 BOM. XLSX is written by openpyxl in
write-only mode: rows stream to the file and memory stays flat on a large archive.
Crawled text goes into cells as text, never as a formula (a leading ``=`` is a known
injection into spreadsheets), so text cells that look like formulas get a leading ``'``.
"""
from __future__ import annotations

import csv
from typing import IO, Any, Iterable, Sequence

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet cell: numbers as they are, text never read as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        try:
            float(value)
            return value
        except ValueError:
            return "'" + value
    return value


def write_csv(out: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = False) -> int:
    """Write ``header`` then ``rows``; returns the number of rows. ``bom`` for Excel."""
    if bom:
        out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n" if bom else "\n")
    writer.writerow(header)
    n = 0
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
        n += 1
    return n


def write_xlsx(path_or_file, sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """A one-sheet workbook (bold frozen header); returns the number of rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31])
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    cells = []
    for label in header:
        cell = WriteOnlyCell(ws, value=label)
        cell.font = bold
        cells.append(cell)
    ws.append(cells)
    n = 0
    for row in rows:
        ws.append([safe_cell(_xlsx_value(v)) for v in row])
        n += 1
    book.save(path_or_file)
    return n


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, (list, tuple, dict)):
        return str(value)
    if isinstance(value, str):
        # XML 1.0 forbids most control characters; crawled text may hold them.
        return "".join(ch for ch in value if ch >= " " or ch in "\t\n\r")
    return value
