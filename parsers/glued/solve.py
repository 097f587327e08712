"""Splitting the runs of a table into cells, with the table's own arithmetic as evidence.

A cell is *determined* when every reading still possible gives it the same value;
only determined cells become numbers. The readings possible are narrowed in three
steps, each taken only when the report's printed arithmetic allows it:

1. the digits alone (:mod:`parsers.glued.splits`): ``0000000`` is seven zeros;
2. the row's own sum (requests: the six applicant columns add up to 总计; reviews:
   维持 + 纠正 + 其他 + 尚未审结 = 总计 in each of the three rows). A row none of
   whose readings adds up prints wrong arithmetic: it keeps every reading of step 1
   (it is read, never "repaired"), and step 3 is not taken for its table;
3. the table's sums, solved jointly over the requests rows still ambiguous: per
   column, the outcome rows add up to 总计, and 本年新收 + 上年结转 = 总计 +
   结转下年度. Only sums whose rows were all found take part. When no combination
   of readings satisfies them all, the printed table does not add up, and nothing
   is narrowed by them.

The joint search is bounded (:data:`JOINT_BUDGET` steps); beyond it, or beyond a
row's split budget, readings are left as they were — less is determined, nothing
is guessed.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from parsers.keys import OUTCOME_ROWS, REQUEST_COLUMNS, REVIEW_COLUMNS, REVIEW_ROWS
from parsers.glued.splits import Column, Split, splits, value

# Steps of one row's split enumeration, and of the joint search over a table.
SPLIT_BUDGET = 20000
JOINT_BUDGET = 20000

Number = int | Decimal
Values = tuple[Number, ...]


@dataclass
class RowReading:
    """The readings of one row's run that remain possible."""

    columns: tuple[str, ...]
    readings: list[Split]
    adds_up: bool = True
    """False when a row sum applies and no reading satisfies it."""

    def cells(self) -> list[str | tuple[str, ...]]:
        """Per column: the cell text when every reading agrees, else the texts it could be."""
        out: list[str | tuple[str, ...]] = []
        for c in range(len(self.columns)):
            texts = list(dict.fromkeys(r[c] for r in self.readings))
            out.append(texts[0] if len(texts) == 1 else tuple(texts))
        return out


def _sums_hold(cells: Sequence[str], width: int) -> bool:
    """Each complete group of ``width`` cells: the parts add up to the last."""
    done = len(cells) - len(cells) % width
    for start in range(0, done, width):
        nums = [value(c) for c in cells[start:start + width]]
        if sum(nums[:-1]) != nums[-1]:
            return False
    return True


def read_row(tokens: Sequence[str], columns: tuple[str, ...], kinds: Sequence[Column],
             sum_width: int | None = None) -> RowReading | None:
    """The readings of a run for these columns (``sum_width``: cells per row sum, if any).

    ``None`` when no reading exists (a short row) or the enumeration is over budget.
    """
    if sum_width:
        def check(cells: list[str]) -> bool:
            return len(cells) % sum_width != 0 or _sums_hold(cells[-sum_width:], sum_width)

        adding = splits(tokens, kinds, check, SPLIT_BUDGET)
        if adding is None:
            return None
        if adding:
            return RowReading(columns, adding)
    every = splits(tokens, kinds, None, SPLIT_BUDGET)
    if not every:
        return None
    return RowReading(columns, every, adds_up=not sum_width)


# --- the requests table: its sums solved jointly -------------------------------------------------
Equation = list[tuple[str, int, int]]  # (row, column index, coefficient): the terms sum to 0


def request_equations(rows: set[str]) -> list[Equation]:
    """The requests table's column sums over the rows found (RECORD.md's outcome and balance rules)."""
    if any(r.startswith("other.") for r in rows):
        outcomes: tuple[str, ...] | None = OUTCOME_ROWS["2021"]
    elif "other" in rows:
        outcomes = OUTCOME_ROWS["2019"]
    else:
        outcomes = None
    equations: list[Equation] = []
    for c in range(len(REQUEST_COLUMNS)):
        if outcomes and rows.issuperset(outcomes) and "total" in rows:
            equations.append([(r, c, 1) for r in outcomes] + [("total", c, -1)])
        if rows.issuperset(("new", "carried_over", "total", "carried_forward")):
            equations.append([("new", c, 1), ("carried_over", c, 1), ("total", c, -1), ("carried_forward", c, -1)])
    return equations


def solve_jointly(readings: dict[str, RowReading], equations: list[Equation],
                  budget: int = JOINT_BUDGET) -> dict[str, list[int]] | None:
    """Per ambiguous row, the indices of its readings that take part in some solution.

    ``None`` when nothing may be narrowed: no equation, no solution (the printed table
    does not add up) or over budget.
    """
    values = {r: [tuple(value(c) for c in reading) for reading in rr.readings] for r, rr in readings.items()}
    ambiguous = sorted((r for r in readings if len(readings[r].readings) > 1), key=lambda r: len(values[r]))
    equations = [e for e in equations if any(r in ambiguous for r, _, _ in e)]
    if not ambiguous or not equations:
        return None
    position = {r: k for k, r in enumerate(ambiguous)}
    # Per equation: the fixed rows' sum, and the ambiguous rows' terms with their bounds.
    fixed: list[Number] = []
    terms: list[list[tuple[int, int, int]]] = []
    for eq in equations:
        fixed.append(sum(coef * values[r][0][c] for r, c, coef in eq if r not in position))
        terms.append([(position[r], c, coef) for r, c, coef in eq if r in position])
    low = [[min(coef * v[c] for v in values[ambiguous[p]]) for p, c, coef in t] for t in terms]
    high = [[max(coef * v[c] for v in values[ambiguous[p]]) for p, c, coef in t] for t in terms]
    chosen: list[int] = []
    survived: list[set[int]] = [set() for _ in ambiguous]
    steps = [0]

    def feasible() -> bool:
        depth = len(chosen)
        for e, t in enumerate(terms):
            total: Number = fixed[e]
            lo: Number = 0
            hi: Number = 0
            for k, (p, c, coef) in enumerate(t):
                if p < depth:
                    total += coef * values[ambiguous[p]][chosen[p]][c]
                else:
                    lo += low[e][k]
                    hi += high[e][k]
            if not (total + lo <= 0 <= total + hi):
                return False
        return True

    def walk() -> bool:
        """Depth-first over the ambiguous rows' readings; True to stop early."""
        steps[0] += 1
        if steps[0] > budget:
            raise _OverBudget
        depth = len(chosen)
        if depth == len(ambiguous):
            for p, k in enumerate(chosen):
                survived[p].add(k)
            return all(len(s) == len(values[r]) for s, r in zip(survived, ambiguous))
        for k in range(len(values[ambiguous[depth]])):
            chosen.append(k)
            if feasible() and walk():
                return True
            chosen.pop()
        return False

    try:
        walk()
    except _OverBudget:
        return None
    if not any(survived):
        return None
    return {r: sorted(s) for r, s in zip(ambiguous, survived)}


class _OverBudget(Exception):
    pass


def narrow_requests(readings: dict[str, RowReading]) -> bool:
    """Narrow the requests rows' readings by the table's sums; True when they were applied."""
    if not all(rr.adds_up for rr in readings.values()):
        return False
    kept = solve_jointly(readings, request_equations(set(readings)))
    if kept is None:
        return False
    for row, indices in kept.items():
        readings[row].readings = [readings[row].readings[k] for k in indices]
    return True


REQUEST_KINDS = tuple(Column() for _ in REQUEST_COLUMNS)
REVIEW_CELLS = tuple(f"{r}/{c}" for r in REVIEW_ROWS for c in REVIEW_COLUMNS)
REVIEW_KINDS = tuple(Column() for _ in REVIEW_CELLS)
