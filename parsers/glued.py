"""Tables whose cells run together: the labels and numbers of a row on one line, the
numbers glued into one run of digits (``规章000规范性文件898989``, ``160 02 0 018``), as
portal pages give their text when the table's cell boundaries are lost.

The template's row labels are found in order (the next row's label is searched after the
previous one's: the numbered sub-rows 1./2./… under different groups cannot be confused,
and a number glued to the next label's ordinal, ``…312.没有现成…``, ends before it). The
run after a label is split into the row's cells where the document leaves one reading:

- a space always separates two cells (spaces never fall inside a number), a minus sign
  starts a cell, a cell never starts with 0 before other digits, and only the active
  table's ``change`` column holds a negative number;
- of the readings left, those whose row sum holds (requests and reviews rows) — and,
  between the rows still ambiguous, the one under which the table's column sums hold;
- only one reading may remain; otherwise the row is not read (its cells stay missing),
  except the leading cells of an active row that every reading shares (``2648-18538``:
  上一年项目数量 2648 whatever the rest is).

Nothing is placed by a guess: a row printing fewer digits than cells is not read.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from itertools import product

from parsers.arithmetic import violations
from parsers.cells import money_wan, read_cell
from parsers.keys import MONEY_COLUMNS, REQUEST_COLUMNS, REQUEST_ROWS, REVIEW_COLUMNS, REVIEW_ROWS, \
    active_rows, key
from parsers.labels import header_in_yuan
from parsers.tables import Reading

# Printed labels of the rows, in template order (ordinals of numbered sub-rows included).
_ACTIVE_PRINTED = {
    "regulations": ("规章",), "normative_documents": ("行政规范性文件", "规范性文件"),
    "licensing": ("行政许可",), "other_services": ("其他对外管理服务事项",), "penalties": ("行政处罚",),
    "enforcement": ("行政强制",), "fees": ("行政事业性收费",), "procurement": ("政府集中采购",),
}
_REQUEST_PRINTED = {
    "new": "本年新收政府信息公开申请数量", "carried_over": "上年结转政府信息公开申请数量",
    "granted": "予以公开", "partially_granted": "部分公开（区分处理的，只计这一情形，不计其他情形）",
    "denied.state_secret": "1.属于国家秘密", "denied.prohibited_by_law": "2.其他法律行政法规禁止公开",
    "denied.three_safeties": "3.危及", "denied.third_party": "4.保护第三方合法权益",
    "denied.internal_affairs": "5.属于三类内部事务信息", "denied.process_info": "6.属于四类过程性信息",
    "denied.enforcement_file": "7.属于行政执法案卷", "denied.query_matter": "8.属于行政查询事项",
    "unavailable.not_held": "1.本机关不掌握相关政府信息", "unavailable.needs_creation": "2.没有现成信息需要另行制作",
    "unavailable.unclear": "3.补正后申请内容仍不明确", "not_processed.petition": "1.信访举报投诉类申请",
    "not_processed.duplicate": "2.重复申请", "not_processed.publication": "3.要求提供公开出版物",
    "not_processed.excessive": "4.无正当理由大量反复申请",
    "not_processed.confirmation": "5.要求行政机关确认或重新出具已获取信息",
    "other": "其他处理",
    "other.no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other.unpaid_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other.other": "3.其他", "total": "总计", "carried_forward": "结转下年度继续办理",
}
_THREE_SAFETIES_TAIL = "三安全一稳定"
_RUN = re.compile(r"(?:\s*[-−－+]?\d[\d,]*(?:\.\d+)?(?:万元|亿元|元|笔|件|项|个)?)+")
_ATOM = re.compile(r"-?\d+(?:\.\d+)?(?:万元|亿元|元|笔|件|项|个)?")
# Where each table's rows begin: its first block heading, or its column header.
_TABLE_START = {"active": re.compile(r"第\s*二\s*十\s*条\s*第\s*[（(]\s*一\s*[)）]\s*项"),
                "requests": re.compile(r"申\s*请\s*人\s*情\s*况")}
_MAX_READINGS = 4000
# Only where a label is followed at once by digits is a text of this kind.
_GLUED_HINT = re.compile(r"(?:本年新收政府信息公开申请数量|予以公开|规章)\s*\d")


def _pattern(label: str) -> re.Pattern[str]:
    """A printed label, any whitespace allowed between its characters, its quotes optional."""
    parts = []
    for ch in label:
        if ch == ".":
            parts.append(r"\s*[.、．]\s*")
        elif ch in "（）":
            parts.append(r"\s*[（(）)]?\s*")
        else:
            parts.append(re.escape(ch) + r"\s*")
    return re.compile("".join(parts))


@lru_cache(maxsize=None)
def _patterns(template: str) -> tuple[tuple[str, str, tuple[re.Pattern[str], ...]], ...]:
    rows: list[tuple[str, str, tuple[re.Pattern[str], ...]]] = []
    for row in active_rows(template):
        rows.append(("active", row, tuple(_pattern(p) for p in _ACTIVE_PRINTED[row])))
    for row in REQUEST_ROWS[template]:
        rows.append(("requests", row, (_pattern(_REQUEST_PRINTED[row]),)))
    return tuple(rows)


def _cells_of(atom: str, k: int) -> Iterator[list[str]]:
    """Every split of one atom (digits, maybe signed, a decimal or a unit at its end) into k cells."""
    sign = "-" if atom.startswith("-") else ""
    body = atom[len(sign):]
    m = re.match(r"^(\d+)(.*)$", body)
    if not m:
        return
    digits, tail = m.groups()  # tail: ".52元", "元", ""
    if k == 1:
        if len(digits) > 1 and digits[0] == "0":
            return
        yield [sign + digits + tail]
        return

    def rec(s: str, k: int) -> Iterator[list[str]]:
        if k == 1:
            if s and not (len(s) > 1 and s[0] == "0"):
                yield [s]
            return
        for i in range(1, len(s) - k + 2):
            head = s[:i]
            if len(head) > 1 and head[0] == "0":
                break
            for rest in rec(s[i:], k - 1):
                yield [head] + rest

    for cells in rec(digits, k):
        cells[0] = sign + cells[0]
        cells[-1] += tail
        yield cells


def readings(run: str, n: int) -> list[list[str]]:
    """Every reading of a run of glued numbers as ``n`` cells (capped)."""
    atoms: list[str] = []
    for chunk in run.split():
        chunk = chunk.replace("−", "-").replace("－", "-").replace(",", "")
        found = _ATOM.findall(chunk)
        if "".join(found) != chunk:
            return []
        atoms += found
    if not atoms:
        return []
    out: list[list[str]] = []

    def rec(a: int, left: int, acc: list[str]) -> None:
        if len(out) > _MAX_READINGS:
            return
        if a == len(atoms):
            if left == 0:
                out.append(acc)
            return
        digits = len(re.sub(r"\D", "", atoms[a].split(".")[0]))
        rest_min = len(atoms) - a - 1
        for k in range(1, min(digits, left - rest_min) + 1):
            for cells in _cells_of(atoms[a], k):
                rec(a + 1, left - k, acc + cells)

    rec(0, n, [])
    return out if len(out) <= _MAX_READINGS else []


def _number(text: str) -> float | int | None:
    cell = read_cell(text)
    return cell.number if cell is not None and cell.kind == "number" else None


def _sum_holds(cells: list[str]) -> bool:
    nums = [_number(c) for c in cells]
    if any(v is None for v in nums):
        return False
    return abs(sum(nums[:-1]) - nums[-1]) < 1e-9  # type: ignore[arg-type]


def _valid_signs(cells: list[str], columns: tuple[str, ...]) -> bool:
    return all(not c.startswith("-") or col == "change" for c, col in zip(cells, columns))


def _find_rows(text: str, template: str) -> list[tuple[str, str, str]]:
    """(table, row, run) for every row whose label is found, in order, with the run after it."""
    found: list[tuple[str, str, int, int]] = []
    pos = 0
    current, present = None, False
    for table, row, patterns in _patterns(template):
        if table != current:
            current = table
            start = _TABLE_START[table].search(text, pos)
            present = start is not None
            pos = start.end() if start else pos
        if not present:
            continue
        best = None
        for pattern in patterns:
            m = pattern.search(text, pos)
            if m and (best is None or m.start() < best.start()):
                best = m
        if best is None or best.start() - pos > 400:
            continue  # not printed (or far off: another part of the document)
        end = best.end()
        if row == "denied.three_safeties":  # 3.危及“三安全一稳定”: quotes of any kind
            tail = re.compile(r"\W*" + r"\s*".join(_THREE_SAFETIES_TAIL) + r"\W*").match(text, end)
            end = tail.end() if tail else end
        found.append((table, row, best.start(), end))
        pos = end
    return _runs(text, found)


def _runs(text: str, found: list[tuple[str, str, int, int]]) -> list[tuple[str, str, str]]:
    out = []
    for n, (table, row, start, end) in enumerate(found):
        limit = found[n + 1][2] if n + 1 < len(found) else len(text)
        run = _RUN.match(text, end, limit)
        out.append((table, row, run.group(0) if run else ""))
    return out


def _reviews_run(text: str) -> str:
    """The numbers after the reviews table's header (the 总计 after 复议后起诉 that digits follow)."""
    at = text.find("复议后起诉")
    if at < 0:
        return ""
    header_end = re.compile(r"总\s*计(?=\s*\d)").search(text, at)
    if header_end is None or header_end.start() - at > 200:
        return ""
    run = _RUN.match(text, header_end.end())
    return run.group(0) if run else ""


def read_glued(text: str, template: str) -> Reading:
    """The tables of a text whose cells run together (see the module docstring)."""
    reading = Reading()
    if template not in ("2019", "2021") or not _GLUED_HINT.search(text):
        return reading
    ambiguous: dict[str, list[list[str]]] = {}
    yuan = header_in_yuan(text[text.find("采购总金额"):text.find("采购总金额") + 12]) if "采购总金额" in text else False
    for table, row, run in _find_rows(text, template):
        if not run.strip():
            continue
        columns = active_rows(template)[row] if table == "active" else REQUEST_COLUMNS
        found = [r for r in readings(run, len(columns)) if _valid_signs(r, columns)]
        if table == "requests":
            found = [r for r in found if _sum_holds(r)]
        if len(found) == 1:
            _put(reading, table, row, columns, found[0], yuan)
        elif len(found) > 1 and table == "requests":
            ambiguous[row] = found
        elif len(found) > 1:
            shared = []
            for cells in zip(*found):
                if len(set(cells)) != 1:
                    break
                shared.append(cells[0])
            _put(reading, table, row, columns[:len(shared)], shared, yuan)
    _settle(reading, ambiguous, template)
    run = _reviews_run(text)
    if run:
        width = len(REVIEW_COLUMNS)
        found = [r for r in readings(run, width * len(REVIEW_ROWS))
                 if all(_sum_holds(r[i * width:(i + 1) * width]) for i in range(len(REVIEW_ROWS)))]
        if len(found) == 1:
            for i, row in enumerate(REVIEW_ROWS):
                _put(reading, "reviews", row, REVIEW_COLUMNS, found[0][i * width:(i + 1) * width], yuan)
    return reading


def _settle(reading: Reading, ambiguous: dict[str, list[list[str]]], template: str) -> None:
    """Requests rows with several readings: the one under which the column sums hold, alone."""
    changed = True
    while ambiguous and changed:
        changed = False
        for row, options in list(ambiguous.items()):
            ok = []
            for cells in options:
                trial = Reading(dict(reading.facts), dict(reading.raw), set(reading.blank))
                _put(trial, "requests", row, REQUEST_COLUMNS, cells, False)
                broken = {v for v in violations(trial.facts, template, trial.blank)
                          if v.startswith(("requests.outcomes_sum", "requests.balance"))}
                if not broken:
                    ok.append(cells)
            if len(ok) == 1:
                _put(reading, "requests", row, REQUEST_COLUMNS, ok[0], False)
                del ambiguous[row]
                changed = True
    # Rows ambiguous together (two rows of one column): every combination of their readings.
    rows = list(ambiguous)
    combos = 1
    for row in rows:
        combos *= len(ambiguous[row])
    if len(rows) < 2 or combos > 256:
        return
    holding = []
    for choice in product(*(ambiguous[row] for row in rows)):
        trial = Reading(dict(reading.facts), dict(reading.raw), set(reading.blank))
        for row, cells in zip(rows, choice):
            _put(trial, "requests", row, REQUEST_COLUMNS, cells, False)
        if not any(v.startswith(("requests.outcomes_sum", "requests.balance"))
                   for v in violations(trial.facts, template, trial.blank)):
            holding.append(choice)
    if len(holding) == 1:
        for row, cells in zip(rows, holding[0]):
            _put(reading, "requests", row, REQUEST_COLUMNS, cells, False)


def _put(reading: Reading, table: str, row: str, columns: tuple[str, ...], cells: list[str], yuan: bool) -> None:
    for column, text in zip(columns, cells):
        cell = read_cell(text.replace("笔", ""))  # 2笔: a count of purchases
        k = key(table, row, column)
        if cell is None or cell.kind != "number":
            continue
        if column in MONEY_COLUMNS:
            value, keep_raw = money_wan(cell, yuan)
            reading.facts[k] = value
            if keep_raw:
                reading.raw[k] = text
        else:
            reading.facts[k] = cell.number  # type: ignore[assignment]
