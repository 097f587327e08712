"""Rows of cells → the facts and raw texts of the three statistics tables.

The reader walks the cells of all rows in order. A cell that IS a row label
(:mod:`parsers.labels`) takes the value cells that follow it — in its own row, or,
when the label ends its row (one cell a line), in the rows after it — up to the next
non-value cell. The values are then fitted to the row's columns:

- exactly as many as columns: in order;
- more (a stray column): the choice whose row sum holds, else the first n-1 and the last;
- fewer: by position under the column header when the row is as wide as the header;
  otherwise the placement is a guess, so the row's texts go to ``raw`` under the row's
  ``*`` key (``active/regulations/*``) and none of its cells to ``facts`` (they stay missing).

Every cell placed is remembered as *read*: a number, a text, or a printed blank (a
blank or placeholder reads 0 in the arithmetic; a row never found reads nothing, and
no rule is checked over it, see :mod:`parsers.arithmetic`).

Tables are found by their labels, never by their section titles. The reviews table's
numbers sit on one row under a three-level header: the first run of 15 (or 16) value
cells after a 行政复议/行政诉讼 header.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

from parsers import align
from parsers.cells import BLANK as BLANK_CELL, Cell, money_wan, read_cell
from parsers.keys import (
    ACTIVE_2019,
    MONEY_COLUMNS,
    REQUEST_COLUMNS,
    REVIEW_COLUMNS,
    REVIEW_ROWS,
    active_rows,
    key,
)
from parsers.labels import Label, classify, header_in_yuan, normalize, subitem_name
from parsers.rows import Row

Facts = dict[str, int | float]
Raw = dict[str, str]


@dataclass
class Reading:
    """What the tables of one source say: facts, raw texts, and the cells printed blank."""

    facts: Facts = field(default_factory=dict)
    raw: Raw = field(default_factory=dict)
    blank: set[str] = field(default_factory=set)
    """Keys of cells printed blank or with a placeholder (—, 无): read, and 0 in the arithmetic."""

    def keys(self) -> set[str]:
        """Every cell key read (a number, a text or a blank)."""
        return {*self.facts, *self.raw, *self.blank}

# The column of a raw text holding a row's cells that could not be placed (RECORD.md).
UNPLACED = "*"
_OTHER_FAMILY = frozenset({"other", "other.no_correction", "other.unpaid_fee", "other.other"})
_REVIEW_CELLS = len(REVIEW_ROWS) * len(REVIEW_COLUMNS)


@dataclass
class _Cells:
    """All cells of all rows, flattened, with their row and column positions."""

    texts: list[str] = field(default_factory=list)
    row: list[int] = field(default_factory=list)
    col: list[int] = field(default_factory=list)
    widths: list[int] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, rows: list[Row]) -> "_Cells":
        flat = cls()
        for r, cells in enumerate(rows):
            width = len(cells)
            flat.widths.append(width)
            flat.starts.append(len(flat.texts))
            flat.texts.extend(cells)
            flat.row.extend([r] * width)
            flat.col.extend(range(width))
        return flat

    def ends_row(self, i: int) -> bool:
        """True when cell ``i`` is the last cell of its row."""
        return self.col[i] == self.widths[self.row[i]] - 1


class _Reader:
    """One pass over the cells of a document (state: the table and row context)."""

    def __init__(self, rows: list[Row], template: str) -> None:
        self.cells = _Cells.of(rows)
        self.template = template
        self.facts: Facts = {}
        self.raw: Raw = {}
        self.blank: set[str] = set()
        self.table: str | None = None
        self.active_last: str | None = None
        self.request_context: str | None = None
        self.reviews_pending = False
        self.header: dict[int, str] = {}
        self.header_row = -1
        self.header_width = 0
        self.money_yuan = False
        self.pending: int | None = None  # a text cell that may be the first half of a label
        self.review_row: str | None = None  # a reviews row named by a heading, its numbers to come
        # Where each template row was read (the first value cell), and the runs of numbers no
        # label took: the material of the alignment against the template (parsers.align).
        self.found: dict[tuple[str, str], int] = {}
        self.strays: list[list[int]] = []
        self._labels: dict[str, Label | None] = {}
        self._values: dict[str, Cell | None] = {}
        self.origins: dict[str, int] = {}  # fact/raw key -> index of the cell it was read from
        self._next_active: list[int | None] | None = None  # see next_active()

    # --- cell classification (cached: tables repeat the same texts) ---------------------
    def label(self, i: int) -> Label | None:
        """The label cell ``i`` is, if any."""
        text = self.cells.texts[i]
        try:
            return self._labels[text]
        except KeyError:
            label = self._labels[text] = classify(text)
            return label

    def value(self, i: int) -> Cell | None:
        """The value cell at ``i``, or ``None`` when the cell is a label or prose."""
        text = self.cells.texts[i]
        try:
            return self._values[text]
        except KeyError:
            value = self._values[text] = None if self.label(i) else read_cell(text)
            return value

    def kind(self, i: int) -> str:
        """The value kind of cell ``i`` (``number``, ``blank``, ``placeholder``, ``text``), "" if none."""
        value = self.value(i)
        return value.kind if value is not None else ""

    def cell(self, i: int) -> Cell:
        """The value cell at ``i`` (only called on cells collected as values)."""
        value = self.value(i)
        assert value is not None
        return value

    def numbers(self, idx: list[int]) -> int:
        """How many of the cells ``idx`` hold a number."""
        return sum(1 for j in idx if self.kind(j) == "number")

    # --- the walk ----------------------------------------------------------------------------
    def run(self) -> Reading:
        """Walk every cell; return what was read."""
        i, n = 0, len(self.cells.texts)
        while i < n:
            i = self.step(i)
        if self.strays:
            align.fill_gaps(self)
        return Reading(self.facts, self.raw, self.blank - set(self.facts))

    def step(self, i: int) -> int:
        """Handle the cell at ``i``; return the index of the next cell to look at."""
        label = self.label(i)
        if label is not None:
            nxt = self.on_label(i, label)
            if nxt is not None:
                self.pending = None
                return nxt
        else:
            cell = self.value(i)
            if cell is not None:
                if cell.kind == "blank":
                    return i + 1
                self.pending = None
                return self.on_values(i)
        return self.on_text(i)

    def on_label(self, i: int, label: Label) -> int | None:
        """A label cell; ``None`` when it does not apply here (then it is read as text)."""
        kind, name = label.kind, label.key
        if kind == "active":
            self.table, self.active_last = "active", name
            columns = active_rows(self.template).get(name) or ACTIVE_2019[name]
            return self.take_row(i, "active", name, columns)
        if kind == "active_header":
            self.table, self.active_last = "active", None
            self.read_header(i, name)
            return i + 1
        if kind == "request_group":
            self.table, self.request_context = "requests", name
            return i + 1
        if kind == "request":
            if name in ("total", "other.other") and align.is_header_row(self, self.cells.row[i]):
                return i + 1  # 总计 / 其他 of a column-header line (自然人 … 其他 总计)
            if name == "total" and self.table != "requests":
                if self.table == "reviews":
                    return i + 1  # 总计, the column header of the reviews table
                return None
            if name == "other.other" and self.request_context not in _OTHER_FAMILY:
                return None  # 其他, the applicant column header
            self.table, self.request_context = "requests", name
            return self.take_row(i, "requests", name, REQUEST_COLUMNS)
        # review row label (transposed layout) or review header
        self.table = "reviews"
        if kind == "review" or name == "行政诉讼":
            # A row per kind (transposed layout); 行政诉讼 / 未经复议直接起诉 may carry both suits' ten.
            idx, end = self.collect(i)
            numbers = self.numbers(idx)
            width = len(REVIEW_COLUMNS)
            if name in ("行政诉讼", "litigation_direct") and 2 * width - 2 <= numbers <= 2 * width + 1:
                idx = self.trim(idx, 2 * width)
                self.assign("reviews", "litigation_direct", REVIEW_COLUMNS, idx[:width])
                self.assign("reviews", "litigation_after_review", REVIEW_COLUMNS, idx[width:])
                return end
            if kind == "review" and 3 <= numbers <= width + 1 and self.assign("reviews", name, REVIEW_COLUMNS, idx):
                return end
            if kind == "review" and not numbers:
                self.review_row = name  # a heading naming the row: its numbers come after a header
        self.reviews_pending = True
        return i + 1

    def on_text(self, i: int) -> int:
        """A cell that is neither a label nor a value: a sub-item name, half a label, or prose."""
        if self.table == "active" and self.active_last and len(self.cells.texts[i]) <= 40 and (
                self.active_last.startswith("other_services") or self.services_label_follows(i)):
            name = subitem_name(self.cells.texts[i])
            if name:
                row = f"other_services.{name}"
                end = self.take_row(i, "active", row, ACTIVE_2019["other_services"], subitem=True)
                if end > i + 1:
                    self.active_last = row
                    return end
        if self.pending is not None and self.pending != i:
            joined = self.cells.texts[self.pending] + self.cells.texts[i]
            label = classify(joined)
            self.pending = None
            if label is not None and label.kind in ("request", "active"):
                nxt = self.on_label(i, label)
                if nxt is not None:
                    return nxt
        text = self.cells.texts[i]
        if len(text) <= 40 and len(normalize(text)) <= 20:
            self.pending = i
        return i + 1

    def services_label_follows(self, i: int) -> bool:
        """The 其他对外管理服务事项 label comes within the next rows, or wraps around this one: a
        sub-item above it is one of its own (a spanning label centred on its sub-items is
        printed beside a later one, or split between the rows of the first two)."""
        cells, row = self.cells, self.cells.row[i]
        if cells.col[i] > 0 and self.label(i - 1) is None:
            # The label wrapped over two rows, its halves beside the first two sub-items.
            after = cells.starts[row] + cells.widths[row]  # the first cell of the rows below
            if after < len(cells.texts) and cells.col[after] == 0:
                joined = classify(cells.texts[i - 1] + cells.texts[after])
                if joined is not None and joined == Label("active", "other_services"):
                    return True
        j = self.next_active(i + 1)
        if j is not None and cells.row[j] <= row + 3:
            label = self.label(j)
            return label is not None and label.key == "other_services"
        return False

    def next_active(self, i: int) -> int | None:
        """The first cell from ``i`` on that is an active-table row label (a table lookup:
        asked for every text cell of the active table, a scan each time was quadratic)."""
        if self._next_active is None:
            n = len(self.cells.texts)
            nxt: list[int | None] = [None] * (n + 1)
            for j in range(n - 1, -1, -1):
                label = self.label(j)
                nxt[j] = j if label is not None and label.kind == "active" else nxt[j + 1]
            self._next_active = nxt
        return self._next_active[i]

    def on_values(self, i: int) -> int:
        """Value cells with no label before them: the reviews row, one reviews row named by a
        heading, or stray numbers (kept, row by row, for the alignment)."""
        idx, end = self.run_of_values(i)
        # Blank cells before the first number in its row belong to the run (blank upheld …).
        start, row = i, self.cells.row[i]
        while start > 0 and self.cells.row[start - 1] == row and self.value(start - 1) is BLANK_CELL:
            start -= 1
        idx = list(range(start, i)) + idx
        if self.reviews_pending:
            if len(idx) >= _REVIEW_CELLS:
                self.take_reviews(idx)
                self.reviews_pending = False
                return end
            if self.review_row and self.assign("reviews", self.review_row, REVIEW_COLUMNS, idx, strict=True):
                self.review_row = None
                return end
        by_row: dict[int, list[int]] = {}
        for j in idx:
            by_row.setdefault(self.cells.row[j], []).append(j)
        self.strays += [run for run in by_row.values() if any(self.kind(j) != "blank" for j in run)]
        return end

    # --- collecting value cells ------------------------------------------------------------
    def collect(self, i: int) -> tuple[list[int], int]:
        """The value cells after label ``i``: its row's, or the next rows' when it ends its row."""
        cells, n = self.cells, len(self.cells.texts)
        cross = cells.ends_row(i)
        row = cells.row[i]
        out: list[int] = []
        j = i + 1
        label = self.label(i)
        if cross and j < n and label is not None and label.kind == "request" and self.is_label_tail(j):
            j += 1  # a wrapped label's tail starts the next line: "…相关政府" / "信息 236 6 …"
        while j < n and (cross or cells.row[j] == row):
            if self.value(j) is None:
                break
            if cross and out and cells.col[j] == 0 and self.row_has_text(cells.row[j]):
                break  # the next row has a label of its own: its leading blanks are its own
            out.append(j)
            j += 1
            if len(out) > 2 * _REVIEW_CELLS:
                break
        return out, j

    def row_has_text(self, r: int) -> bool:
        """Row ``r`` holds a cell that is not a value (a label, a name, text)."""
        start = self.cells.starts[r]
        return any(self.value(j) is None for j in range(start, start + self.cells.widths[r]))

    def is_label_tail(self, j: int) -> bool:
        """Cell ``j`` starts its row with a few words of text followed by a value cell."""
        cells = self.cells
        return (
            cells.col[j] == 0
            and self.label(j) is None
            and self.value(j) is None
            and len(cells.texts[j]) <= 12
            and j + 1 < len(cells.texts)
            and cells.row[j + 1] == cells.row[j]
            and self.value(j + 1) is not None
        )

    def run_of_values(self, i: int) -> tuple[list[int], int]:
        """Consecutive value cells from ``i`` on, across rows."""
        n = len(self.cells.texts)
        j = i
        while j < n and self.value(j) is not None:
            j += 1
        return list(range(i, j)), j

    def take_row(self, i: int, table: str, row: str, columns: tuple[str, ...], subitem: bool = False) -> int:
        """Assign the values after label ``i`` to a row; return where the walk goes on."""
        idx, end = self.collect(i)
        if self.assign(table, row, columns, idx, subitem=subitem):
            return end
        return i + 1

    # --- fitting values to columns -----------------------------------------------------------
    def assign(self, table: str, row: str, columns: tuple[str, ...], idx: list[int], subitem: bool = False,
               strict: bool = False) -> bool:
        """Fit value cells ``idx`` to ``columns`` (see the module docstring); False if all blank
        (or, ``strict``, when they do not fit without a guess: then nothing is kept)."""
        if not any(self.kind(j) != "blank" for j in idx):
            if idx and len(idx) >= len(columns):  # a row printed blank: every column reads 0
                self.blank.update(key(table, row, c) for c in columns)
                self.found.setdefault((table, row), idx[0])
            return False
        pairs = self.place(table, columns, idx)
        if pairs is None:
            if strict:
                return False
            self.unplaced(table, row, idx)
        else:
            for column, j in pairs:
                self.put(table, row, column, self.cell(j), j)
        self.found.setdefault((table, row), idx[0])
        return True

    def place(self, table: str, columns: tuple[str, ...], idx: list[int]) -> list[tuple[str, int]] | None:
        """The columns of value cells ``idx``, or None when any placement would be a guess."""
        pairs = self.by_header(columns, idx) if table == "active" else None
        if pairs is not None:
            return pairs
        n = len(columns)
        idx = list(idx)
        while len(idx) > n and self.kind(idx[0]) == "blank":
            idx.pop(0)
        while len(idx) > n and self.kind(idx[-1]) == "blank":
            idx.pop()
        if len(idx) == n:
            return list(zip(columns, idx))
        if len(idx) > n:
            printed = [j for j in idx if self.kind(j) != "blank"]
            if len(printed) == n:  # an empty slot too many (a phantom column): the printed values in order
                return list(zip(columns, printed))
            chosen = self.choose(table, columns, idx)
            return list(zip(columns, chosen)) if chosen else None
        return None

    def unplaced(self, table: str, row: str, idx: list[int]) -> None:
        """Cells that cannot be placed without a guess: their texts in raw under ``table/row/*``."""
        row_key = key(table, row, UNPLACED)
        if not any(k.startswith(row_key[:-1]) for k in (*self.facts, *self.raw)):
            self.raw[row_key] = " ".join(self.cells.texts[j] for j in idx if self.kind(j) != "blank")

    def by_header(self, columns: tuple[str, ...], idx: list[int]) -> list[tuple[str, int]] | None:
        """Values placed by their column under the header row, when the row is as wide as it.

        A slot the header does not name (or names twice: a span repeated) may only hold
        a blank or the repeated text of the slot before it; otherwise positions are not
        trusted and None is returned.
        """
        cells = self.cells
        row = cells.row[idx[0]]
        if not self.header or row == self.header_row or cells.widths[row] != self.header_width:
            return None
        if any(cells.row[j] != row for j in idx):
            return None
        pairs: list[tuple[str, int]] = []
        used: set[str] = set()
        previous = ""
        for j in idx:
            column = self.header.get(cells.col[j])
            text = cells.texts[j]
            if column in columns and column not in used:
                pairs.append((column, j))
                used.add(column)
            elif text and text != previous:
                return None
            previous = text
        return pairs or None

    def choose(self, table: str, columns: tuple[str, ...], idx: list[int]) -> list[int] | None:
        """Pick n of more value cells: the choice whose row sum holds; None when no choice
        is backed by the arithmetic (a stray cell could be any of them)."""
        n = len(columns)
        if table == "active" or len(idx) > n + 3:
            return None
        holding = [list(c) for c in combinations(idx, n) if self.sums_hold([self.cell(j) for j in c])]
        # Several choices add up (zeros): they must agree on every value, or none is taken.
        if holding and all([self.cell(j).text for j in c] == [self.cell(j).text for j in holding[0]]
                           for c in holding):
            return holding[0]
        return None

    def sums_hold(self, cells: list[Cell]) -> bool:
        """The parts (all but the last cell) add up to the last cell; blanks read 0."""
        if any(c.kind not in ("number", "blank") for c in cells):
            return False
        nums = [c.number or 0 for c in cells]
        return abs(sum(nums[:-1]) - nums[-1]) < 1e-9

    def put(self, table: str, row: str, column: str, cell: Cell, index: int) -> None:
        """Store one cell: a number in facts (money in 万元), other text in raw; first one wins."""
        fact_key = key(table, row, column)
        if fact_key in self.facts or fact_key in self.raw:
            return
        self.origins[fact_key] = index
        if cell.kind == "blank":
            self.blank.add(fact_key)
            return
        if cell.kind == "placeholder":
            self.blank.add(fact_key)
        if cell.kind != "number":
            self.raw[fact_key] = cell.text
        elif column in MONEY_COLUMNS:
            value, keep_raw = money_wan(cell, self.money_yuan)
            self.facts[fact_key] = value
            if keep_raw:
                self.raw[fact_key] = cell.text
        else:
            assert cell.number is not None
            self.facts[fact_key] = cell.number

    # --- headers and the reviews row ---------------------------------------------------------
    def read_header(self, i: int, column: str) -> None:
        """Remember the active table's column header row (positions, 元 in the money header)."""
        cells = self.cells
        row = cells.row[i]
        if column == "amount_wan":
            self.money_yuan = header_in_yuan(cells.texts[i])
        if row == self.header_row:
            return
        self.header_row, self.header_width, self.header = row, cells.widths[row], {}
        j = i - cells.col[i]
        for offset in range(cells.widths[row]):
            label = self.label(j + offset)
            if label is not None and label.kind == "active_header":
                self.header[offset] = label.key

    def trim(self, idx: list[int], need: int) -> list[int]:
        """Drop blank cells at the end, then at the start, while there are more than ``need``."""
        while len(idx) > need and self.kind(idx[-1]) == "blank":
            idx = idx[:-1]
        while len(idx) > need and self.kind(idx[0]) == "blank":
            idx = idx[1:]
        return idx

    def take_reviews(self, idx: list[int]) -> None:
        """The 15 numbers of the reviews row (review, direct, after review × 5 columns)."""
        need = _REVIEW_CELLS
        idx = self.trim(idx, need)
        if len(idx) > need:
            # A stray cell: dropped where the rows then add up, else nothing is placed.
            chosen = None
            if len(idx) == need + 1:
                for drop in range(len(idx) - 1, -1, -1):
                    cand = idx[:drop] + idx[drop + 1:]
                    if self.review_sums_hold(cand):
                        chosen = cand
                        break
            if chosen is None:
                self.unplaced("reviews", REVIEW_ROWS[0], idx)
                return
            idx = chosen
        width = len(REVIEW_COLUMNS)
        for r, row in enumerate(REVIEW_ROWS):
            for column, j in zip(REVIEW_COLUMNS, idx[r * width:(r + 1) * width]):
                self.put("reviews", row, column, self.cell(j), j)
            self.found.setdefault(("reviews", row), idx[r * width])

    def review_sums_hold(self, idx: list[int]) -> bool:
        """Each of the three reviews rows in ``idx`` adds up to its total."""
        width = len(REVIEW_COLUMNS)
        return all(
            self.sums_hold([self.cell(j) for j in idx[r * width:(r + 1) * width]])
            for r in range(len(REVIEW_ROWS))
        )


def read_cells(rows: list[Row], template: str, origins: dict[str, tuple[int, int]] | None = None) -> Reading:
    """What the active, requests and reviews tables in ``rows`` say (facts, raw, blanks).

    ``template`` (``"2019"`` or ``"2021"``) chooses the active table's columns. ``origins``,
    if given, is filled with the (row, column) in ``rows`` each fact or raw text was read
    from (OCR records look up the confidence of that cell).
    """
    reader = _Reader(rows, template)
    found = reader.run()
    if origins is not None:
        cells = reader.cells
        origins.update({k: (cells.row[j], cells.col[j]) for k, j in reader.origins.items()})
    return found


def read_tables(rows: list[Row], template: str,
                origins: dict[str, tuple[int, int]] | None = None) -> tuple[Facts, Raw]:
    """The facts and raw cell texts of :func:`read_cells`."""
    reading = read_cells(rows, template, origins)
    return reading.facts, reading.raw


def merge_sources(primary: Reading, fallback: Reading) -> Reading:
    """Per table, the source that read more of its cells; the primary (grids) on a tie."""
    merged = Reading()
    keys = (primary.keys(), fallback.keys())
    for table in ("active", "requests", "reviews"):
        prefix = table + "/"
        counts = [sum(1 for k in read if k.startswith(prefix)) for read in keys]
        source = primary if counts[0] >= counts[1] else fallback
        merged.facts.update({k: v for k, v in source.facts.items() if k.startswith(prefix)})
        merged.raw.update({k: v for k, v in source.raw.items() if k.startswith(prefix)})
        merged.blank.update(k for k in source.blank if k.startswith(prefix))
    return merged
