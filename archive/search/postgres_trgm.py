"""PostgreSQL backend: ``pg_trgm`` GIN for terms of 3+ characters, a 1-/2-gram GIN for shorter.

A term of 3+ characters is a ``LIKE '%term%'`` (wildcards escaped; ``LIKE``, not ``ILIKE``:
case-sensitive and what the trigram index serves, given a database whose LC_CTYPE is not
``C``). A 1- or 2-character term has no trigram and would scan every row; it is answered
by ``nianbao_grams(body) @> ARRAY[term]`` over the expression GIN index of all 1- and
2-character substrings (exact, no recheck of the text). The score is the sum over terms of
``ln(1 + occurrences)``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from archive.search.common import filter_sql, hit_rows, needs_documents  # noqa: F401  (hit_rows: backend API)
from archive.search.query import like_pattern

if TYPE_CHECKING:
    from archive.search.hits import Filters


# Ranking reads (detoasts) every candidate's text, ~35-60 µs each, and a LIKE candidate
# was already read once by its recheck: fewer candidates than on SQLite.
CANDIDATES = 200


def scan_limit(session: Session, cap: int) -> int:
    """Up to how many filtered reports their texts are read directly (strpos) rather than
    going through the text indexes.

    The planner cannot estimate LIKE on long texts (no statistics above 1 kB) and, given
    the index, rechecks every text match before the filter: about ``cap * total / allowed``
    texts read, against ``allowed`` texts read directly (~35 µs each either way). The two
    meet at ``sqrt(cap * total)`` (~4,500 at 100,000 reports).
    """
    total = session.execute(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'reports'")).scalar() or -1
    if total < 0:  # never analyzed
        total = session.execute(sa.text("SELECT count(*) FROM reports")).scalar_one()
    return max(1000, int((cap * max(total, 1)) ** 0.5))


def _filtered_ids(session: Session, filters: "Filters") -> list[int] | None:
    """The ids of the reports the filters allow (None without filters)."""
    params: dict = {}
    where = filter_sql(filters, params)
    if not where:
        return None
    docs = "JOIN search_documents d ON d.report_id = r.id" if needs_documents(filters) else ""
    sql = f"SELECT r.id FROM reports r JOIN agencies a ON a.id = r.agency_id {docs} WHERE true{where}"
    return list(session.execute(sa.text(sql), params).scalars())


def ranked_ids(session: Session, terms: list[str], filters: "Filters", cap: int) -> tuple[list[tuple[int, float]], bool]:
    """``(report_id, score)`` best first, and whether more than the candidates matched.

    Filters are resolved to report ids first and passed as ``report_id = ANY(ids)``, so the
    text query joins nothing: the planner combines the id list with the text indexes
    (a join let it hash every text match before applying the filter).
    """
    cap = min(cap, CANDIDATES)
    params: dict = {"cap": cap + 1}
    conds, score = [], []
    ids = _filtered_ids(session, filters)
    if ids is not None:
        if not ids:
            return [], False
        params["ids"] = ids
        conds.append("d.report_id = ANY(:ids)")
    few = ids is not None and len(ids) <= scan_limit(session, cap)
    for i, term in enumerate(terms):
        params[f"t{i}"] = term
        if few:
            conds.append(f"strpos(d.body, :t{i}) > 0")
        elif len(term) >= 3:
            params[f"p{i}"] = like_pattern(term)
            conds.append(f"d.body LIKE :p{i} ESCAPE '\\'")
        else:
            conds.append(f"nianbao_grams(d.body) @> ARRAY[CAST(:t{i} AS text)]")
        score.append(f"ln(1 + (length(c.body) - length(replace(c.body, :t{i}, ''))) / length(:t{i}))")
    sql = f"""
        SELECT c.report_id, ({' + '.join(score)}) AS score
        FROM (SELECT d.report_id, d.body FROM search_documents d
              WHERE {' AND '.join(conds)}
              LIMIT :cap) AS c"""
    rows = session.execute(sa.text(sql), params).all()
    truncated = len(rows) > cap
    rows = sorted(rows, key=lambda r: -r.report_id)[:cap]
    ranked = sorted(((r.report_id, float(r.score)) for r in rows), key=lambda x: (-x[1], -x[0]))
    return ranked, truncated
