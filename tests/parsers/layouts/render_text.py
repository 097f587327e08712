"""A report as plain text or markdown, its tables in the shapes copied text takes.

Layouts:

- ``tabs``: one row a line, cells tab-separated; a span's text in its first slot, the
  slots it covers empty (a copy from a browser or Word);
- ``tabs_repeat``: the expanded grid, a span's text repeated in every slot;
- ``pipes``: markdown pipe tables (``| a | b |`` with a ``|---|`` line after the first row);
- ``cells``: one cell a line, covered slots left out, rows run together (PDF/DOCX text copies);
- ``cells_blank``: as ``cells`` with a blank line after each row.

``markdown=True`` writes the title and section headings as ``#``/``##`` headings.
Blank cells only make sense in ``tabs``/``tabs_repeat``/``pipes``: in the one-cell-a-line
layouts an empty cell cannot be told from a row break.
"""
from __future__ import annotations

from .content import blocks
from .model import SourceReport, Table, expand, positioned, tables

LAYOUTS = ("tabs", "tabs_repeat", "pipes", "cells", "cells_blank")
BLANK_SAFE = ("tabs", "tabs_repeat", "pipes")


def _origin_grid(table: Table) -> list[list[str]]:
    """Rows with a span's text in its first slot and "" in the slots it covers."""
    grid = expand(table)
    origin = [["" for _ in row] for row in grid]
    for r, row in enumerate(positioned(table)):
        for c, cell in row:
            origin[r][c] = cell.text
    return origin


def table_lines(table: Table, layout: str) -> list[str]:
    """One table in a text layout, as lines."""
    if layout == "tabs":
        return ["\t".join(row) for row in _origin_grid(table)]
    if layout == "tabs_repeat":
        return ["\t".join(row) for row in expand(table)]
    if layout == "pipes":
        rows = _origin_grid(table)
        lines = ["| " + " | ".join(row) + " |" for row in rows]
        lines.insert(1, "|" + "|".join("---" for _ in rows[0]) + "|")
        return lines
    if layout in ("cells", "cells_blank"):
        lines = []
        for row in positioned(table):
            lines.extend(cell.text for _, cell in row)
            if layout == "cells_blank":
                lines.append("")
        return lines
    raise ValueError(f"unknown text layout {layout!r}")


def render_text(report: SourceReport, layout: str = "tabs", *, markdown: bool = False) -> str:
    """The whole report as text in one table layout."""
    grids = tables(report)
    out: list[str] = []
    for kind, text in blocks(report):
        if kind == "table":
            out.append("")
            out.extend(table_lines(grids[text], layout))
            out.append("")
        elif kind == "title":
            out.append(f"# {text}" if markdown else text)
            out.append("")
        elif kind == "heading":
            out.append(f"## {text}" if markdown else text)
            out.append("")
        else:
            out.append(text)
            out.append("")
    return "\n".join(out)


def text_bytes(report: SourceReport, layout: str = "tabs", *, markdown: bool = False,
               encoding: str = "utf-8", bom: bool = False) -> bytes:
    data = render_text(report, layout, markdown=markdown).encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom and encoding == "utf-8" else data
