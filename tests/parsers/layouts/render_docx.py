"""A report as a DOCX file (python-docx), the template's tables with merged cells."""
from __future__ import annotations

import io

from .content import blocks
from .model import Cell, SourceReport, Table, expand, positioned, tables


def _add_table(document, table: Table) -> None:
    """Write the table's rows as Word does: ``gridSpan`` for colspans, ``vMerge`` for rowspans.

    (python-docx's ``cell.merge`` does the same but is quadratic: seconds per table.)
    """
    from xml.sax.saxutils import escape

    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    grid = expand(table)
    out = document.add_table(rows=0, cols=len(grid[0]))
    out.style = "Table Grid"
    starts: dict[tuple[int, int], Cell] = {}
    covered: dict[tuple[int, int], Cell] = {}  # first column of a rowspan, in the rows below its start
    for r, row in enumerate(positioned(table)):
        for c, cell in row:
            starts[(r, c)] = cell
            for dr in range(1, cell.rowspan):
                covered[(r + dr, c)] = cell
    for r in range(len(grid)):
        tcs = []
        c = 0
        while c < len(grid[0]):
            cell = starts.get((r, c)) or covered.get((r, c))
            if cell is None:  # cannot happen for a well-formed table; keep the grid square anyway
                tcs.append("<w:tc><w:p/></w:tc>")
                c += 1
                continue
            props = f'<w:gridSpan w:val="{cell.colspan}"/>' if cell.colspan > 1 else ""
            if cell.rowspan > 1:
                props += '<w:vMerge w:val="restart"/>' if (r, c) in starts else "<w:vMerge/>"
            text = escape(cell.text) if (r, c) in starts else ""
            run = f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>' if text else ""
            tcs.append(f"<w:tc><w:tcPr>{props}</w:tcPr><w:p>{run}</w:p></w:tc>")
            c += cell.colspan
        out._tbl.append(parse_xml(f"<w:tr {nsdecls('w')}>{''.join(tcs)}</w:tr>"))


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
