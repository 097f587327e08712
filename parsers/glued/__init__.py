"""Statistics tables printed as one glued line, turned into the rows the table engine reads.

Portal pages flattened to text (the Pingtan archive's ``page.txt``, a crawler's body
text) print each table as one line: labels and numbers with no separator, or with
spaces that do not mark every cell (``…申请数量801000081二、上年结转…0000000…``).
:func:`glued_rows` reads such a line:

1. :mod:`~parsers.glued.tokens` cuts it into texts and runs of numbers;
2. :mod:`~parsers.glued.segment` aligns the texts with the template's rows (labels
   in their fixed order, misspellings tolerated) and reads the active table's
   column headers;
3. :mod:`~parsers.glued.splits` and :mod:`~parsers.glued.solve` split each run
   into its row's cells, with the row's and the table's sums as evidence, keeping
   a cell only when every reading still possible agrees on it;
4. the rows come out as ``[label, cell, …]`` with the template's labels: a
   determined cell as its number, an undetermined one as the readings it could
   have (``4或45``: a text, kept in ``raw``, never a fact, never 0 in the
   arithmetic). A row with no determined cell is left out.

Pure, no I/O; the work is bounded (see the budgets in :mod:`~parsers.glued.solve`).
"""
from __future__ import annotations

from parsers.glued.segment import REVIEWS, SLOTS, active_header, align, exact_slots, label_tail
from parsers.glued.solve import REQUEST_KINDS, REVIEW_CELLS, REVIEW_KINDS, RowReading, narrow_requests, read_row
from parsers.glued.splits import Column
from parsers.glued.tokens import Piece, settle, tokenize
from parsers.labels import compact
from parsers.keys import (
    ACTIVE_2019, ACTIVE_2021, ACTIVE_LABELS, MONEY_COLUMNS, REQUEST_COLUMNS, REQUEST_ROW_LABELS, REVIEW_ROW_LABELS,
)

Row = list[str]

# A line with fewer template rows than this is left to the other text layouts.
MIN_ROWS = 3
# An undetermined cell's text must stay a short value cell (parsers.cells reads longer text as prose).
_MAX_ALTERNATIVES = 3
_MAX_TEXT = 20
_OTHER_GROUP = "（六）其他处理"
# The longest text taken for a unit word between two numbers of one row.
_MAX_UNIT = 2


def glued_rows(line: str) -> list[Row] | None:
    """The table rows held in one glued line, or ``None`` when the line holds no glued table."""
    if len(line) < 20 or not any(ch.isdigit() for ch in line):
        return None
    pieces = _join_interrupted(tokenize(line))
    if len(pieces) < MIN_ROWS:
        return None
    found = align(pieces)
    if len(found) < MIN_ROWS:
        return None
    _settle_ordinals(pieces, found)
    return _render(pieces, found)


def _join_interrupted(pieces: list[Piece]) -> list[Piece]:
    """Runs cut by a unit word (``2笔 984361元``, ``15件03件``) joined again: a text of one or
    two characters that is no label is a cell's unit, and marks a cell edge."""
    out: list[Piece] = []
    for piece in pieces:
        text = compact(piece.text)
        if out and 0 < len(text) <= _MAX_UNIT and not any(ch.isdigit() for ch in text) \
                and not exact_slots(label_tail(piece.text)):
            run = out[-1].run
            run.text, run.ordinal, run.unit = f"{run.text} {piece.run.text}", piece.run.ordinal, piece.run.unit
            continue
        out.append(piece)
    return out


def _settle_ordinals(pieces: list[Piece], found: dict[int, int]) -> None:
    """Give each run its tokens, taking off the next label's ordinal where the template names it.

    A run ending in digits + separator (``…00000002.其他``) sheds the template's ordinal of
    the row that follows; when the row that follows has no ordinal or another one, the
    run's last digits cannot be told from the ordinal, and the run is left unread.
    """
    for i, piece in enumerate(pieces):
        run = piece.run
        if not run.ordinal:
            settle(run, 0)
            continue
        nxt = found.get(i + 1)
        ordinal = SLOTS[nxt].ordinal if nxt is not None else None
        if ordinal is not None and run.ordinal[:-1].endswith(str(ordinal)):
            settle(run, len(str(ordinal)))
        else:
            run.tokens = []


def _alternatives(texts: tuple[str, ...]) -> str | None:
    """The text of an undetermined cell: its possible values (``4或45或…``), or None if too long."""
    shown = list(texts[:_MAX_ALTERNATIVES])
    while shown:
        text = "或".join(shown) + ("或…" if len(shown) < len(texts) else "")
        if len(text) <= _MAX_TEXT:
            return text
        shown.pop()
    return None


def _row(label: str, reading: RowReading | None, unit: str = "", money: int | None = None) -> Row | None:
    """``[label, cell, …]``, or None when no cell is determined."""
    if reading is None:
        return None
    cells: Row = [label]
    determined = False
    for c, cell in enumerate(reading.cells()):
        if isinstance(cell, str):
            determined = True
            cells.append(cell + unit if c == money else cell)
            continue
        text = _alternatives(cell)
        if text is None:
            return None
        cells.append(text)
    return cells if determined else None


def _active_columns(row: str, header: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """The columns a row is printed under: its block's header, when it is one of the row's templates'."""
    known = {ACTIVE_2019[row], ACTIVE_2021.get(row)}
    return header if header in known else None


def _render(pieces: list[Piece], found: dict[int, int]) -> list[Row]:
    """The rows of every table found, in the form the table engine reads."""
    active: list[Row] = []
    header: tuple[str, ...] | None = None
    requests: dict[str, RowReading] = {}
    reviews: list[Row] = []
    for i, s in found.items():
        slot, run = SLOTS[s], pieces[i].run
        if slot.table == "active":
            printed = active_header(label_tail(pieces[i].text))
            if printed:
                header = tuple(column for column, _ in printed)
                active.append(["信息内容", *(text for _, text in printed)])
            columns = _active_columns(slot.row, header)
            if columns is None:
                continue
            kinds = [Column(signed=c == "change", money=c in MONEY_COLUMNS) for c in columns]
            money = next((k for k, c in enumerate(columns) if c in MONEY_COLUMNS), None)
            row = _row(ACTIVE_LABELS[slot.row], read_row(run.tokens, columns, kinds), run.unit, money)
            if row:
                active.append(row)
        elif slot.table == "requests":
            reading = read_row(run.tokens, REQUEST_COLUMNS, REQUEST_KINDS, len(REQUEST_COLUMNS))
            if reading is not None:
                requests[slot.row] = reading
        elif slot.row == REVIEWS:
            row = _row(REVIEW_ROW_LABELS["review"], read_row(run.tokens, REVIEW_CELLS, REVIEW_KINDS, 5))
            if row:
                reviews = [[REVIEW_ROW_LABELS["review"], "行政诉讼"], row[1:]]
    narrow_requests(requests)
    out = [r for r in active if len(r) > 1] if any(r[0] != "信息内容" for r in active) else []
    for row, reading in requests.items():
        if row.startswith("other.") and not any(r[0] == _OTHER_GROUP for r in out):
            out.append([_OTHER_GROUP])
        cells = _row(REQUEST_ROW_LABELS[row], reading)
        if cells:
            out.append(cells)
    return out + reviews
