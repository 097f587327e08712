"""The report's own arithmetic (RECORD.md, "violations"): pure checks over the facts.

A rule is checked only when every cell it names was read: a number, or a cell printed
blank (or with a placeholder such as —), which reads 0 — so a blank total beside
non-zero parts is a violation. A cell of a row the parser did not find was not read,
and no rule is ever checked over it: a violation built on an unfound row would be a
false statement about the agency. Nor over a cell in ``unread`` (a cell the record
cannot vouch for, such as an uncertain OCR reading). Local sub-items of the active
table take no part.

Without the set of blank cells (``blank=None``, facts from elsewhere) every absent cell
counts as a printed blank, and a rule is checked when at least one of its cells exists.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache

from parsers.keys import APPLICANT_COLUMNS, OUTCOME_ROWS, REQUEST_COLUMNS, REQUEST_ROWS, REVIEW_COLUMNS, REVIEW_ROWS, key

Number = int | float
_TOLERANCE = 1e-6


def _outcome_rows(read: Collection[str], template: str) -> tuple[str, ...]:
    """The outcome rows of the template; a 2021 table printing one 其他处理 row uses it."""
    rows = OUTCOME_ROWS["2021" if template == "2021" else "2019"]
    if template == "2021" and not any(k.startswith("requests/other.") for k in read):
        rows = tuple(r for r in rows if not r.startswith("other.")) + ("other",)
    return rows


@dataclass(frozen=True)
class Rule:
    """One equation of the report: the ``left`` cells add up to the ``right`` cells (a blank reads 0)."""

    name: str
    left: tuple[str, ...]
    right: tuple[str, ...]

    def cells(self) -> tuple[str, ...]:
        return self.left + self.right

    def holds(self, facts: Mapping[str, Number], blank: Collection[str] | None = None) -> bool | None:
        """Whether it holds; None when it cannot be checked: with ``blank`` (the cells printed
        blank) unless every cell was read, without it when none of its cells exists."""
        cells = self.cells()
        if blank is None:
            if not any(c in facts for c in cells):
                return None
        elif not all(c in facts or c in blank for c in cells):
            return None
        return abs(sum(facts.get(c, 0) for c in self.left) - sum(facts.get(c, 0) for c in self.right)) <= _TOLERANCE


def rules(facts: Mapping[str, Number], template: str, blank: Collection[str] = ()) -> list[Rule]:
    """The report's equations (RECORD.md), in the order their violations are listed."""
    t = "2021" if template == "2021" else "2019"
    return list(_rules(t, _outcome_rows(facts.keys() | set(blank), t)))


@lru_cache(maxsize=8)
def _rules(t: str, outcomes: tuple[str, ...]) -> tuple[Rule, ...]:
    out = [Rule(f"requests.row_sum:{row}", tuple(key("requests", row, c) for c in APPLICANT_COLUMNS),
                (key("requests", row, "total"),)) for row in REQUEST_ROWS[t]]
    out += [Rule(f"requests.balance:{column}", (key("requests", "new", column), key("requests", "carried_over", column)),
                 (key("requests", "total", column), key("requests", "carried_forward", column)))
            for column in REQUEST_COLUMNS]
    out += [Rule(f"requests.outcomes_sum:{column}", tuple(key("requests", r, column) for r in outcomes),
                 (key("requests", "total", column),)) for column in REQUEST_COLUMNS]
    out += [Rule(f"reviews.row_sum:{row}", tuple(key("reviews", row, c) for c in REVIEW_COLUMNS[:-1]),
                 (key("reviews", row, "total"),)) for row in REVIEW_ROWS]
    return tuple(out)


def violations(facts: Mapping[str, Number], template: str, unread: Collection[str] = (),
               *, blank: Collection[str] | None = None) -> list[str]:
    """The rules of the report's own arithmetic that its numbers break (``rule:row|column``).

    ``blank``: the keys of cells printed blank; ``unread``: cells no rule may be checked
    over (see the module docstring).
    """
    return [rule.name for rule in rules(facts, template, blank or ())
            if rule.holds(facts, blank) is False and not any(c in unread for c in rule.cells())]
