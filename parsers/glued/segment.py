"""Which template row each run of a glued line belongs to.

The template's rows come in a fixed order (active, requests, reviews), each printed
as its label followed by its numbers, so a piece whose text *ends* with a row's label
(after ordinals, group titles and parentheticals) is that row's. Segmentation is an
alignment of the pieces against the template's sequence of rows (:data:`SLOTS`):

1. anchors: pieces whose text ends with a row's label exactly (labels from
   :mod:`parsers.keys` and :mod:`parsers.labels`, compared after
   :func:`parsers.labels.compact`);
2. the heaviest chain of anchors increasing in both text order and template order,
   gaps inside a table costing a little (so a label quoted in the prose before the
   table does not steal the table's first rows);
3. between two anchors of one table, the remaining pieces are aligned with the rows
   between them by similarity (an edit distance on the label's end: misspelt or
   spaced labels), in order.

Only the order and the labels are used here; the numbers are split in
:mod:`parsers.glued.solve`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from parsers.keys import ACTIVE_LABELS, OUTCOME_ROWS, REQUEST_ROW_LABELS, REVIEW_COLUMN_LABELS, REVIEW_ROW_LABELS
from parsers.labels import ACTIVE_ALIASES, ACTIVE_HEADERS, compact
from parsers.glued.tokens import Piece

# Share of a label's characters that may differ (dropped, swapped) in a fuzzy match.
_MAX_DISTANCE = 0.25
# Labels shorter than this are matched exactly only (规章, 总计, 其他).
_MIN_FUZZY = 6
# What a piece between two rows of one table costs the chain (a skipped run).
_GAP_COST = 0.05
# Pieces searched beyond an anchor where a gap is longer than the rows it may hold.
_EDGE = 3
_TRAILING = re.compile(r"(?:\([^()]*\)|[:：\s])+$")


@dataclass(frozen=True)
class Slot:
    """One row of the template sequence: its table, key, printed labels and ordinal."""

    table: str
    row: str
    labels: tuple[str, ...]
    ordinal: int | None = None


def _active_slots() -> list[Slot]:
    aliases: dict[str, list[str]] = {}
    for text, row in ACTIVE_ALIASES.items():
        aliases.setdefault(row, []).append(compact(text))
    return [Slot("active", row, tuple(aliases.get(row, [compact(ACTIVE_LABELS[row])]))) for row in ACTIVE_LABELS]


def _request_slots() -> list[Slot]:
    # Both templates' outcome rows, in order: 2019's single 其他处理 row before 2021's three.
    outcomes = list(OUTCOME_ROWS["2019"][:-1]) + ["other"] + [r for r in OUTCOME_ROWS["2021"] if r.startswith("other.")]
    slots = []
    for row in ["new", "carried_over", *outcomes, "total", "carried_forward"]:
        group, _, _ = row.partition(".")
        members = [r for r in outcomes if r.startswith(group + ".")] if "." in row else []
        ordinal = members.index(row) + 1 if members else None
        slots.append(Slot("requests", row, (compact(REQUEST_ROW_LABELS[row]),), ordinal))
    return slots


# The reviews table prints its 15 numbers as one run after its three-level header.
REVIEWS = "*"
SLOTS: tuple[Slot, ...] = (*_active_slots(), *_request_slots(),
                           Slot("reviews", REVIEWS, (compact(REVIEW_COLUMN_LABELS["total"]),)))
_REVIEW_WORDS = tuple(compact(REVIEW_ROW_LABELS[r]).split("·")[0] for r in REVIEW_ROW_LABELS) + ("行政诉讼",)
_EXACT: dict[str, list[int]] = {}
for _index, _slot in enumerate(SLOTS):
    for _label in _slot.labels:
        _EXACT.setdefault(_label, []).append(_index)
_LENGTHS = sorted({len(label) for label in _EXACT}, reverse=True)


def label_tail(text: str) -> str:
    """A piece's text as compared with labels: compacted, trailing parentheticals and colons off."""
    return _TRAILING.sub("", compact(text))


def _is_reviews_header(tail: str) -> bool:
    return any(word in tail for word in _REVIEW_WORDS)


def exact_slots(tail: str) -> list[int]:
    """The slots whose label the text ends with exactly."""
    found: list[int] = []
    for length in _LENGTHS:
        if length <= len(tail):
            for index in _EXACT.get(tail[-length:], ()):
                if SLOTS[index].row != REVIEWS or _is_reviews_header(tail):
                    found.append(index)
    return found


def fuzzy_distance(tail: str, slot: Slot) -> float:
    """The smallest share of edits turning the end of ``tail`` into one of the slot's labels."""
    best = 1.0
    for label in slot.labels:
        n = len(label)
        if n < _MIN_FUZZY or slot.row == REVIEWS:
            continue
        limit = int(n * _MAX_DISTANCE)
        for m in range(max(1, n - limit), min(len(tail), n + limit) + 1):
            d = Levenshtein.distance(label, tail[-m:], score_cutoff=limit)
            if d <= limit:
                best = min(best, d / n)
    return best


@dataclass(frozen=True)
class Match:
    """Piece ``piece`` holds the numbers of slot ``slot``."""

    piece: int
    slot: int
    weight: float


def _chain(matches: list[Match]) -> list[Match]:
    """The heaviest chain of matches increasing in piece and slot order."""
    best: list[float] = []
    back: list[int] = []
    for k, m in enumerate(matches):
        score, prev = m.weight, -1
        for j in range(k):
            p = matches[j]
            if p.piece < m.piece and p.slot < m.slot:
                gap = m.piece - p.piece - 1 if SLOTS[p.slot].table == SLOTS[m.slot].table else 0
                candidate = best[j] + m.weight - _GAP_COST * gap
                if candidate > score:
                    score, prev = candidate, j
        best.append(score)
        back.append(prev)
    if not best:
        return []
    k = max(range(len(best)), key=best.__getitem__)
    out: list[Match] = []
    while k >= 0:
        out.append(matches[k])
        k = back[k]
    return out[::-1]


def _fill_gap(tails: list[str], pieces: list[int], slots: range) -> list[Match]:
    """Pieces between two anchors aligned in order with the rows between them, by similarity."""
    scored = [(i, s, 1.0 - fuzzy_distance(tails[i], SLOTS[s])) for i in pieces for s in slots]
    scored = [Match(i, s, w) for i, s, w in scored if w > 1.0 - _MAX_DISTANCE - 1e-9]
    return _chain(scored)


def align(pieces: list[Piece]) -> dict[int, int]:
    """Piece index → slot index for every piece that holds a template row's numbers."""
    tails = [label_tail(p.text) for p in pieces]
    anchors = [Match(i, s, 1.0) for i, tail in enumerate(tails) for s in exact_slots(tail)]
    chain = _chain(sorted(anchors, key=lambda m: (m.piece, m.slot)))
    found = {m.piece: m.slot for m in chain}
    if not chain:
        return found
    # Gaps: between two anchors, and a few pieces before the first and after the last one
    # (a table's first or last row misspelt). Prose between tables makes a gap far longer
    # than its rows: such a gap is only searched next to its anchors.
    first, last = chain[0], chain[-1]
    bounds = [Match(max(-1, first.piece - _EDGE - 1), -1, 0.0), *chain,
              Match(min(len(pieces), last.piece + _EDGE + 1), len(SLOTS), 0.0)]
    for a, b in zip(bounds, bounds[1:]):
        slots = range(a.slot + 1, b.slot)
        if b.piece - a.piece <= 1 or not slots:
            continue
        between = list(range(a.piece + 1, b.piece))
        if len(between) > len(slots) + _EDGE:
            between = sorted(set(between[:_EDGE] + between[-_EDGE:]))
        for m in _fill_gap(tails, between, slots):
            found[m.piece] = m.slot
    return dict(sorted(found.items()))


# --- the active table's column headers ------------------------------------------------------
_HEADER_WORDS = sorted(((compact(word), column) for word, column in ACTIVE_HEADERS), key=lambda wc: -len(wc[0]))


def active_header(tail: str) -> list[tuple[str, str]]:
    """The column headers printed in a piece of the active table, in order: (column, text).

    The text runs to the next header word, so a money header keeps its unit
    (``采购总金额(元)``, ``本年收费金额(单位:万元)``).
    """
    taken: list[tuple[int, int, str]] = []
    for word, column in _HEADER_WORDS:
        start = tail.find(word)
        while start >= 0:
            end = start + len(word)
            if not any(s < end and start < e for s, e, _ in taken):
                taken.append((start, end, column))
            start = tail.find(word, start + 1)
    taken.sort()
    out: list[tuple[str, str]] = []
    for k, (start, end, column) in enumerate(taken):
        stop = taken[k + 1][0] if k + 1 < len(taken) else end
        text = tail[start:stop] if k + 1 < len(taken) else tail[start:end] + _unit_suffix(tail[end:])
        if not out or out[-1][0] != column:
            out.append((column, text))
    return out


def _unit_suffix(rest: str) -> str:
    match = re.match(r"\([^()]*\)", rest)
    return match.group() if match else ""
