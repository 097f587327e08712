"""The report's own arithmetic (RECORD.md, "violations"): pure checks over the facts.

A rule is checked only when every cell it names was read: a number, or a cell printed
blank (or with a placeholder such as —), which reads 0 — so a blank total beside
non-zero parts is a violation. A cell of a row the parser did not find was not read,
and no rule is ever checked over it: a violation built on an unfound row would be a
false statement about the agency. Local sub-items of the active table take no part.

Without the set of blank cells (``blank=None``, facts from elsewhere) every absent cell
counts as a printed blank, and a rule is checked when at least one of its cells exists.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from parsers.keys import APPLICANT_COLUMNS, OUTCOME_ROWS, REQUEST_COLUMNS, REQUEST_ROWS, REVIEW_COLUMNS, REVIEW_ROWS, key

Number = int | float
_TOLERANCE = 1e-6


class _Cells:
    """The cells read: the numbers, and (when known) the cells printed blank."""

    def __init__(self, facts: Mapping[str, Number], blank: Collection[str] | None) -> None:
        self.facts = facts
        self.blank = blank

    def readable(self, cells: list[str]) -> bool:
        """Whether a rule over ``cells`` can be checked."""
        if self.blank is None:
            return any(c in self.facts for c in cells)
        return all(c in self.facts or c in self.blank for c in cells)

    def value(self, cell: str) -> Number:
        return self.facts.get(cell, 0)


def _holds(cells: _Cells, parts: Iterable[str], total: str) -> bool | None:
    """Whether the parts add up to the total; None when the rule cannot be checked."""
    parts = list(parts)
    if not cells.readable(parts + [total]):
        return None
    return abs(sum(cells.value(p) for p in parts) - cells.value(total)) <= _TOLERANCE


def _outcome_rows(cells: _Cells, template: str) -> tuple[str, ...]:
    """The outcome rows of the template; a 2021 table printing one 其他处理 row uses it."""
    rows = OUTCOME_ROWS["2021" if template == "2021" else "2019"]
    read = cells.facts.keys() | (cells.blank or set())
    if template == "2021" and not any(k.startswith("requests/other.") for k in read):
        rows = tuple(r for r in rows if not r.startswith("other.")) + ("other",)
    return rows


def violations(facts: Mapping[str, Number], template: str, blank: Collection[str] | None = None) -> list[str]:
    """The rules of the report's own arithmetic that its numbers break (``rule:row|column``).

    ``blank``: the keys of cells printed blank (see the module docstring).
    """
    t = "2021" if template == "2021" else "2019"
    cells = _Cells(facts, blank)
    found: list[str] = []
    for row in REQUEST_ROWS[t]:
        ok = _holds(cells, (key("requests", row, c) for c in APPLICANT_COLUMNS), key("requests", row, "total"))
        if ok is False:
            found.append(f"requests.row_sum:{row}")
    for column in REQUEST_COLUMNS:
        parts = [key("requests", r, column) for r in ("new", "carried_over", "total", "carried_forward")]
        if cells.readable(parts):
            new, carried_over, total, forward = (cells.value(c) for c in parts)
            if abs((new + carried_over) - (total + forward)) > _TOLERANCE:
                found.append(f"requests.balance:{column}")
    for column in REQUEST_COLUMNS:
        outcome = (key("requests", r, column) for r in _outcome_rows(cells, t))
        if _holds(cells, outcome, key("requests", "total", column)) is False:
            found.append(f"requests.outcomes_sum:{column}")
    for row in REVIEW_ROWS:
        ok = _holds(cells, (key("reviews", row, c) for c in REVIEW_COLUMNS[:-1]), key("reviews", row, "total"))
        if ok is False:
            found.append(f"reviews.row_sum:{row}")
    return found
