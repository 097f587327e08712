"""A report as a crawler that flattens its page prints it: the body on one line, cells glued.

The tables' cells follow each other in reading order (covered span slots left out) with
no separator, or a space at some cell edges (``spaces``: the share of edges that get
one) — the form of the Pingtan archive's ``page.txt``. Blank cells cannot be shown
(an empty cell leaves no trace), so reports with blanks do not fit this layout.
"""
from __future__ import annotations

import random

from .content import blocks
from .model import SourceReport, positioned, tables


def glued_text(report: SourceReport, rng: random.Random, spaces: float = 0.0) -> str:
    """The report's text: a title line, then the whole body on one line."""
    grids = tables(report)
    body: list[str] = []
    title = ""
    for kind, text in blocks(report):
        if kind == "title":
            title = text
        elif kind == "table":
            cells = [cell.text for row in positioned(grids[text]) for _, cell in row]
            glued = cells[0]
            for cell in cells[1:]:
                glued += (" " if rng.random() < spaces else "") + cell
            body.append(glued)
        else:
            body.append(text)
    return f"标题: {title}\n{''.join(body)}\n"


def glued_bytes(report: SourceReport, rng: random.Random, spaces: float = 0.0) -> bytes:
    return glued_text(report, rng, spaces).encode("utf-8")
