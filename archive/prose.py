"""The report's prose for reading: paragraphs kept, the statistics tables and markdown marks dropped.

A parsed report's text holds its tables flattened (tab-separated rows, markdown pipe
rows, or one cell a line from PDFs) and the emphasis of its source (``**二是……**``).
The tables are already in the record as cells, shown as tables and diffed cell by cell;
repeated in snippets and paragraph diffs they are noise. So the reading layer (report
page, paragraph diffs, search snippets) shows :func:`prose`. The stored text itself is
left as parsed: the content fingerprint and the search index are made from it, and
changing it would make every archived report look revised.
"""
from __future__ import annotations

import re
from functools import lru_cache

from parsers import keys

_MARKDOWN_EMPHASIS = re.compile(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])")
_HEADING = re.compile(r"^#{1,6}\s+")
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_RULE_ROW = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_NUMBER_CELL = re.compile(r"^[\s+\-−–]*[\d０-９][\d０-９.,，．%％\s]*(万元|元|件|项|个|次|人)?$")
_SENTENCE_END = re.compile(r"[。；;！？!?：:]\s*$")
# A run of this many short cell-like lines (one cell a line, as PDFs give tables) is a table.
_CELL_RUN = 6
_CELL_CHARS = 24


def _is_table_row(line: str) -> bool:
    """A flattened table row: cells between tabs (prose never holds a tab), or a markdown pipe row."""
    return "\t" in line or bool(_PIPE_ROW.match(line) or _RULE_ROW.match(line))


_SECTION_HEAD = re.compile(r"^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）])")


def _is_cell_like(line: str) -> bool:
    """Short, not a sentence, not a section heading (一、… （二）…): maybe a table cell."""
    text = line.strip()
    return (bool(text) and len(text) <= _CELL_CHARS and not _SENTENCE_END.search(text)
            and not _SECTION_HEAD.match(text))


def _drop_cell_runs(lines: list[str]) -> list[str]:
    """Drop runs of short lines that are mostly numbers (a table given one cell a line)."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        if not _is_cell_like(lines[i]):
            out.append(lines[i])
            i += 1
            continue
        j = i
        while j < len(lines) and _is_cell_like(lines[j]):  # a blank line or a sentence ends the run
            j += 1
        run = lines[i:j]
        numbers = sum(bool(_NUMBER_CELL.match(line.strip())) for line in run)
        if len(run) >= _CELL_RUN and numbers * 3 >= len(run):
            out.append("")  # the table was a block of its own
        else:
            out.extend(lines[i:j])
        i = j
    return out


_SECTION_SPLIT = re.compile(r"(?=(?<![\d.（(])[一二三四五六七八九十]+、)")
_SECTION_TITLE = re.compile(r"^[一二三四五六七八九十]+、[^，。；\d（(]{2,30}?(情况|事项)")
# The template's sections 二–四 hold only its tables; its request table's rows are numbered
# 一、…四、 like sections.
_TABLE_SECTION = re.compile(r"主动公开政府信息情况|收到和处理政府信息公开申请情况|复议.{0,3}行政诉讼情况")
_TABLE_ROW_START = re.compile(r"^[一二三四]、(本年新收政府信息公开申请|上年结转政府信息公开申请|本年度办理结果|结转下年度继续办理)")
_GLUED_LABELS = 5    # a line naming this many table labels holds a glued table


@lru_cache(maxsize=1)
def _table_labels() -> tuple[str, ...]:
    """The printed labels of the template tables (parsers.keys), long enough to be telling."""
    words = {*keys.REQUEST_ROW_LABELS.values(), *keys.ACTIVE_LABELS.values(), *keys.REVIEW_ROW_LABELS.values(),
             *keys.ACTIVE_COLUMN_LABELS.values(), "信息内容", "申请人情况", "法人或其他组织"}
    return tuple(sorted((w for w in words if len(w) >= 4), key=len, reverse=True))


def _label_hits(text: str) -> int:
    return sum(1 for label in _table_labels() if label in text)


def _unglue(line: str) -> list[str]:
    """A line holding whole tables glued to their headings (PDF text of the template's
    sections 二–四): keep every section's title and the prose sections, drop the tables."""
    if len(line) < 200 or _label_hits(line) < _GLUED_LABELS:
        return [line]
    out = []
    for segment in _SECTION_SPLIT.split(line):
        segment = segment.strip()
        if not segment or _TABLE_ROW_START.match(segment):
            continue
        title = _SECTION_TITLE.match(segment)
        if title and _TABLE_SECTION.search(title.group(0)):
            out.append(title.group(0))
        else:
            out.append(segment)
    return out


def prose(text: str | None) -> str:
    """``text`` without its flattened tables and markdown marks; paragraphs (blank-line
    separated) as they were.

    >>> prose("一、总体情况\\n\\n**二是加强解读。**本年发布8条。\\n\\n信息内容\\t本年新制作数量\\n规章\\t0")
    '一、总体情况\\n\\n二是加强解读。本年发布8条。'
    """
    lines = []
    for line in (text or "").splitlines():
        if _is_table_row(line):
            lines.append("")
            continue
        line = _HEADING.sub("", line)
        line = _MARKDOWN_EMPHASIS.sub("", line)
        pieces = _unglue(line.rstrip())
        lines.append("\n\n".join(pieces))
    lines = _drop_cell_runs(lines)
    # collapse the blank lines left where tables were
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return out


def prose_paragraphs(text: str | None) -> list[str]:
    """The prose's paragraphs (blank-line separated), for pages."""
    return [p.strip() for p in re.split(r"\n\s*\n", prose(text)) if p.strip()]
