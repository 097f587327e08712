"""What a record cannot vouch for: the template's rows and cells that were not read.

RECORD.md, ``missing``: a row of the template none of whose cells was read is listed
as ``table/row``; a row read in part lists its unread cells as ``table/row/column``. A
cell counts as read when it gave a number, a text (``raw``) or a printed blank.

Two template rows may legitimately be printed otherwise: 其他对外管理服务事项 as local
sub-items (``other_services.<子项>``), and in a 2021 table the three 其他处理 rows as the
one row of the 2019 template. Either form counts as the row.
"""
from __future__ import annotations

from collections.abc import Collection

from parsers.keys import (
    KEYED_TEMPLATES, REQUEST_COLUMNS, REQUEST_ROWS, REVIEW_COLUMNS, REVIEW_ROWS, active_rows, key,
)


def _rows(template: str, read: Collection[str]) -> list[tuple[str, str, tuple[str, ...]]]:
    """(table, row, columns) of every row the document should hold."""
    rows = [("active", r, cols) for r, cols in active_rows(template).items()]
    request_rows = list(REQUEST_ROWS[template])
    if template == "2021" and any(k.startswith("requests/other/") for k in read) and \
            not any(k.startswith("requests/other.") for k in read):
        request_rows = [r for r in request_rows if not r.startswith("other.")]
        request_rows.insert(request_rows.index("total"), "other")
    rows += [("requests", r, REQUEST_COLUMNS) for r in request_rows]
    rows += [("reviews", r, REVIEW_COLUMNS) for r in REVIEW_ROWS]
    return rows


def missing(read: Collection[str], template: str) -> list[str]:
    """The rows (``table/row``) and cells (``table/row/column``) of the template not read.

    ``read``: every cell key read (facts, raw, blanks); raw texts kept under a row's key
    (cells that could not be placed) do not count as its cells. Empty for the ``legacy``
    and ``unknown`` templates, which have no fixed rows.
    """
    if template not in KEYED_TEMPLATES:
        return []
    read = set(read)
    out: list[str] = []
    for table, row, columns in _rows(template, read):
        if row == "other_services" and any(k.startswith("active/other_services.") for k in read):
            # Local sub-items stand for the row; one whose numbers could not be placed is missing.
            subs: dict[str, bool] = {}
            for k in sorted(read):
                if k.startswith("active/other_services."):
                    sub_row = k.split("/")[1]
                    subs[sub_row] = subs.get(sub_row, False) or not k.endswith("/*")
            out.extend(f"active/{sub}" for sub, placed in subs.items() if not placed)
            continue
        cells = [key(table, row, c) for c in columns]
        unread = [c for c in cells if c not in read]
        if len(unread) == len(cells):
            out.append(f"{table}/{row}")
        else:
            out.extend(unread)
    return out
