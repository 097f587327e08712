"""The report's own arithmetic (RECORD.md, "violations"): pure checks over the facts.

A blank cell (no fact) reads 0; a blank total beside non-zero parts is a violation;
a rule is checked only when at least one of its cells exists. Local sub-items of the
active table take no part.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from parsers.keys import APPLICANT_COLUMNS, OUTCOME_ROWS, REQUEST_COLUMNS, REQUEST_ROWS, REVIEW_COLUMNS, REVIEW_ROWS, key

Number = int | float
_TOLERANCE = 1e-6


def _holds(facts: Mapping[str, Number], parts: Iterable[str], total: str) -> bool | None:
    """Whether the parts add up to the total; None when none of the cells exists."""
    parts = list(parts)
    present = [facts[p] for p in parts if p in facts]
    if not present and total not in facts:
        return None
    if total not in facts:
        return not any(present)
    return abs(sum(present) - facts[total]) <= _TOLERANCE


def _outcome_rows(facts: Mapping[str, Number], template: str) -> tuple[str, ...]:
    """The outcome rows of the template; a 2021 table printing one 其他处理 row uses it."""
    rows = OUTCOME_ROWS["2021" if template == "2021" else "2019"]
    if template == "2021" and not any(k.startswith("requests/other.") for k in facts):
        rows = tuple(r for r in rows if not r.startswith("other.")) + ("other",)
    return rows


def violations(facts: Mapping[str, Number], template: str) -> list[str]:
    """The rules of the report's own arithmetic that its numbers break (``rule:row|column``)."""
    t = "2021" if template == "2021" else "2019"
    found: list[str] = []
    for row in REQUEST_ROWS[t]:
        ok = _holds(facts, (key("requests", row, c) for c in APPLICANT_COLUMNS), key("requests", row, "total"))
        if ok is False:
            found.append(f"requests.row_sum:{row}")
    for column in REQUEST_COLUMNS:
        cells = [key("requests", r, column) for r in ("new", "carried_over", "total", "carried_forward")]
        if any(c in facts for c in cells):
            new, carried_over, total, forward = (facts.get(c, 0) for c in cells)
            if abs((new + carried_over) - (total + forward)) > _TOLERANCE:
                found.append(f"requests.balance:{column}")
    for column in REQUEST_COLUMNS:
        parts = (key("requests", r, column) for r in _outcome_rows(facts, t))
        if _holds(facts, parts, key("requests", "total", column)) is False:
            found.append(f"requests.outcomes_sum:{column}")
    for row in REVIEW_ROWS:
        ok = _holds(facts, (key("reviews", row, c) for c in REVIEW_COLUMNS[:-1]), key("reviews", row, "total"))
        if ok is False:
            found.append(f"reviews.row_sum:{row}")
    return found
