"""The report's own arithmetic (RECORD.md, "violations"): pure checks over the facts.

A blank cell (no fact) reads 0; a blank total beside non-zero parts is a violation;
a rule is checked only when at least one of its cells exists. Local sub-items of the
active table take no part.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from parsers.keys import APPLICANT_COLUMNS, OUTCOME_ROWS, REQUEST_COLUMNS, REQUEST_ROWS, REVIEW_COLUMNS, REVIEW_ROWS, key

Number = int | float
_TOLERANCE = 1e-6


def _outcome_rows(facts: Mapping[str, Number], template: str) -> tuple[str, ...]:
    """The outcome rows of the template; a 2021 table printing one 其他处理 row uses it."""
    rows = OUTCOME_ROWS["2021" if template == "2021" else "2019"]
    if template == "2021" and not any(k.startswith("requests/other.") for k in facts):
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

    def holds(self, facts: Mapping[str, Number]) -> bool | None:
        """Whether it holds; None when none of its cells exists (nothing to check)."""
        if not any(c in facts for c in self.cells()):
            return None
        return abs(sum(facts.get(c, 0) for c in self.left) - sum(facts.get(c, 0) for c in self.right)) <= _TOLERANCE


def rules(facts: Mapping[str, Number], template: str) -> list[Rule]:
    """The report's equations (RECORD.md), in the order their violations are listed."""
    t = "2021" if template == "2021" else "2019"
    out = [Rule(f"requests.row_sum:{row}", tuple(key("requests", row, c) for c in APPLICANT_COLUMNS),
                (key("requests", row, "total"),)) for row in REQUEST_ROWS[t]]
    out += [Rule(f"requests.balance:{column}", (key("requests", "new", column), key("requests", "carried_over", column)),
                 (key("requests", "total", column), key("requests", "carried_forward", column)))
            for column in REQUEST_COLUMNS]
    outcomes = _outcome_rows(facts, t)
    out += [Rule(f"requests.outcomes_sum:{column}", tuple(key("requests", r, column) for r in outcomes),
                 (key("requests", "total", column),)) for column in REQUEST_COLUMNS]
    out += [Rule(f"reviews.row_sum:{row}", tuple(key("reviews", row, c) for c in REVIEW_COLUMNS[:-1]),
                 (key("reviews", row, "total"),)) for row in REVIEW_ROWS]
    return out


def violations(facts: Mapping[str, Number], template: str, unread: Collection[str] = ()) -> list[str]:
    """The rules of the report's own arithmetic that its numbers break (``rule:row|column``).

    A rule with a cell in ``unread`` (a cell the record cannot vouch for, such as an
    uncertain OCR reading) is not checked.
    """
    return [rule.name for rule in rules(facts, template)
            if rule.holds(facts) is False and not any(c in unread for c in rule.cells())]
