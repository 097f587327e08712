"""SQLite backend: FTS5 ``trigram`` for terms of 3+ characters, one-token-per-character FTS5 for shorter.

Every term is an FTS5 phrase (quotes doubled), never query syntax. ``search_fts`` (trigram)
matches any substring of 3+ characters, case-insensitively for ASCII. A 1- or 2-character
term has no trigram, so a query with one goes to ``search_chars_fts``, where the text is
indexed one token per character and a term is the phrase of its characters (``公安`` ->
``"公 安"``); that index drops punctuation and spaces, so terms holding any are also
checked against the text with ``instr``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from archive.search.common import JOINS, filter_sql, hit_rows  # noqa: F401  (hit_rows: backend API)
from archive.search.query import fts_phrase, spaced

if TYPE_CHECKING:
    from archive.search import Filters


def _plain(term: str) -> bool:
    return all(ch.isalnum() for ch in term)


def ranked_ids(session: Session, terms: list[str], filters: "Filters", cap: int) -> tuple[list[tuple[int, float]], bool]:
    """``(report_id, score)`` best first (score = -bm25), and whether more than ``cap`` matched."""
    params: dict = {"cap": cap + 1}
    if all(len(t) >= 3 for t in terms):
        table = "search_fts"
        params["match"] = " AND ".join(fts_phrase(t) for t in terms)
        checks = []
    else:
        table = "search_chars_fts"
        params["match"] = " AND ".join(fts_phrase(spaced(t)) for t in terms)
        checks = [t for t in terms if not _plain(t)]
    verify = ""
    for i, term in enumerate(checks):
        params[f"t{i}"] = term
        verify += f" AND instr(d.body, :t{i}) > 0"
    join_docs = "JOIN search_documents d ON d.report_id = f.rowid" if (
        checks or filters.template or filters.has_violations is not None) else ""
    sql = f"""
        SELECT f.rowid AS report_id, -bm25({table}) AS score
        FROM {table} f {JOINS.format(rid='f.rowid')} {join_docs}
        WHERE {table} MATCH :match{filter_sql(filters, params)}{verify}
        ORDER BY f.rowid DESC
        LIMIT :cap"""
    rows = session.execute(sa.text(sql), params).all()
    truncated = len(rows) > cap
    rows = rows[:cap]
    ranked = sorted(((r.report_id, float(r.score)) for r in rows), key=lambda x: (-x[1], -x[0]))
    return ranked, truncated
