"""A report as a crawler that flattens its page prints it: the body on one line, cells glued.

The tables' cells follow each other in reading order (covered span slots left out) with
no separator, or a space at some cell edges (``spaces``: the share of edges that get
one) — the form of the Pingtan archive's ``page.txt``. ``typos`` is the share of long
labels printed with one character dropped (``其他法律行政止公开``) or a stray space
(``本年度办 理结果``). Blank cells cannot be shown (an empty cell leaves no trace), so
reports with blanks do not fit this layout.
"""
from __future__ import annotations

import random
import re

from .content import blocks
from .model import SourceReport, positioned, tables


_VALUE = re.compile(r"[+\-−－]?[\d０-９][\d０-９,.．]*(?:元|件|项)?")


def _misprint(text: str, rng: random.Random) -> str:
    """A long label with one inner character dropped, or a space inserted."""
    if _VALUE.fullmatch(text) or len(text) < 8:
        return text
    k = rng.randrange(2, len(text) - 1)
    return text[:k] + text[k + 1:] if rng.random() < 0.5 else text[:k] + " " + text[k:]


def glued_text(report: SourceReport, rng: random.Random, spaces: float = 0.0, typos: float = 0.0) -> str:
    """The report's text: a title line, then the whole body on one line."""
    grids = tables(report)
    body: list[str] = []
    title = ""
    for kind, text in blocks(report):
        if kind == "title":
            title = text
        elif kind == "table":
            cells = [cell.text for row in positioned(grids[text]) for _, cell in row]
            cells = [_misprint(c, rng) if rng.random() < typos else c for c in cells]
            glued = cells[0]
            for cell in cells[1:]:
                glued += (" " if rng.random() < spaces else "") + cell
            body.append(glued)
        else:
            body.append(text)
    return f"标题: {title}\n{''.join(body)}\n"


def glued_bytes(report: SourceReport, rng: random.Random, spaces: float = 0.0, typos: float = 0.0) -> bytes:
    return glued_text(report, rng, spaces, typos).encode("utf-8")
