"""`nianbao parse`: one document in, its record out (JSON or a readable summary)."""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import click

from parsers.errors import ParseError
from parsers.keys import (
    ACTIVE_COLUMN_LABELS,
    ACTIVE_LABELS,
    REQUEST_COLUMN_LABELS,
    REQUEST_ROW_LABELS,
    REQUEST_ROWS,
    REVIEW_COLUMN_LABELS,
    REVIEW_COLUMNS,
    REVIEW_ROW_LABELS,
    REVIEW_ROWS,
    active_rows,
    key,
)
from parsers.record import Record

_TABLE_TITLES = {
    "active": "二、主动公开政府信息情况",
    "requests": "三、收到和处理政府信息公开申请情况",
    "reviews": "四、政府信息公开行政复议、行政诉讼情况",
}


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def _cell(record: Record, fact_key: str) -> str:
    if fact_key in record.uncertain:
        # What OCR read, marked: not the report's number (see the uncertain list below the tables).
        return f"?({record.uncertain[fact_key].get('read')})"
    if fact_key in record.facts:
        value = record.facts[fact_key]
        text = str(value)
        return f"{text} ({record.raw[fact_key]})" if fact_key in record.raw else text
    return record.raw.get(fact_key, "")


def _grid(header: list[str], rows: list[tuple[str, list[str]]], bad_rows: set[str]) -> list[str]:
    """An aligned text table; rows named in ``bad_rows`` are highlighted."""
    label_width = max([_width(label) for label, _ in rows] + [4])
    widths = [max([_width(h)] + [_width(cells[n]) for _, cells in rows]) for n, h in enumerate(header)]
    lines = ["  " + _pad("", label_width) + "  " + "  ".join(_pad(h, w, True) for h, w in zip(header, widths))]
    for label, cells in rows:
        line = "  " + _pad(label, label_width) + "  " + "  ".join(_pad(c, w, True) for c, w in zip(cells, widths))
        lines.append(click.style(line, fg="red", bold=True) if label in bad_rows else line)
    return lines


def _row_label(row: str, labels: dict[str, str]) -> str:
    if row.startswith("other_services."):
        return "  └ " + row.split(".", 1)[1]
    return labels.get(row, row)


_LABELS_2021 = {**ACTIVE_LABELS, "normative_documents": "行政规范性文件"}
_COLUMNS_2021 = {**ACTIVE_COLUMN_LABELS, "decisions": "本年处理决定数量", "amount_wan": "本年收费金额（万元）"}


def _active_lines(record: Record) -> list[str]:
    """The active table, one row a line: ``行政许可   上一年项目数量 77  本年增/减 2 …``."""
    columns = active_rows(record.template)
    is2021 = record.template == "2021"
    row_labels = _LABELS_2021 if is2021 else ACTIVE_LABELS
    column_labels = _COLUMNS_2021 if is2021 else {**ACTIVE_COLUMN_LABELS, "amount_wan": "采购总金额（万元）"}
    present = {k.split("/")[1] for k in (*record.facts, *record.raw) if k.startswith("active/")}
    # Local sub-items (other_services.行政检查) print right under 其他对外管理服务事项, where
    # the report prints them, even when the report has no figures for the parent row.
    subs = sorted(present - set(columns))
    rows = []
    for r in columns:
        if r in present:
            rows.append(r)
        if r == "other_services":
            if subs and r not in present:
                rows.append(r)
            rows += subs
            subs = []
    rows += subs
    lines = []
    for row in rows:
        cols = columns.get(row) or columns.get("other_services", ())
        cells = [(column_labels[c], _cell(record, key("active", row, c))) for c in cols]
        text = "  ".join(f"{name} {value}" for name, value in cells if value)
        lines.append("  " + _pad(_row_label(row, row_labels), 24) + text)
    return lines or ["  -"]


def summary(record: Record) -> str:
    """A readable summary: what the report is, its three tables, its arithmetic findings."""
    out = [
        click.style(record.title or "(no title)", bold=True),
        f"  agency:    {record.agency or '-'}",
        f"  year:      {record.year or '-'}",
        f"  template:  {record.template}",
        f"  published: {record.published or '-'}",
        f"  format:    {record.format}",
        "  sections:  " + (" / ".join(record.sections) or "-"),
    ]
    if record.source:
        pages = f" (pages {', '.join(map(str, record.ocr_pages))})" if record.ocr_pages else ""
        out.append(f"  source:    {record.source}{pages}")
    bad = {v.split(":", 1)[1] for v in record.violations}
    if record.facts or record.raw:
        out += ["", click.style(_TABLE_TITLES["active"], bold=True)]
        out += _active_lines(record)
        header = [REQUEST_COLUMN_LABELS[c] for c in REQUEST_COLUMN_LABELS]
        request_rows = REQUEST_ROWS["2021" if record.template == "2021" else "2019"]
        rows = [(REQUEST_ROW_LABELS[r] if len(REQUEST_ROW_LABELS[r]) <= 16 else REQUEST_ROW_LABELS[r][:15] + "…",
                 [_cell(record, key("requests", r, c)) for c in REQUEST_COLUMN_LABELS]) for r in request_rows]
        out += ["", click.style(_TABLE_TITLES["requests"], bold=True)]
        out += _grid(header, rows, {REQUEST_ROW_LABELS[r] for r in bad if r in REQUEST_ROW_LABELS})
        rows = [(REVIEW_ROW_LABELS[r], [_cell(record, key("reviews", r, c)) for c in REVIEW_COLUMNS]) for r in REVIEW_ROWS]
        out += ["", click.style(_TABLE_TITLES["reviews"], bold=True)]
        out += _grid([REVIEW_COLUMN_LABELS[c] for c in REVIEW_COLUMNS], rows,
                     {REVIEW_ROW_LABELS[r] for r in bad if r in REVIEW_ROW_LABELS})
    else:
        out += ["", "  (no statistics tables read)"]
        return "\n".join(out)
    out.append("")
    if record.uncertain:
        out.append(click.style(f"uncertain ({len(record.uncertain)}): OCR readings not stated as facts, "
                               "shown ?(reading) above", fg="yellow", bold=True))
        for fact_key, entry in record.uncertain.items():
            confidence = f", confidence {entry['confidence']:.2f}" if entry.get("confidence") is not None else ""
            other = f", would hold as {entry['alternatives']}" if entry.get("alternatives") else ""
            out.append(click.style(f"  {fact_key}: read {entry.get('read')}{confidence} ({entry.get('why')}{other})",
                                   fg="yellow"))
    if record.violations:
        out.append(click.style(f"violations ({len(record.violations)}):", fg="red", bold=True))
        out += [click.style(f"  {v}", fg="red") for v in record.violations]
    else:
        out.append(click.style("arithmetic: all rules hold", fg="green"))
    return "\n".join(out)


@click.command("parse")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the record as one JSON object.")
@click.option("--text", "with_text", is_flag=True, help="With --json: include the extracted body text.")
@click.pass_context
def parse_command(ctx: click.Context, path: Path, as_json: bool, with_text: bool) -> None:
    """Parse one report file (HTML, text/markdown, PDF, DOCX) into its record.

    \b
    Example:
      nianbao parse report.html --json
      nianbao parse 2020年政府信息公开工作年度报告.pdf
    """
    from parsers.api import parse

    try:
        data = path.read_bytes()
        record = parse(data, path.name)
    except (OSError, ParseError) as exc:
        what = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        click.echo(f"nianbao: error: {path}: {what}", err=True)
        ctx.exit(2)
    if as_json:
        click.echo(json.dumps(record.to_dict(include_text=with_text), ensure_ascii=False))
    else:
        click.echo(summary(record))


commands = [parse_command]
