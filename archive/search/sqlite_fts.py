"""SQLite backend: FTS5 ``trigram`` for terms of 3+ characters, one-token-per-character FTS5 for shorter.

Every term is an FTS5 phrase (quotes doubled), never query syntax. ``search_fts`` (trigram)
matches any substring of 3+ characters, case-insensitively for ASCII. A 1- or 2-character
term has no trigram, so a query with one goes to ``search_chars_fts``, where the text is
indexed one token per character and a term is the phrase of its characters (``公安`` ->
``"公 安"``); that index drops punctuation and spaces, so terms holding any are also
checked against the text with ``instr``.
"""
from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from archive.search.common import JOINS, filter_sql, hit_rows, needs_documents  # noqa: F401  (hit_rows: backend API)
from archive.search.query import fts_phrase, spaced
from archive.search.snippet import ASCII_LOWER

if TYPE_CHECKING:
    from archive.search.hits import Filters


# Ranking reads every candidate's text (~85 µs each): at most this many, newest first.
CANDIDATES = 300


def scan_limit(total: int, cap: int) -> int:
    """Up to how many filtered reports reading their texts beats letting the index drive.

    Index-driven, about ``cap * total / allowed`` matches are checked before ``cap`` pass
    the filter; reading the allowed texts costs ``allowed`` text reads. A text read
    (overflow pages, ~85 µs at 3,000 characters) costs ~3.5 index checks (~24 µs)
    (measured at 100,000 reports), so the two meet near ``sqrt(0.3 * cap * total)``.
    (The index path also reads its ``cap`` candidates' texts to rank them.)
    """
    return max(500, int((0.3 * cap * max(total, 1)) ** 0.5))


def _filtered_ids(session: Session, filters: "Filters", limit: int) -> list[int]:
    """Up to ``limit`` ids of the reports the filters allow."""
    params: dict = {"limit": limit}
    docs = "JOIN search_documents d ON d.report_id = r.id" if needs_documents(filters) else ""
    sql = (f"SELECT r.id FROM reports r JOIN agencies a ON a.id = r.agency_id {docs} "
           f"WHERE true{filter_sql(filters, params)} LIMIT :limit")
    return list(session.execute(sa.text(sql), params).scalars())


def _scan(session: Session, terms: list[str], ids: list[int]) -> list[tuple[int, float]]:
    """Rank a small filtered set by reading its texts: every term must occur (ASCII case
    folded, as the trigram index does); score = sum of ln(1 + occurrences)."""
    params: dict = {"ids": json.dumps(ids)}
    conds, counts = [], []
    for i, term in enumerate(terms):
        params[f"t{i}"] = term.translate(ASCII_LOWER)  # SQLite's lower() folds ASCII only
        conds.append(f"instr(lower(d.body), :t{i}) > 0")
        counts.append(f"(length(d.body) - length(replace(lower(d.body), :t{i}, ''))) / length(:t{i})")
    sql = f"""SELECT d.report_id, {', '.join(counts)} FROM search_documents d
              WHERE d.report_id IN (SELECT value FROM json_each(:ids)) AND {' AND '.join(conds)}"""
    rows = session.execute(sa.text(sql), params).all()
    return sorted(((r[0], sum(math.log1p(n) for n in r[1:])) for r in rows), key=lambda x: (-x[1], -x[0]))


def _plain(term: str) -> bool:
    return all(ch.isalnum() for ch in term)


def ranked_ids(session: Session, terms: list[str], filters: "Filters", cap: int) -> tuple[list[tuple[int, float]], bool]:
    """``(report_id, score)`` best first, and whether more than ``cap`` matched.

    The index finds the newest ``cap`` matches; :func:`_scan` scores them from their texts.
    With filters that allow few reports (:func:`scan_limit`) the index is skipped and the
    allowed texts are read directly: FTS5 has no cheap lookup by a list of rowids.
    """
    cap = min(cap, CANDIDATES)
    if filter_sql(filters, {}):
        # reports, not search_documents: counting rows that hold the texts reads them all
        total = session.execute(sa.text("SELECT count(*) FROM reports")).scalar_one()
        limit = scan_limit(total, cap)
        ids = _filtered_ids(session, filters, limit + 1)
        if not ids:
            return [], False
        if len(ids) <= limit:
            return _scan(session, terms, ids), False
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
    # No bm25(): it computes each phrase's document frequency over ALL its matches (a full
    # pass over every position list: ~150 ms for a common phrase at 100k reports), whatever
    # the LIMIT. The newest `cap` matches are ranked by reading their texts instead.
    sql = f"""
        SELECT f.rowid AS report_id
        FROM {table} f {JOINS.format(rid='f.rowid')} {join_docs}
        WHERE {table} MATCH :match{filter_sql(filters, params)}{verify}
        ORDER BY f.rowid DESC
        LIMIT :cap"""
    ids = list(session.execute(sa.text(sql), params).scalars())
    truncated = len(ids) > cap
    return _scan(session, terms, ids[:cap]), truncated
