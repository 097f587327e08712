"""Reports as markdown/text in the shapes real reports take, each shape a *class*:

- ``misspelt``: row labels with characters dropped (``2.其他法律行政止公开``) or cut at a
  cell's edge (``行政机关不再处理其政府信息公``), some split over two cells;
- ``split``: a row's label alone on its line, its numbers on the next (a pipe row or
  numbers separated by spaces), and the 2021 active rows of one number as ``行政许可 97``;
- ``headings``: rows named by a heading (``### 一、本年新收政府信息公开申请数量``) followed
  by a column-header line and the numbers;
- ``short``: rows printed without their blank cells (``| 规章 | 22 | 235 |`` under a
  four-column header) — nothing tells which column is empty;
- ``split_reviews``: the reviews table as three small tables named by headings.

:func:`quirk_document` returns the document and a :class:`Expectation`: the cells a
faithful parser reads (everything but the short rows), the raw texts and the short rows,
which must be kept out of ``facts`` and listed in ``missing``.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from parsers import keys as K

from .content import blocks
from .model import SourceReport

QUIRKS = ("misspelt", "split", "headings", "short", "split_reviews")

_GROUP = {"denied": "（三）不予公开", "unavailable": "（四）无法提供", "not_processed": "（五）不予处理",
          "other": "（六）其他处理"}
_TOP = {"new": "一、本年新收政府信息公开申请数量", "carried_over": "二、上年结转政府信息公开申请数量",
        "granted": "（一）予以公开", "partially_granted": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        "other": "（六）其他处理", "total": "（七）总计", "carried_forward": "四、结转下年度继续办理"}
_APPLICANT_HEADER = "| 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |"
_REVIEW_HEADER = "| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |"
_ACTIVE_BLOCKS = {
    "2019": (("第二十条第（一）项", ("made", "published", "total"), ("regulations", "normative_documents")),
             ("第二十条第（五）项", ("previous", "change", "decisions"), ("licensing", "other_services")),
             ("第二十条第（六）项", ("previous", "change", "decisions"), ("penalties", "enforcement")),
             ("第二十条第（八）项", ("previous", "change"), ("fees",)),
             ("第二十条第（九）项", ("count", "amount_wan"), ("procurement",))),
    "2021": (("第二十条第（一）项", ("issued", "repealed", "in_force"), ("regulations", "normative_documents")),
             ("第二十条第（五）项", ("decisions",), ("licensing",)),
             ("第二十条第（六）项", ("decisions",), ("penalties", "enforcement")),
             ("第二十条第（八）项", ("amount_wan",), ("fees",))),
}
_COLUMN_LABELS_2021 = {**K.ACTIVE_COLUMN_LABELS, "decisions": "本年处理决定数量", "amount_wan": "本年收费金额（单位：万元）"}


@dataclass
class Expectation:
    """What the parser must return for a quirky document."""

    facts: dict[str, int | float]
    raw: dict[str, str]
    blank: set[str]  # cells printed blank (read, 0 in the arithmetic)
    unread: set[str] = field(default_factory=set)  # cells of the short rows
    short_rows: list[str] = field(default_factory=list)  # table/row of the short rows


def _misspell(label: str, rng: random.Random) -> str:
    """Drop one or two characters inside the label's text, or cut its end off."""
    head = ""
    for prefix in ("（三）", "（四）", "（五）", "（六）", "（一）", "（二）", "（七）", "一、", "二、", "四、"):
        if label.startswith(prefix):
            head, label = prefix, label[len(prefix):]
    if label[:2] and label[0].isdigit() and label[1] == ".":
        head, label = head + label[:2], label[2:]
    label = label.split("（")[0]
    if len(label) < 7:
        return head + label
    if rng.random() < 0.5:
        keep = max(6, int(len(label) * rng.uniform(0.7, 0.9)))
        return head + label[:keep]
    chars = list(label)
    for _ in range(rng.randint(1, 2)):
        del chars[rng.randrange(2, len(chars) - 1)]
    return head + "".join(chars)


def _request_label_cells(row: str, template: str) -> list[str]:
    """The label cells of a requests row: its group's name (first member only) and its own."""
    if row in _TOP:
        return [_TOP[row]]
    group = row.split(".")[0]
    members = [r for r in K.OUTCOME_ROWS[template] if r.startswith(group + ".")]
    n = members.index(row)
    own = f"{n + 1}.{K.REQUEST_ROW_LABELS[row]}"
    return [_GROUP[group], own] if n == 0 else ["", own]


def _pipe(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


class _Writer:
    def __init__(self, report: SourceReport, quirks: set[str], rng: random.Random) -> None:
        self.r, self.quirks, self.rng = report, quirks, rng
        self.lines: list[str] = []
        self.short_rows: list[str] = []
        self.raw_short: dict[str, str] = {}

    def values(self, table: str, row: str, columns: tuple[str, ...]) -> list[str]:
        return [self.r.cell_text(K.key(table, row, c)) for c in columns]

    def is_short(self, table: str, row: str, columns: tuple[str, ...]) -> bool:
        """Whether this row is printed without its blank cells (drawn once per row)."""
        return "short" in self.quirks and "" in self.values(table, row, columns) and self.rng.random() < 0.7

    def row_line(self, table: str, row: str, labels: list[str], columns: tuple[str, ...],
                 short: bool | None = None) -> None:
        """One table row: as a pipe row, short (blanks left out), or split from its label."""
        values = self.values(table, row, columns)
        has_blank = any(v == "" for v in values)
        if short is None:
            short = self.is_short(table, row, columns)
        if short:
            printed = [v for v in values if v]
            self.short_rows.append(f"{table}/{row}")
            if printed:
                self.raw_short[f"{table}/{row}/*"] = " ".join(printed)
            self.lines.append(_pipe(labels + printed))
            return
        if "split" in self.quirks and table == "requests" and self.rng.random() < 0.5:
            # The label alone on its line: whole, or without its group's cell (（四）无法提供); a
            # label cut over two cells (misspelt) keeps both halves — only the group may go.
            own = "".join(labels[1:]) or labels[-1]
            self.lines.append("".join(labels) if self.rng.random() < 0.5 else own)
            if not has_blank and self.rng.random() < 0.5:
                self.lines.append(" ".join(values))
            else:
                self.lines.append(_pipe(values))
            return
        self.lines.append(_pipe(labels + values))

    def active(self) -> None:
        r = self.r
        t = r.template
        labels = K.ACTIVE_LABELS if t == "2019" else {**K.ACTIVE_LABELS, "normative_documents": "行政规范性文件"}
        col_labels = K.ACTIVE_COLUMN_LABELS if t == "2019" else _COLUMN_LABELS_2021
        for heading, columns, rows in _ACTIVE_BLOCKS[t]:
            self.lines += ["", heading, "", _pipe(["信息内容"] + [col_labels[c] for c in columns]), "|---" * (
                len(columns) + 1) + "|"]
            for row in rows:
                if row == "other_services" and r.sub_items:
                    self.lines.append(_pipe([labels[row]]))
                    for sub in r.sub_items:
                        self.row_line("active", f"other_services.{sub}", [sub], columns)
                    continue
                values = self.values("active", row, columns)
                if "split" in self.quirks and len(columns) == 1 and values[0] and self.rng.random() < 0.6:
                    self.lines.append(f"{labels[row]} {values[0]}")  # 行政许可 97
                    continue
                self.row_line("active", row, [labels[row]], columns)
            self.lines.append("")

    def requests(self) -> None:
        t = self.r.template
        self.lines += ["", "| （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | 申请人情况 |",
                       _APPLICANT_HEADER]
        for row in K.REQUEST_ROWS[t]:
            labels = _request_label_cells(row, t)
            if "headings" in self.quirks and row in ("new", "carried_over", "total", "carried_forward"):
                values = self.values("requests", row, K.REQUEST_COLUMNS)
                self.lines += ["", f"### {labels[0]}", "", _APPLICANT_HEADER, "|---" * 7 + "|", _pipe(values), ""]
                continue
            short = self.is_short("requests", row, K.REQUEST_COLUMNS)
            if "misspelt" in self.quirks and not short and self.rng.random() < 0.25:
                labels = labels[:-1] + [_misspell(labels[-1], self.rng)]
                if self.rng.random() < 0.3 and len(labels[-1]) > 6:
                    cut = self.rng.randrange(3, len(labels[-1]) - 2)
                    labels = labels[:-1] + [labels[-1][:cut], labels[-1][cut:]]
            self.row_line("requests", row, labels, K.REQUEST_COLUMNS, short)
        self.lines.append("")

    def reviews(self) -> None:
        if "split_reviews" in self.quirks:
            for heading, row in (("行政复议", "review"), ("行政诉讼（未经复议直接起诉）", "litigation_direct"),
                                 ("行政诉讼（复议后起诉）", "litigation_after_review")):
                self.lines += ["", f"#### {heading}", "", _REVIEW_HEADER, "|---" * 5 + "|",
                               _pipe(self.values("reviews", row, K.REVIEW_COLUMNS)), ""]
            return
        names = [K.REVIEW_COLUMN_LABELS[c] for c in K.REVIEW_COLUMNS]
        self.lines += ["", _pipe(["行政复议"] + [""] * 4 + ["行政诉讼"] + [""] * 9),
                       _pipe(names + ["未经复议直接起诉"] + [""] * 4 + ["复议后起诉"] + [""] * 4),
                       _pipe([""] * 5 + names * 2),
                       _pipe([self.r.cell_text(K.key("reviews", row, c)) for row in K.REVIEW_ROWS
                              for c in K.REVIEW_COLUMNS]), ""]


def quirk_document(report: SourceReport, quirks: set[str], seed: int) -> tuple[bytes, str, Expectation]:
    """The report as a markdown document with these quirks, and what a parser must read."""
    writer = _Writer(report, quirks, random.Random(seed))
    out = writer.lines
    for kind, text in blocks(report):
        if kind == "table":
            getattr(writer, text)()
        elif kind == "title":
            out += [f"# {text}", ""]
        elif kind == "heading":
            out += [f"## {text}", ""]
        else:
            out += [text, ""]
    facts = report.expected_facts()
    unread = {k for k in facts.keys() | set(report.blanks)
              if "/".join(k.split("/")[:2]) in writer.short_rows}
    raw = {k: v for k, v in report.expected_raw().items() if k not in unread}
    raw.update(writer.raw_short)
    expectation = Expectation(
        facts={k: v for k, v in facts.items() if k not in unread},
        raw=raw,
        blank={k for k in report.blanks if k not in unread},
        unread=unread,
        short_rows=writer.short_rows,
    )
    return "\n".join(out).encode("utf-8"), "report.md", expectation
