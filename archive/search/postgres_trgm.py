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

from archive.search.common import JOINS, filter_sql, hit_rows  # noqa: F401  (hit_rows: backend API)
from archive.search.query import like_pattern

if TYPE_CHECKING:
    from archive.search import Filters


def ranked_ids(session: Session, terms: list[str], filters: "Filters", cap: int) -> tuple[list[tuple[int, float]], bool]:
    """``(report_id, score)`` best first, and whether more than ``cap`` reports matched."""
    params: dict = {"cap": cap + 1}
    conds, score = [], []
    for i, term in enumerate(terms):
        params[f"t{i}"] = term
        if len(term) >= 3:
            params[f"p{i}"] = like_pattern(term)
            conds.append(f"d.body LIKE :p{i} ESCAPE '\\'")
        else:
            conds.append(f"nianbao_grams(d.body) @> ARRAY[CAST(:t{i} AS text)]")
        score.append(f"ln(1 + (length(c.body) - length(replace(c.body, :t{i}, ''))) / length(:t{i}))")
    sql = f"""
        SELECT c.report_id, ({' + '.join(score)}) AS score
        FROM (SELECT d.report_id, d.body
              FROM search_documents d {JOINS.format(rid='d.report_id')}
              WHERE {' AND '.join(conds)}{filter_sql(filters, params)}
              LIMIT :cap) AS c"""
    rows = session.execute(sa.text(sql), params).all()
    truncated = len(rows) > cap
    rows = sorted(rows, key=lambda r: -r.report_id)[:cap]
    ranked = sorted(((r.report_id, float(r.score)) for r in rows), key=lambda x: (-x[1], -x[0]))
    return ranked, truncated
