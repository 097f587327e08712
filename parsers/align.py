"""Alignment of the runs of numbers no label took against the template's row sequence.

The template's rows come in a fixed order (active, requests, reviews). After the walk of
:mod:`parsers.tables`, the rows read are *anchors* at their places in the document; a
run of numbers left between two anchors can only belong to a row of the template that
lies between them in the sequence and was not read. Within such a gap the runs and the
unread rows are aligned in order (a monotone matching), each pair scored by:

- the label printed before the run — in its row, or on the line(s) above it, past a
  column-header line (``### 一、本年新收…`` / ``| 自然人 | … |`` / numbers) — compared with
  the row's label: exact (the label classifies as that row), else a fuzzy similarity
  (rapidfuzz) that tolerates dropped characters (``2.其他法律行政止公开``) and cut-off
  ends (``行政机关不再处理其政府信息公``);
- the count of numbers, which must fit the row's columns without a guess;
- a run with no label at all only where the gap holds as many runs as unread rows and
  the run's own row sum holds.

A label that classifies as another row never goes to this one, and where two matchings
score the same (a truncated label two rows share, both in the gap), the arithmetic
decides — the reading under which the report's printed totals add up — or nothing is
placed. Whatever is placed here is placed by :meth:`_Reader.assign`, like any row.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from parsers.arithmetic import violations
from parsers.keys import ACTIVE_LABELS, REQUEST_COLUMN_LABELS, REQUEST_COLUMNS, REQUEST_ROW_LABELS, REQUEST_ROWS, \
    REVIEW_COLUMN_LABELS, REVIEW_COLUMNS, REVIEW_ROW_LABELS, REVIEW_ROWS, active_rows
from parsers.labels import classify, normalize

if TYPE_CHECKING:  # pragma: no cover
    from parsers.tables import _Reader

Slot = tuple[str, str]  # (table, row)

# Below this similarity (0-100) a printed label is not taken for a row's.
_MIN_SIMILARITY = 60.0
# A label shorter than this is compared whole, never as the visible part of a cut label.
_MIN_PARTIAL = 6
# Words of column-header lines, which sit between a heading naming a row and its numbers.
_HEADER_WORDS = frozenset(
    {normalize(t) for t in (*REQUEST_COLUMN_LABELS.values(), *REVIEW_COLUMN_LABELS.values())}
    | {"法人或其他组织", "申请人情况", "信息内容", "行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉", "合计"}
)
_NO_MATCH = float("-inf")


def sequence(template: str) -> list[tuple[Slot, tuple[str, ...]]]:
    """The template's rows in report order, with their columns."""
    t = "2021" if template == "2021" else "2019"
    rows = [(("active", r), cols) for r, cols in active_rows(t).items()]
    rows += [(("requests", r), REQUEST_COLUMNS) for r in REQUEST_ROWS[t]]
    rows += [(("reviews", r), REVIEW_COLUMNS) for r in REVIEW_ROWS]
    return rows


def _canonical(slot: Slot, template: str) -> str:
    table, row = slot
    if table == "active":
        return "行政规范性文件" if template == "2021" and row == "normative_documents" else ACTIVE_LABELS[row]
    if table == "requests":
        return normalize(REQUEST_ROW_LABELS[row])
    return normalize(REVIEW_ROW_LABELS[row])


def similarity(text: str, slot: Slot, template: str) -> float:
    """How alike a printed label and a row's canonical label are (0-100).

    Dropped characters cost little (an edit-distance ratio); a label cut at a cell's
    edge scores as its visible part (a partial ratio, for texts of some length).
    """
    core = normalize(text)
    target = _canonical(slot, template)
    if not core:
        return 0.0
    score = fuzz.ratio(core, target)
    if len(core) >= _MIN_PARTIAL and len(core) < len(target):
        score = max(score, fuzz.partial_ratio(core, target) * 0.95)
    return score


def _read_slots(reader: "_Reader") -> set[Slot]:
    read: set[Slot] = set()
    for k in (*reader.facts, *reader.raw, *reader.blank):
        table, row, _ = k.split("/", 2)
        read.add((table, row.split(".", 1)[0] if row.startswith("other_services.") else row))
    return read


def is_header_row(reader: "_Reader", r: int) -> bool:
    """A line of column headers (自然人 商业企业 … 总计, 结果维持 …)."""
    cells = reader.cells
    texts = [t for t in cells.texts[cells.starts[r]:cells.starts[r] + cells.widths[r]] if t]
    if not texts:
        return False
    for t in texts:
        core = normalize(t)
        label = classify(t)
        if core in _HEADER_WORDS or (label is not None and label.kind in ("active_header", "review_header")):
            continue
        return False
    return True


def printed_label(reader: "_Reader", run: list[int]) -> list[str]:
    """The label texts printed for a run of numbers: the text cells before it in its row
    (the last one, and the last two joined), else the line(s) above it that hold only
    text, past column-header lines. Empty: a bare run."""
    cells = reader.cells
    first = run[0]
    row = cells.row[first]
    before = [cells.texts[j] for j in range(cells.starts[row], first)
              if cells.texts[j] and reader.value(j) is None]
    texts: list[str] = []
    for t in before:  # a span repeats its text: once is enough
        if not texts or texts[-1] != t:
            texts.append(t)
    if not texts:
        lines: list[str] = []
        r = row - 1
        while r >= 0 and row - r <= 4 and len(lines) < 2:
            start, width = cells.starts[r], cells.widths[r]
            line = [j for j in range(start, start + width) if cells.texts[j]]
            if any(reader.value(j) is not None for j in line):
                break
            if is_header_row(reader, r):
                if lines:
                    break
                r -= 1
                continue
            lines.insert(0, "".join(cells.texts[j] for j in line))
            label = classify(lines[0])
            if label is not None and label.kind != "request_group":
                break
            r -= 1
        texts = lines
    texts = [t for t in texts if (lab := classify(t)) is None or lab.kind != "request_group"]
    if not texts:
        return []
    out = [texts[-1]]
    if len(texts) >= 2:
        out.append(texts[-2] + texts[-1])
    return out


def _score(reader: "_Reader", run: list[int], labels: list[str], slot: Slot, columns: tuple[str, ...],
           bare_ok: bool) -> float:
    """The score of placing a run in a row; -inf when it cannot be that row."""
    table, row = slot
    if reader.place(table, columns, run) is None:
        return _NO_MATCH
    if not labels:
        if not bare_ok or table == "active":
            return _NO_MATCH
        pairs = reader.place(table, columns, run) or []
        cells = [reader.cell(j) for _, j in pairs]
        return 50.0 if len(cells) == len(columns) and reader.sums_hold(cells) else _NO_MATCH
    best = _NO_MATCH
    for text in labels:
        label = classify(text)
        if label is not None and label.kind in ("active", "request", "review"):
            if (label.key == row and label.kind[:3] == table[:3]) or (
                    row.startswith(label.key + ".") and label.kind == "request"):
                return 100.0
            continue  # another row's label: never this one
        sim = similarity(text, slot, reader.template)
        if sim >= _MIN_SIMILARITY:
            best = max(best, sim)
    return best


def _matchings(scores: list[list[float]]) -> list[tuple[float, list[tuple[int, int]]]]:
    """Every monotone matching of runs (rows of ``scores``) to slots (columns) with the
    best total, as (total, pairs); more than one means the choice is ambiguous."""
    k = len(scores)
    m = len(scores[0]) if scores else 0
    # best[a][b]: best total using runs[a:] and slots[b:]
    best = [[0.0] * (m + 1) for _ in range(k + 1)]
    for a in range(k - 1, -1, -1):
        for b in range(m - 1, -1, -1):
            options = [best[a + 1][b], best[a][b + 1]]
            if scores[a][b] != _NO_MATCH:
                options.append(scores[a][b] + best[a + 1][b + 1])
            best[a][b] = max(options)

    out: list[tuple[float, list[tuple[int, int]]]] = []

    def walk(a: int, b: int, pairs: list[tuple[int, int]]) -> None:
        if len(out) > 4:
            return
        if a == k or b == m:
            out.append((best[0][0], pairs))
            return
        target = best[a][b]
        if scores[a][b] != _NO_MATCH and abs(scores[a][b] + best[a + 1][b + 1] - target) < 1e-9:
            walk(a + 1, b + 1, pairs + [(a, b)])
        if abs(best[a + 1][b] - target) < 1e-9:
            walk(a + 1, b, pairs)
        if abs(best[a][b + 1] - target) < 1e-9:
            walk(a, b + 1, pairs)

    walk(0, 0, [])
    unique: dict[tuple, tuple[float, list[tuple[int, int]]]] = {}
    for total, pairs in out:
        unique.setdefault(tuple(pairs), (total, pairs))
    return list(unique.values())


def _trial_violations(reader: "_Reader", placements: list[tuple[Slot, tuple[str, ...], list[int]]]) -> int:
    """How many rules the report breaks with these placements added (nothing is kept)."""
    facts = dict(reader.facts)
    blank = set(reader.blank)
    for (table, row), columns, run in placements:
        for column, j in reader.place(table, columns, run) or []:
            cell = reader.cell(j)
            k = f"{table}/{row}/{column}"
            if cell.kind == "number":
                facts.setdefault(k, cell.number)  # type: ignore[arg-type]
            elif cell.kind in ("blank", "placeholder"):
                blank.add(k)
    return len(violations(facts, reader.template, blank=blank))


def fill_gaps(reader: "_Reader") -> None:
    """Place the stray runs of ``reader`` in the unread rows of the template's sequence."""
    seq = sequence(reader.template)
    order = {slot: n for n, (slot, _) in enumerate(seq)}
    read = _read_slots(reader)
    anchors = sorted((pos, order[slot]) for slot, pos in reader.found.items() if slot in order)
    # Anchors out of sequence (a table printed twice, a summary elsewhere) are not trusted.
    kept: list[tuple[int, int]] = []
    for pos, n in anchors:
        while kept and kept[-1][1] >= n:
            kept.pop()
        kept.append((pos, n))
    gaps: dict[tuple[int, int], list[list[int]]] = {}
    for run in reader.strays:
        pos = run[0]
        lo = max((n for p, n in kept if p < pos), default=-1)
        hi = min((n for p, n in kept if p > pos), default=len(seq))
        if lo < hi:
            gaps.setdefault((lo, hi), []).append(run)
    for (lo, hi), runs in gaps.items():
        if lo < 0 and hi >= len(seq):
            continue  # no row of the template read anywhere: numbers of some other table
        slots = [(slot, cols) for slot, cols in seq[lo + 1:hi] if slot not in read]
        # A fuzzy label or a bare run only in the table of an anchor beside the gap; a row of
        # another table (the reviews rows after the requests table) only by its exact label.
        near = {seq[n][0][0] for n in (lo, hi) if 0 <= n < len(seq)}
        if slots:
            _fill(reader, runs, slots, near, bare_ok=lo >= 0 and hi < len(seq) and len(runs) == len(slots))


def _fill(reader: "_Reader", runs: list[list[int]], slots: list[tuple[Slot, tuple[str, ...]]],
          near: set[str], bare_ok: bool) -> None:
    """Align the runs of one gap with its unread rows and place the pairs taken."""
    labels = [printed_label(reader, run) for run in runs]
    scores = []
    for run, lab in zip(runs, labels):
        row_scores = []
        for slot, cols in slots:
            score = _score(reader, run, lab, slot, cols, bare_ok and slot[0] in near)
            if slot[0] not in near and score < 100.0:
                score = _NO_MATCH
            row_scores.append(score)
        scores.append(row_scores)
    found = _matchings(scores)
    if not found or not found[0][1]:
        return
    if len(found) > 1:
        # Equal scores: the arithmetic decides, when one reading breaks fewer rules.
        tried = sorted((_trial_violations(reader, [(slots[b][0], slots[b][1], runs[a]) for a, b in pairs]), n)
                       for n, (_, pairs) in enumerate(found))
        if tried[0][0] == tried[1][0]:
            return
        found = [found[tried[0][1]]]
    for a, b in found[0][1]:
        (table, row), columns = slots[b]
        reader.assign(table, row, columns, runs[a], strict=True)
