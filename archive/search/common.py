"""SQL pieces both backends share: the filters and the fetch of the hits' details."""
from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from archive.search.query import like_pattern

if TYPE_CHECKING:
    from archive.search.hits import Filters

# Joins every search query makes; `rid` is the SQL expression of the report id.
JOINS = "JOIN reports r ON r.id = {rid} JOIN agencies a ON a.id = r.agency_id"


def filter_sql(filters: "Filters", params: dict, doc_alias: str = "d") -> str:
    """``AND ...`` conditions for the filters (``a`` = agencies, ``r`` = reports, ``d`` = search_documents)."""
    parts = []
    if filters.agency:
        params["f_agency"] = like_pattern(filters.agency)
        parts.append("a.name LIKE :f_agency ESCAPE '\\'")
    if filters.agency_id is not None:
        params["f_agency_id"] = int(filters.agency_id)
        parts.append("a.id = :f_agency_id")
    if filters.region:
        params["f_region"] = like_pattern(filters.region)[1:]  # a prefix: no leading %
        parts.append("a.region_code LIKE :f_region ESCAPE '\\'")
    if filters.year is not None:
        params["f_year"] = int(filters.year)
        parts.append("r.year = :f_year")
    if filters.template:
        params["f_template"] = filters.template
        parts.append(f"{doc_alias}.template = :f_template")
    if filters.has_violations is not None:
        params["f_violations"] = bool(filters.has_violations)
        parts.append(f"{doc_alias}.has_violations = :f_violations")
    return "".join(f" AND {p}" for p in parts)


def needs_documents(filters: "Filters") -> bool:
    """True when a filter reads ``search_documents`` (template, violations)."""
    return bool(filters.template) or filters.has_violations is not None


def hit_rows(session: Session, ids: list[int]) -> dict[int, dict]:
    """Details of the reports ``ids`` for their hits: agency, year, URL, title, body."""
    if not ids:
        return {}
    title = ("json_extract(v.record, '$.title')" if session.get_bind().dialect.name == "sqlite"
             else "v.record ->> 'title'")
    stmt = sa.text(f"""
        SELECT r.id AS report_id, a.id AS agency_id, a.name AS agency, a.region_code AS region, r.year AS year,
               d.template AS template, d.has_violations AS has_violations, d.body AS body,
               coalesce(doc.url, vdoc.url) AS url, {title} AS title
        FROM reports r
        JOIN agencies a ON a.id = r.agency_id
        JOIN search_documents d ON d.report_id = r.id
        LEFT JOIN versions v ON v.id = d.version_id
        LEFT JOIN documents doc ON doc.id = r.document_id
        LEFT JOIN documents vdoc ON vdoc.id = v.document_id
        WHERE r.id IN :ids""").bindparams(sa.bindparam("ids", expanding=True))
    return {row["report_id"]: dict(row) for row in session.execute(stmt, {"ids": ids}).mappings()}
