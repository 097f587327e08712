"""OCR records: what the scan says for sure, and what it only seems to say.

A number read by OCR is stated as a fact only when the reading is sure. A cell is
*uncertain* — taken out of ``facts`` (and ``raw``), listed in ``record.uncertain`` with
what OCR read and why — when

- ``confidence``: the OCR confidence of the cell (its least sure character) is below
  :data:`THRESHOLD`, and no rule of the report's arithmetic vouches for it (a rule that
  holds with this reading while all its other cells were read surely);
- ``arithmetic``: a rule of the report's arithmetic fails, and reading one digit of this
  cell differently would make that rule (and no fewer others) hold. A scanned report's
  misprint and a misread digit look the same; neither is stated as a fact, and no
  violation is raised over it.

Rules touching an uncertain cell are not checked (``arithmetic.violations(unread=…)``),
so an uncertain cell never produces a violation either; nor is a rule weighed (to vouch,
to explain, as a violation) unless every one of its cells was read: a cell where OCR saw
nothing may be a printed blank or a number OCR missed, so it is never taken for 0. ``record.confidence`` keeps the
OCR confidence of every table cell read (facts and uncertain ones), two decimals.
"""
from __future__ import annotations

from parsers.arithmetic import rules, violations
from parsers.document import Document
from parsers.record import Record
from parsers.rows import grid_rows
from parsers.tables import read_tables

# PP-OCR reads a clean printed digit with 0.99+; a blurred or noisy one drops towards 0.8
# and a wrong one usually far lower (tests/benchmarks/bench_ocr.py prints the spread).
THRESHOLD = 0.9
# Rules are weighed only when every cell of theirs was read: a cell where OCR saw nothing
# is not a printed blank (0) here, a faint or missed number looks the same.
ALL_READ: frozenset[str] = frozenset()
# At most this many rounds of arithmetic explanations (each flags the cells that best
# explain the rules still failing).
_ROUNDS = 6


def cell_confidences(doc: Document, template: str) -> dict[str, tuple[float | None, object]]:
    """Key -> (OCR confidence, the number the grid cell reads as) for every table cell read from the grids."""
    rows: list[list[str]] = []
    places: list[tuple[int, int]] = []
    for g, grid in enumerate(doc.tables):
        for r, row in enumerate(grid):
            kept = grid_rows([[row]])
            if kept:
                rows.append(kept[0])
                places.append((g, r))
    origins: dict[str, tuple[int, int]] = {}
    facts, raw = read_tables(rows, template, origins)
    out = {}
    for key, (r, c) in origins.items():
        g, gr = places[r]
        cell = doc.tables[g][gr][c]
        out[key] = (getattr(cell, "score", None), facts.get(key, raw.get(key)))
    return out


def _alternatives(value: int | float) -> list[int]:
    """Other readings of a whole number: any one digit read differently (no new leading zero)."""
    if not isinstance(value, int) and not float(value).is_integer():
        return []
    digits = str(abs(int(value)))
    sign = -1 if value < 0 else 1
    out = []
    for i, d in enumerate(digits):
        for other in "0123456789":
            if other == d or (i == 0 and other == "0" and len(digits) > 1):
                continue
            out.append(sign * int(digits[:i] + other + digits[i + 1:]))
    return out


def _explain(facts: dict, template: str, unread: set[str], doubtful: set[str] | None = None) -> dict[str, list[int]]:
    """Cells whose other reading best repairs the failing rules: key -> the readings that do.

    ``doubtful``: the only cells that may be misread (None: any).
    """
    all_rules = rules(facts, template)
    failing = {r.name for r in all_rules if r.holds(facts, ALL_READ) is False and not set(r.cells()) & unread}
    if not failing:
        return {}
    suspects = {c for r in all_rules if r.name in failing for c in r.cells() if c in facts and c not in unread
                and (doubtful is None or c in doubtful)}
    best, found = 0, {}
    for cell in sorted(suspects):
        touching = [r for r in all_rules if cell in r.cells() and not (set(r.cells()) - {cell}) & unread]
        for value in _alternatives(facts[cell]):
            trial = {**facts, cell: value}
            fixed = sum(1 for r in touching if r.name in failing and r.holds(trial, ALL_READ))
            broken = any(r.name not in failing and r.holds(trial, ALL_READ) is False for r in touching)
            if fixed and not broken:
                if fixed > best:
                    best, found = fixed, {}
                if fixed == best:
                    found.setdefault(cell, []).append(value)
    return found


def review(record: Record, doc: Document) -> Record:
    """Mark ``record`` (built from the OCR'd ``doc``) as read by OCR; move unsure cells out of its facts."""
    record.source = doc.source or "ocr"
    scores = cell_confidences(doc, record.template) if record.facts or record.raw else {}
    confidence: dict[str, float] = {}
    uncertain: dict[str, dict] = {}
    for key, value in list(record.facts.items()) + list(record.raw.items()):
        score, read = scores.get(key, (None, None))
        if score is not None and read == value:
            confidence[key] = round(score, 2)
    # A mixed PDF: the cells of its text pages are what the file says; only the cells read
    # from its OCR'd pages (those with a confidence) may be doubted.
    doubtful = None if record.source == "ocr" else set(confidence)
    unsure = {k for k in record.facts if confidence.get(k, 1.0) < THRESHOLD}
    all_rules = rules(record.facts, record.template)
    for key in sorted(unsure):
        # A rule that holds with this reading, all its other cells read surely, vouches for it.
        if not any(key in r.cells() and r.holds(record.facts, ALL_READ) and not (set(r.cells()) - {key}) & unsure
                   for r in all_rules):
            uncertain[key] = {"read": record.facts[key], "confidence": confidence[key], "why": "confidence"}
    facts = {k: v for k, v in record.facts.items() if k not in uncertain}
    unread = set(uncertain)
    for _ in range(_ROUNDS):
        explained = _explain(facts, record.template, unread, doubtful)
        if not explained:
            break
        for key, values in explained.items():
            uncertain[key] = {"read": facts.pop(key), "confidence": confidence.get(key), "why": "arithmetic",
                              "alternatives": sorted(values)[:5]}
            unread.add(key)
    record.facts = facts
    record.raw = {k: v for k, v in record.raw.items() if k not in uncertain}
    record.violations = violations(facts, record.template, unread, blank=ALL_READ)
    record.confidence = dict(sorted(confidence.items()))
    record.uncertain = dict(sorted(uncertain.items()))
    return record

