"""A report to render, and the national template's tables built from it.

A :class:`SourceReport` holds what a generated document says (agency, year, template,
signing date, every cell value). :func:`tables` turns it into the template's three
tables as rows of :class:`Cell` with their real rowspan/colspan; the renderers
(HTML, PDF, DOCX, text) draw those, and :func:`expand` gives the grid a reader must
return. :meth:`SourceReport.expected` is the record the parser must produce.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from parsers import keys as K


@dataclass(frozen=True)
class Cell:
    """One cell as drawn: its text and how many rows/columns it spans."""

    text: str
    rowspan: int = 1
    colspan: int = 1


Table = list[list[Cell]]


@dataclass
class SourceReport:
    """What a generated report says. ``values`` has every cell of the template (and sub-items)."""

    agency: str
    year: int
    template: str  # "2019" or "2021"
    signed: str | None  # ISO date printed under the signature, or None
    values: dict[str, int | Decimal]
    blanks: frozenset[str] = frozenset()  # keys drawn as blank cells (their value is 0)
    sub_items: tuple[str, ...] = ()  # local sub-items of other_services (2019 template only)
    money_in_yuan: bool = False  # money cells written as "123456.78元" instead of 万元
    signed_style: str = "cn"  # "cn": 2021年1月7日, "dash": 2021-01-07
    narrative: tuple[str, ...] = field(default_factory=tuple)  # extra paragraphs (long reports)
    number_style: str = "plain"  # "plain", "thousands" (1,409), "units" (15件), "fullwidth" (１４０９)
    label_style: str = "template"  # "template", "ascii" ((三) 不予公开), "dun" (1、), "bare" (no numbering), "spaced"

    @property
    def title(self) -> str:
        return f"{self.agency}{self.year}年政府信息公开工作年度报告"

    def cell_text(self, fact_key: str) -> str:
        """The text of one value cell as printed."""
        if fact_key in self.blanks:
            return ""
        value = self.values[fact_key]
        column = K.split_key(fact_key)[2]
        if column in K.MONEY_COLUMNS:
            text = f"{value * 10000:f}" if self.money_in_yuan else f"{value:f}"
            if "." in text:
                text = text.rstrip("0").rstrip(".")
            return text + "元" if self.money_in_yuan else text
        if column == "change" and value > 0:
            return f"+{value}"
        text = str(value)
        if self.number_style == "thousands" and abs(value) >= 1000:
            text = f"{value:,}"
        elif self.number_style == "units" and value:
            text += "项" if fact_key.startswith("active/") else "件"
        elif self.number_style == "fullwidth":
            text = text.translate(_FULLWIDTH)
        return text

    def expected_facts(self) -> dict[str, int | float]:
        """Facts the parser must find: every printed number (blanks left out), money in 万元."""
        return {k: (float(v) if isinstance(v, Decimal) else v)
                for k, v in self.values.items() if k not in self.blanks}

    def expected_raw(self) -> dict[str, str]:
        """Raw texts the parser must keep: money cells whose unit it converted."""
        if not self.money_in_yuan:
            return {}
        return {k: self.cell_text(k) for k in self.values
                if K.split_key(k)[2] in K.MONEY_COLUMNS and k not in self.blanks}

    def signed_text(self) -> str | None:
        if not self.signed:
            return None
        y, m, d = (int(p) for p in self.signed.split("-"))
        if self.signed_style == "hanzi":  # 二〇二一年一月七日, as official documents print it
            return f"{_hanzi_digits(y)}年{_hanzi_number(m)}月{_hanzi_number(d)}日"
        return f"{y}年{m}月{d}日" if self.signed_style == "cn" else self.signed

    def label(self, text: str) -> str:
        """A row/column label as this report prints it (numbering and spacing vary)."""
        style = self.label_style
        if style == "ascii":
            return re.sub(r"（([一二三四五六七八九十]+)）", r"(\1) ", text)
        if style == "dun":
            return re.sub(r"^(\d+)\.", r"\1、", text)
        if style == "bare":
            return re.sub(r"^(\d+\.|（[一二三四五六七八九十]+）)", "", text)
        if style == "spaced" and len(text) <= 5:
            return " ".join(text)  # 规　章: short labels spread to fill the cell
        return text


_FULLWIDTH = str.maketrans("0123456789+-", "０１２３４５６７８９＋－")
_HANZI = "〇一二三四五六七八九"


def _hanzi_digits(n: int) -> str:
    return "".join(_HANZI[int(d)] for d in str(n))


def _hanzi_number(n: int) -> str:
    if n < 10:
        return _HANZI[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _HANZI[tens]) + "十" + (_HANZI[ones] if ones else "")


def all_keys(template: str, sub_items: tuple[str, ...] = ()) -> list[str]:
    """Every value cell of a report drawn with this template and these sub-items."""
    out = []
    for k in K.template_keys(template):
        table, row, column = K.split_key(k)
        if table == "active" and row == "other_services" and sub_items:
            out += [K.key("active", f"other_services.{s}", column) for s in sub_items]
        else:
            out.append(k)
    return out


# --- the template's tables -------------------------------------------------------------

_ACTIVE_2019 = (
    ("第二十条第（一）项", ("made", "published", "total"), ("regulations", "normative_documents")),
    ("第二十条第（五）项", ("previous", "change", "decisions"), ("licensing", "other_services")),
    ("第二十条第（六）项", ("previous", "change", "decisions"), ("penalties", "enforcement")),
    ("第二十条第（八）项", ("previous", "change"), ("fees",)),
    ("第二十条第（九）项", ("count", "amount_wan"), ("procurement",)),
)
_ACTIVE_2021 = (
    ("第二十条第（一）项", ("issued", "repealed", "in_force"), ("regulations", "normative_documents")),
    ("第二十条第（五）项", ("decisions",), ("licensing",)),
    ("第二十条第（六）项", ("decisions",), ("penalties", "enforcement")),
    ("第二十条第（八）项", ("amount_wan",), ("fees",)),
)
_ACTIVE_LABELS_2021 = {**K.ACTIVE_LABELS, "normative_documents": "行政规范性文件"}
_COLUMN_LABELS_2021 = {**K.ACTIVE_COLUMN_LABELS, "decisions": "本年处理决定数量",
                       "amount_wan": "本年收费金额（单位：万元）"}


def _spread(cells: list[str], width: int) -> list[Cell]:
    """Spread n cells over ``width`` columns, the last one taking the remaining columns."""
    out = [Cell(t) for t in cells[:-1]]
    out.append(Cell(cells[-1], colspan=width - len(cells) + 1))
    return out


def active_table(report: SourceReport) -> Table:
    """二、主动公开政府信息情况, drawn as the template draws it (4 columns, 5 with sub-items)."""
    is2021 = report.template == "2021"
    blocks = _ACTIVE_2021 if is2021 else _ACTIVE_2019
    labels = _ACTIVE_LABELS_2021 if is2021 else K.ACTIVE_LABELS
    col_labels = _COLUMN_LABELS_2021 if is2021 else K.ACTIVE_COLUMN_LABELS
    subs = report.sub_items if not is2021 else ()
    label_span = 2 if subs else 1
    width = 3 + label_span
    rows: Table = []
    for heading, columns, row_keys in blocks:
        rows.append([Cell(heading, colspan=width)])
        rows.append([Cell("信息内容", colspan=label_span)] + _spread([col_labels[c] for c in columns], 3))
        for row in row_keys:
            if row == "other_services" and subs:
                for i, sub in enumerate(subs):
                    values = [report.cell_text(K.key("active", f"other_services.{sub}", c)) for c in columns]
                    head = [Cell(labels[row], rowspan=len(subs))] if i == 0 else []
                    rows.append(head + [Cell(sub)] + _spread(values, 3))
                continue
            values = [report.cell_text(K.key("active", row, c)) for c in columns]
            rows.append([Cell(labels[row], colspan=label_span)] + _spread(values, 3))
    return rows


_OUTCOME_GROUPS_2019 = (
    ("（一）予以公开", ("granted",)),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ("partially_granted",)),
    ("（三）不予公开", tuple(r for r in K.OUTCOME_ROWS["2019"] if r.startswith("denied."))),
    ("（四）无法提供", tuple(r for r in K.OUTCOME_ROWS["2019"] if r.startswith("unavailable."))),
    ("（五）不予处理", tuple(r for r in K.OUTCOME_ROWS["2019"] if r.startswith("not_processed."))),
)


def _outcome_groups(template: str):
    other = ("other",) if template == "2019" else ("other.no_correction", "other.unpaid_fee", "other.other")
    return _OUTCOME_GROUPS_2019 + (("（六）其他处理", other), ("（七）总计", ("total",)))


def requests_table(report: SourceReport) -> Table:
    """三、收到和处理政府信息公开申请情况: 3 label columns + 7 applicant columns."""
    t = report.template

    def values(row: str) -> list[Cell]:
        return [Cell(report.cell_text(K.key("requests", row, c))) for c in K.REQUEST_COLUMNS]

    rows: Table = [
        [Cell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rowspan=3, colspan=3),
         Cell("申请人情况", colspan=7)],
        [Cell("自然人", rowspan=2), Cell("法人或其他组织", colspan=5), Cell("总计", rowspan=2)],
        [Cell(K.REQUEST_COLUMN_LABELS[c]) for c in K.APPLICANT_COLUMNS[1:]],
        [Cell("一、本年新收政府信息公开申请数量", colspan=3)] + values("new"),
        [Cell("二、上年结转政府信息公开申请数量", colspan=3)] + values("carried_over"),
    ]
    groups = _outcome_groups(t)
    n_outcome_rows = sum(len(g[1]) for g in groups)
    first = True
    for label, members in groups:
        for i, row in enumerate(members):
            cells: list[Cell] = []
            if first:
                cells.append(Cell("三、本年度办理结果", rowspan=n_outcome_rows))
                first = False
            if len(members) == 1:
                cells.append(Cell(label, colspan=2))
            else:
                if i == 0:
                    cells.append(Cell(label, rowspan=len(members)))
                cells.append(Cell(f"{i + 1}.{K.REQUEST_ROW_LABELS[row]}"))
            rows.append(cells + values(row))
    rows.append([Cell("四、结转下年度继续办理", colspan=3)] + values("carried_forward"))
    return rows


def reviews_table(report: SourceReport) -> Table:
    """四、政府信息公开行政复议、行政诉讼情况: the 3-level header and one row of 15 values."""
    names = [K.REVIEW_COLUMN_LABELS[c] for c in K.REVIEW_COLUMNS]
    values = [Cell(report.cell_text(K.key("reviews", r, c))) for r in K.REVIEW_ROWS for c in K.REVIEW_COLUMNS]
    return [
        [Cell("行政复议", colspan=5), Cell("行政诉讼", colspan=10)],
        [Cell(n, rowspan=2) for n in names] + [Cell("未经复议直接起诉", colspan=5), Cell("复议后起诉", colspan=5)],
        [Cell(n) for n in names] * 2,
        values,
    ]


def tables(report: SourceReport) -> dict[str, Table]:
    """The three tables of the report, keyed by RECORD table name, labels in the report's style."""
    built = {"active": active_table(report), "requests": requests_table(report), "reviews": reviews_table(report)}
    if report.label_style == "template":
        return built
    values = {report.cell_text(k) for k in report.values}
    return {name: [[cell if cell.text in values else Cell(report.label(cell.text), cell.rowspan, cell.colspan)
                    for cell in row] for row in table] for name, table in built.items()}


def expand(table: Table) -> list[list[str]]:
    """The grid a reader must return: spans expanded, covered cells repeating the spanning text."""
    grid: dict[tuple[int, int], str] = {}
    width = 0
    for r, row in enumerate(table):
        c = 0
        for cell in row:
            while (r, c) in grid:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    grid[(r + dr, c + dc)] = cell.text
            c += cell.colspan
            width = max(width, c)
    height = max(r for r, _ in grid) + 1 if grid else 0
    return [[grid.get((r, c), "") for c in range(width)] for r in range(height)]


def positioned(table: Table) -> list[list[tuple[int, Cell]]]:
    """Each row's cells with their starting column (for renderers that place cells)."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(table):
        c = 0
        placed = []
        for cell in row:
            while (r, c) in taken:
                c += 1
            placed.append((c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
        out.append(placed)
    return out
