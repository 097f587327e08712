"""Every way a run's tokens can be cut into a row's cells (bounded).

A split is a tuple of cell texts, one per column, such that:

- every token is cut into one or more whole cells (a cell never spans a space or
  starts after a sign: the printed separators are cell edges);
- a cell is ``0`` or does not start with ``0`` (money: ``0.5`` too);
- a sign (``-``, ``+``) starts a cell, and only a column that may be negative
  (本年增/减) takes one;
- a decimal point stays inside one cell, and only a money column takes one;
- a thousands separator (``1,409``) stays inside one cell, between whole groups of three.

``check`` prunes: it is called with the cells cut so far each time a cell is
complete (row sums are checked as soon as a row's cells are all cut). The work is
bounded by ``budget`` steps; beyond it the enumeration gives up (``None``), and the
caller leaves the row undetermined.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

Split = tuple[str, ...]
Check = Callable[[list[str]], bool]


@dataclass(frozen=True)
class Column:
    """What one column's cells may hold."""

    signed: bool = False
    money: bool = False


class OverBudget(Exception):
    """The enumeration took more steps than allowed."""


def value(cell: str) -> int | Decimal:
    """A cell text's number (``-15`` → -15, ``5949.088667`` → Decimal)."""
    text = cell.replace("−", "-").replace("－", "-").replace(",", "")
    return Decimal(text) if "." in text else int(text)


_GROUPED = re.compile(r"^[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?$")


def _cell_ok(cell: str, column: Column) -> bool:
    digits = cell.lstrip("+-−－")
    if digits != cell and not column.signed:
        return False
    if not digits or not digits[0].isdigit() or not digits[-1].isdigit():
        return False
    if "," in digits:  # thousands separators: whole groups of three, inside one cell
        if not _GROUPED.match(digits):
            return False
        digits = digits.replace(",", "")
    if "." in digits:
        if not column.money or digits.count(".") > 1:
            return False
        return digits[0] != "0" or digits[1] == "."
    return digits == "0" or digits[0] != "0"


def splits(tokens: Sequence[str], columns: Sequence[Column], check: Check | None = None,
           budget: int = 20000) -> list[Split] | None:
    """All splits of ``tokens`` into ``len(columns)`` cells passing ``check``; ``None`` over budget."""
    n = len(columns)
    if not tokens or len(tokens) > n or sum(sum(ch.isdigit() for ch in t) for t in tokens) < n:
        return []
    found: list[Split] = []
    cells: list[str] = []
    steps = [0]
    # Digits left after token k (each later cell needs one).
    after = [sum(len(t) for t in tokens[k + 1:]) for k in range(len(tokens))]

    def walk(k: int, start: int) -> None:
        steps[0] += 1
        if steps[0] > budget:
            raise OverBudget
        token = tokens[k]
        left = n - len(cells)
        for end in range(start + 1, len(token) + 1):
            last = end == len(token)
            # Cells still to cut after this one: at least one per token part left, at most
            # one per character left.
            if left - 1 < len(tokens) - k - 1 + (0 if last else 1) or left - 1 > after[k] + len(token) - end:
                continue
            if not last and token[end] in ".,":
                continue
            cell = token[start:end]
            if not _cell_ok(cell, columns[len(cells)]):
                continue
            cells.append(cell)
            if check is None or check(cells):
                if last:
                    if k + 1 == len(tokens):
                        if len(cells) == n:
                            found.append(tuple(cells))
                    else:
                        walk(k + 1, 0)
                else:
                    walk(k, end)
            cells.pop()

    try:
        walk(0, 0)
    except OverBudget:
        return None
    return found
