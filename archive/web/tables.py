"""The three statistics tables of a report laid out as printed, Chinese labels from parsers.keys.

:func:`report_tables` turns a record into rows of cells for the template to render;
:func:`violation_marks` says which cells the report's own arithmetic fails on, and why;
:func:`uncertain_cells` lists the cells of a scan that OCR could not read surely (shown as
存疑 in the tables, never as a figure: RECORD.md, ``uncertain``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from archive.labels import UNCERTAIN_MARK, column_label, fact_label, number, uncertain_label, violation_label  # noqa: F401
from parsers import keys

REQUEST_GROUPS = {
    "denied": "（三）不予公开", "unavailable": "（四）无法提供", "not_processed": "（五）不予处理", "other": "（六）其他处理",
}
OUTCOMES_TITLE = "三、本年度办理结果"


@dataclass
class Cell:
    key: str
    text: str
    violation: bool = False
    uncertain: str | None = None  # an OCR reading not stated as a fact: why, in a sentence


@dataclass
class Row:
    label: str
    cells: list[Cell] = field(default_factory=list)
    level: int = 0          # 0 top row, 1 item of a group, 2 sub-item
    heading: bool = False   # a label-only row (a group title)


@dataclass
class Table:
    key: str
    title: str
    header: list[list[tuple[str, int, int]]]  # rows of (label, colspan, rowspan)
    rows: list[Row]


def _cell(record: dict, key: str, marks: set[str]) -> Cell:
    facts, raw = record.get("facts") or {}, record.get("raw") or {}
    unsure = (record.get("uncertain") or {}).get(key)
    if unsure is not None:
        return Cell(key, UNCERTAIN_MARK, key in marks, uncertain_label(unsure))
    text = number(facts.get(key), missing="") if key in facts else (raw.get(key) or "")
    return Cell(key, text, key in marks)


def violation_marks(violations: list[str]) -> tuple[set[str], list[str]]:
    """``(fact keys to mark, one Chinese sentence per violation)``."""
    marks: set[str] = set()
    messages: list[str] = []
    for v in violations:
        rule, _, target = v.partition(":")
        if rule == "requests.row_sum":
            marks.add(keys.key("requests", target, "total"))
        elif rule == "requests.balance":
            marks.update(keys.key("requests", r, target) for r in ("new", "carried_over", "total", "carried_forward"))
        elif rule == "requests.outcomes_sum":
            marks.add(keys.key("requests", "total", target))
        elif rule == "reviews.row_sum":
            marks.add(keys.key("reviews", target, "total"))
        messages.append(violation_label(v))
    return marks, messages


def _active(record: dict, template: str, marks: set[str]) -> Table:
    rows_spec = keys.active_rows(template)
    facts_rows = {k.split("/")[1] for k in (record.get("facts") or {}) | (record.get("raw") or {})
                  if k.startswith("active/")}
    rows: list[Row] = []
    header_cols: tuple[str, ...] | None = None
    for row_key, cols in rows_spec.items():
        if cols != header_cols:  # a new block of the printed table, with its own column heads
            rows.append(Row("信息内容", [Cell("", column_label("active", row_key, c)) for c in cols], heading=True))
            header_cols = cols
        rows.append(Row(keys.ACTIVE_LABELS.get(row_key, row_key),
                        [_cell(record, keys.key("active", row_key, c), marks) for c in cols]))
        # local sub-items (other_services.行政检查 ...) follow their parent row
        for sub in sorted(r for r in facts_rows if r.startswith(row_key + ".")):
            rows.append(Row(sub.split(".", 1)[1], [_cell(record, keys.key("active", sub, c), marks) for c in cols],
                            level=1))
    return Table("active", "二、主动公开政府信息情况", [], rows)


def _requests(record: dict, template: str, marks: set[str]) -> Table:
    t = "2021" if template == "2021" else "2019"
    cols = keys.REQUEST_COLUMNS
    header = [[("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 1, 3), ("申请人情况", 7, 1)],
              [("自然人", 1, 2), ("法人或其他组织", 5, 1), ("总计", 1, 2)],
              [(keys.REQUEST_COLUMN_LABELS[c], 1, 1) for c in cols[1:6]]]
    rows: list[Row] = []
    seen_groups: set[str] = set()
    for row_key in keys.REQUEST_ROWS[t]:
        if row_key == "granted":
            rows.append(Row(OUTCOMES_TITLE, heading=True))
        group = row_key.split(".")[0]
        level = 1 if row_key in keys.OUTCOME_ROWS[t] else 0
        if "." in row_key and group in REQUEST_GROUPS and group not in seen_groups:
            rows.append(Row(REQUEST_GROUPS[group], heading=True, level=1))
            seen_groups.add(group)
        if "." in row_key:
            level = 2
        label = keys.REQUEST_ROW_LABELS.get(row_key, row_key)
        if row_key == "new":
            label = "一、" + label
        elif row_key == "carried_over":
            label = "二、" + label
        elif row_key == "carried_forward":
            label = "四、" + label
        elif row_key == "total":
            label = "（七）" + label
        rows.append(Row(label, [_cell(record, keys.key("requests", row_key, c), marks) for c in cols], level=level))
    return Table("requests", "三、收到和处理政府信息公开申请情况", header, rows)


def _reviews(record: dict, marks: set[str]) -> Table:
    labels = [keys.REVIEW_COLUMN_LABELS[c] for c in keys.REVIEW_COLUMNS]
    header = [[("行政复议", 5, 1), ("行政诉讼", 10, 1)],
              [("", 5, 1), ("未经复议直接起诉", 5, 1), ("复议后起诉", 5, 1)],
              [(label, 1, 1) for _ in keys.REVIEW_ROWS for label in labels]]
    cells = [_cell(record, keys.key("reviews", r, c), marks) for r in keys.REVIEW_ROWS for c in keys.REVIEW_COLUMNS]
    return Table("reviews", "四、政府信息公开行政复议、行政诉讼情况", header, [Row("", cells)])


def report_tables(record: dict) -> tuple[list[Table], list[str]]:
    """The record's three tables (as printed for its template) and the violation sentences."""
    template = record.get("template") or "unknown"
    marks, messages = violation_marks(list(record.get("violations") or []))
    return [_active(record, template, marks), _requests(record, template, marks), _reviews(record, marks)], messages


def uncertain_cells(record: dict) -> list[tuple[str, str, str]]:
    """``(key, Chinese label, why)`` of each cell OCR read but the record does not state, in key order."""
    return [(key, fact_label(key), uncertain_label(entry))
            for key, entry in sorted((record.get("uncertain") or {}).items())]


# The cell labels are the archive's vocabulary (archive.labels); re-exported for the templates.
__all__ = ["fact_label", "report_tables", "uncertain_cells", "violation_marks"]
