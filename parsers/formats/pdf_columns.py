"""Tables drawn without ruling lines: rows of cells from the positions of a page's characters.

A report typeset without table borders (or exported from WPS with them off) is, to a
reader, text at x/y positions only. pdfium's text of such a page runs a row's cells
together ("（三）不予公开 1.属于国家秘密 0 0 0 …"), puts a span's label wherever the
producer drew it, and cannot say that "止公开" on the next line belongs to
"2.其他法律行政法规禁" on this one. Here a page's characters are grouped into visual
lines (top to bottom) and each line is cut into cells at the wide horizontal gaps that
separate table columns; cells go out tab-separated, like the rows of a ruled table.

Label text that wraps in its cell is put back together: a line without numbers whose
cells sit in the label area of a neighbouring row of numbers (above or below it, close
and overlapping its columns) is merged into that row's cells, so "1.本机关不掌握相关政府信"
+ "息" reads as one label before its numbers, whether the numbers stand on the label's
first line (top-aligned cells) or between its lines (vertically centred cells).

Only pages whose pdfium text looks like it holds number columns come here (a cheap
regular expression on text already read); their characters come from pdfplumber
(~40-120 ms a page).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# A run of three or more number tokens ending a line (a row of a statistics table).
_NUMBER_TOKEN = r"[+\-−－]?\d[\d,，.]*[件项个条次万元%％]*"
_ROW_OF_NUMBERS = re.compile(rf"(?:^|\s){_NUMBER_TOKEN}(?:[ \t]+{_NUMBER_TOKEN}){{2,}}[ \t]*$", re.M)
_NUMBER_CELL = re.compile(rf"^{_NUMBER_TOKEN}$")
# The heading of a block of the active table (第二十条第（一）项): a line of its own.
_BLOCK_HEADING = re.compile(r"^第[一二三四五六七八九十]+条")
# The start of a numbered label: 1. 2、 （三） (三) 四、
_ORDINAL = re.compile(r"^(?:\d{1,2}\s*[.．、]|[（(][一二三四五六七八九十]{1,3}[）)]|[一二三四五六七八九十]{1,3}、)")
# A gap wider than this many character heights separates two cells.
_CELL_GAP = 0.6
# A wrapped line belongs to a row when its centre is within this many line heights of the row's.
_WRAP_DISTANCE = 1.6
# ... and a row whose label it continues may be this many line heights farther than the nearest.
_CONTINUE_MARGIN = 0.6


_NUMBERS_ONLY = re.compile(rf"^[ \t]*{_NUMBER_TOKEN}(?:[ \t]+{_NUMBER_TOKEN})*[ \t]*$", re.M)


def has_number_columns(text: str) -> bool:
    """Does this page text (pdfium's) hold rows of numbers: two lines ending in three or more
    numbers, one ending in five or more (a lone row after a page break), or (pdfium breaks a
    row at wide gaps) four lines of nothing but numbers, eight numbers in all (two rows
    continued after a page break: "0 846件" / "0" / "0 19件" …)?"""
    rows = _ROW_OF_NUMBERS.findall(text)
    if len(rows) >= 2 or any(len(row.split()) >= 5 for row in rows):
        return True
    only = _NUMBERS_ONLY.findall(text)
    return len(only) >= 4 and sum(len(line.split()) for line in only) >= 8


@dataclass
class _Cell:
    x0: float
    x1: float
    text: str
    score: float | None = None  # OCR: the least sure of its characters' confidences

    @property
    def number(self) -> bool:
        return bool(_NUMBER_CELL.match(self.text))


@dataclass
class _Line:
    top: float
    bottom: float
    cells: list[_Cell] = field(default_factory=list)

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def numbers(self) -> int:
        return sum(1 for c in self.cells if c.number)


def _visual_lines(chars) -> list[_Line]:
    """Characters grouped into lines by their vertical middles, each cut into cells at wide gaps."""
    chars = sorted(chars, key=lambda c: (c[0] + c[1]) / 2)
    groups: list[list] = []
    middle = size = 0.0
    for ch in chars:
        mid, h = (ch[0] + ch[1]) / 2, ch[1] - ch[0]
        if groups and abs(mid - middle) <= 0.4 * max(h, size):
            groups[-1].append(ch)
        else:
            groups.append([ch])
            middle, size = mid, h
    lines = []
    for group in groups:
        group.sort(key=lambda c: c[2])
        line = _Line(min(c[0] for c in group), max(c[1] for c in group))
        gap = _CELL_GAP * line.height
        for top, bottom, x0, x1, ch, *score in group:
            if line.cells and x0 - line.cells[-1].x1 <= gap:
                cell = line.cells[-1]
                cell.x1, cell.text = max(cell.x1, x1), cell.text + ch
                cell.score = _least(cell.score, score[0] if score else None)
            else:
                line.cells.append(_Cell(x0, x1, ch, score[0] if score else None))
        lines.append(line)
    return lines


def _least(a: float | None, b: float | None) -> float | None:
    """The lower of two confidences (None: not read by OCR)."""
    return b if a is None else a if b is None else min(a, b)


def _overlaps(a: _Cell, b: _Cell) -> bool:
    return min(a.x1, b.x1) - max(a.x0, b.x0) > 0


def _merge_wrapped(lines: list[_Line]) -> list[_Line]:
    """Fold the wrapped parts of label cells into their row of numbers (see the module docstring).

    A text line is folded when all of its cells lie left of the row's first number (under
    one of its label cells, or where the row has none) and the row is its nearest row of
    numbers (ties: the row above, as top-aligned cells wrap downwards); then, line by line,
    the lines that continue a folded part's cells.
    """
    rows = [i for i, line in enumerate(lines) if line.numbers() >= 2]
    if not rows:
        return lines
    folded: dict[int, list[tuple[int, _Line]]] = {}
    consumed: set[int] = set()
    for i, line in enumerate(lines):
        if i in rows or line.numbers() or _BLOCK_HEADING.match(line.cells[0].text):
            continue
        candidates = []
        for r in rows:
            row = lines[r]
            distance = abs(row.middle - line.middle)
            if distance > _WRAP_DISTANCE * max(row.height, line.height):
                continue
            first_number = min(c.x0 for c in row.cells if c.number)
            if any(c.x1 > first_number for c in line.cells):
                continue
            labels = [c for c in row.cells if not c.number]
            continues = all(any(_overlaps(c, lab) for lab in labels) for c in line.cells)
            if any(_ORDINAL.match(c.text) for c in line.cells):
                continues = False  # a numbered label starts here: not the rest of the one above
            candidates.append((distance, r, continues))
        if candidates:
            # The nearest row; but a row about as near whose label the line continues (same
            # column) wins: a spanning label wraps below its first row, onto the next row's line.
            nearest = min(candidates)
            close = [c for c in candidates if c[2] and c[0] <= nearest[0] + _CONTINUE_MARGIN * line.height]
            best = min(close) if close else nearest
            folded.setdefault(best[1], []).append((i, line))
            consumed.add(i)
    # A label of three or more lines: a line next to a folded part, under the same column,
    # goes with it.
    for _ in range(4):
        anchors = [(r, part) for r, parts in folded.items() for _, part in parts]
        grown = False
        for i, line in enumerate(lines):
            if i in consumed or i in rows or line.numbers() or _BLOCK_HEADING.match(line.cells[0].text):
                continue
            for r, part in anchors:
                if (abs(part.middle - line.middle) <= _WRAP_DISTANCE * max(part.height, line.height)
                        and all(any(_overlaps(c, p) for p in part.cells) for c in line.cells)):
                    folded[r].append((i, line))
                    consumed.add(i)
                    grown = True
                    break
        if not grown:
            break
    out = []
    for i, line in enumerate(lines):
        if i in consumed:
            continue
        if i in folded:
            line = _fold(line, folded[i])
        out.append(line)
    return out


def _fold(row: _Line, parts: list[tuple[int, _Line]]) -> _Line:
    """The row with its label parts put in place: text above before, text below after."""
    labels = [c for c in row.cells if not c.number]
    numbers = [c for c in row.cells if c.number]
    extra: list[_Cell] = []
    above = sorted((p for p in parts if p[1].middle < row.middle), key=lambda p: p[1].middle)
    below = sorted((p for p in parts if p[1].middle >= row.middle), key=lambda p: p[1].middle)
    merged = [_Cell(c.x0, c.x1, c.text, c.score) for c in labels]
    for group, before in ((reversed(above), True), (below, False)):
        for _, line in group:
            for part in line.cells:
                target = next((c for c in merged if _overlaps(c, part)), None)
                if target is None:
                    extra.append(part)
                    merged.append(_Cell(part.x0, part.x1, part.text, part.score))
                    continue
                target.text = part.text + target.text if before else target.text + part.text
                target.score = _least(target.score, part.score)
                target.x0, target.x1 = min(target.x0, part.x0), max(target.x1, part.x1)
    merged.sort(key=lambda c: c.x0)
    return _Line(row.top, row.bottom, merged + numbers)


def _clusters(cells: list[_Cell]) -> list[tuple[float, float]]:
    """Column extents of cells of one column structure: overlapping cells are one column."""
    out: list[list[float]] = []
    for cell in sorted(cells, key=lambda c: c.x0):
        if out and cell.x0 < out[-1][1]:
            out[-1][1] = max(out[-1][1], cell.x1)
        else:
            out.append([cell.x0, cell.x1])
    return [(a, b) for a, b in out]


def _fill_blanks(lines: list[_Line]) -> list[_Line]:
    """Put an empty cell where a row of numbers has none under a column of its run.

    A blank cell draws nothing at all; its place shows only against the other rows. A run
    is a block of consecutive rows with numbers (lines of label text only may come between,
    the parts of spanning labels); its columns are where its numbers stand. Runs whose
    rows do not all fall into those columns (another column structure) are left alone.
    """
    out = list(lines)
    i = 0
    while i < len(out):
        if not out[i].numbers():
            i += 1
            continue
        first = min(c.x0 for c in out[i].cells if c.number)
        j = i
        while j < len(out) and (out[j].numbers() or all(c.x1 <= first for c in out[j].cells)):
            j += 1
        indexes = [k for k in range(i, j) if out[k].numbers()]
        cells = [c for k in indexes for c in out[k].cells if c.number]
        columns = _clusters(cells)
        widths = {sum(1 for c in out[k].cells if c.number) for k in indexes}
        if len(indexes) >= 3 and max(widths) == len(columns) >= 3:
            for k in indexes:
                line = out[k]
                numbers = [c for c in line.cells if c.number]
                if len(numbers) == len(columns) or any(
                        sum(1 for a, b in columns if c.x0 < b and c.x1 > a) != 1 for c in numbers):
                    continue
                slots = [next((c for c in numbers if c.x0 < b and c.x1 > a), None) or _Cell(a, a, "")
                         for a, b in columns]
                out[k] = _Line(line.top, line.bottom, [c for c in line.cells if not c.number] + slots)
        i = j
    return out


# top, bottom (from the page top), x0, x1, text; OCR adds a sixth item, the character's confidence.
Char = tuple[float, float, float, float, str] | tuple[float, float, float, float, str, float]


def column_rows(chars: list[Char]) -> list[tuple[float, list[tuple[str, float | None]]]]:
    """A page's text lines (top, cells) in position order, each cell ``(text, confidence)``:
    the least confidence of its characters when they carry one (OCR), else None.

    ``chars``: the page's characters (whitespace ones are left out here).
    """
    chars = [c for c in chars if c[4].strip() and c[3] > c[2]]
    lines = _fill_blanks(_merge_wrapped(_visual_lines(chars)))
    return [(line.top, [(c.text, c.score) for c in line.cells]) for line in lines]


def column_lines(chars: list[Char]) -> list[tuple[float, str]]:
    """A page's text lines (top, text) in position order, table cells separated by tabs."""
    return [(top, "\t".join(text for text, _ in cells)) for top, cells in column_rows(chars)]
