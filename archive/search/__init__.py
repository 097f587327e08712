"""Full-text search of the reports' latest text, with filters, ranked, with snippets.

One interface over two backends (chosen by the session's dialect): SQLite FTS5
(:mod:`archive.search.sqlite_fts`) and PostgreSQL pg_trgm (:mod:`archive.search.postgres_trgm`).
Both find every report whose latest version contains all the query's terms as written
(substring match, so two-character words such as 公安 or 复议 work) and rank them.

Ranking (both backends): the sum over terms of ``ln(1 + occurrences)`` in the report's
text. A query matching more than :data:`RANK_CANDIDATES` reports is ranked among its
newest ``RANK_CANDIDATES`` matches (SQLite) or the first 200 found (PostgreSQL): each
candidate's text is read to score it, which keeps common words fast;
``SearchResult.truncated`` says so. docs/web.md has the design.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from archive.prose import prose
from archive.search.hits import Filters, Hit, SearchResult
from archive.search.query import QueryError, parse_query
from archive.search.snippet import make_snippet

__all__ = ["Filters", "Hit", "QueryError", "SearchResult", "search", "search_result", "parse_query"]

RANK_CANDIDATES = 300
MAX_LIMIT = 200


def _clean(value: str | None) -> str | None:
    """A filter string without control characters (PostgreSQL refuses NUL), or None if empty."""
    if value is None:
        return None
    value = "".join(ch for ch in value if ch.isprintable() or ch == " ").strip()
    return value or None


def _backend(session: Session):
    name = session.get_bind().dialect.name
    if name == "sqlite":
        from archive.search import sqlite_fts
        return sqlite_fts
    if name == "postgresql":
        from archive.search import postgres_trgm
        return postgres_trgm
    raise QueryError(f"search is not supported on {name} databases", f"{name} 数据库不支持搜索")


def search_result(session: Session, query: str, *, agency: str | None = None, region: str | None = None,
                  year: int | None = None, template: str | None = None, has_violations: bool | None = None,
                  limit: int = 20, agency_id: int | None = None) -> SearchResult:
    """Like :func:`search`, with the parsed terms and the ``truncated`` flag."""
    terms = parse_query(query)
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"limit must be between 1 and {MAX_LIMIT}", f"结果数应在 1 到 {MAX_LIMIT} 之间")
    filters = Filters(agency=_clean(agency), region=_clean(region), year=year, template=_clean(template),
                      has_violations=has_violations, agency_id=agency_id)
    backend = _backend(session)
    ranked, truncated = backend.ranked_ids(session, terms, filters, RANK_CANDIDATES)
    top = ranked[:limit]
    rows = backend.hit_rows(session, [rid for rid, _ in top])
    hits = []
    for rid, score in top:
        row = rows.get(rid)
        if row is None:  # deleted between the two queries
            continue
        # Prose first (no flattened tables or markdown marks); the raw text when the words
        # occur only in a table.
        snip = make_snippet(prose(row["body"]), terms)
        if not snip.highlights:
            snip = make_snippet(row["body"], terms)
        hits.append(Hit(report_id=rid, agency_id=row["agency_id"], agency=row["agency"], region=row["region"], year=row["year"],
                        template=row["template"], has_violations=bool(row["has_violations"]),
                        url=row["url"], title=row["title"], score=round(float(score), 4),
                        snippet=snip.text, highlights=snip.highlights))
    return SearchResult(query=query, terms=terms, hits=hits, truncated=truncated)


def search(session: Session, query: str, *, agency: str | None = None, region: str | None = None,
           year: int | None = None, template: str | None = None, has_violations: bool | None = None,
           limit: int = 20, agency_id: int | None = None) -> list[Hit]:
    """Reports whose latest text contains every term of ``query``, best first.

    Raises :class:`QueryError` (one-line message) for a query that cannot be searched.
    """
    return search_result(session, query, agency=agency, region=region, year=year, template=template,
                         has_violations=has_violations, limit=limit, agency_id=agency_id).hits
