"""A report as a DOCX file (python-docx), the template's tables with merged cells."""
from __future__ import annotations

import io

from .content import blocks
from .model import SourceReport, Table, expand, positioned, tables


def _add_table(document, table: Table) -> None:
    grid = expand(table)
    out = document.add_table(rows=len(grid), cols=len(grid[0]))
    out.style = "Table Grid"
    for r, row in enumerate(positioned(table)):
        for c, cell in row:
            target = out.cell(r, c)
            if cell.rowspan > 1 or cell.colspan > 1:
                target = target.merge(out.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
            target.text = cell.text


def docx_bytes(report: SourceReport, *, core_title: bool = True) -> bytes:
    """The report as DOCX bytes."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document()
    if core_title:
        document.core_properties.title = report.title
    grids = tables(report)
    for kind, text in blocks(report):
        if kind == "title":
            p = document.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.add_run(text).bold = True
        elif kind == "heading":
            document.add_paragraph().add_run(text).bold = True
        elif kind == "p":
            document.add_paragraph(text)
        else:
            _add_table(document, grids[text])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
