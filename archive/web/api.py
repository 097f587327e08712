"""The JSON API (``/api/...``), described by the OpenAPI schema at ``/openapi.json``."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from archive import queries
from archive.labels import EVENT_KINDS
from archive.queries import NotFound
from archive.search import Hit, QueryError, search_result
from archive.web import data
from archive.web.app import get_session
from parsers.keys import TEMPLATES

router = APIRouter(prefix="/api", tags=["api"])
INT32 = 2**31 - 1
Kind = Literal[EVENT_KINDS]  # type: ignore[valid-type]  (the one list: archive.labels)
Template = Literal[TEMPLATES]  # type: ignore[valid-type]  (the one list: parsers.keys)


class Error(BaseModel):
    detail: str


class SearchOut(BaseModel):
    query: str
    terms: list[str]
    truncated: bool
    hits: list[Hit]  # the search's own dataclass: one definition of a hit


class AgencyItem(BaseModel):
    id: int
    name: str
    region: str | None
    reports: int
    latest_year: int | None


class YearOut(BaseModel):
    report_id: int
    year: int
    template: str | None
    published: str | None
    title: str | None
    figures: dict[str, float | None]
    violations: list[str]
    versions: int
    status: str
    url: str | None
    updated_at: str | None
    flags: list[dict[str, Any]] = []


class PublicationOut(BaseModel):
    """One year's publication status (archive.coverage): status key and its Chinese label."""
    year: int
    status: str
    label: str
    deadline: str
    published: str | None
    first_seen: str | None
    reissued: bool
    report_id: int | None


class AgencyOut(BaseModel):
    id: int
    name: str
    region: str | None
    level: str | None
    years: list[YearOut]
    publication: list[PublicationOut] = []


class VersionItem(BaseModel):
    number: int
    first_seen: str | None
    parser_version: str
    sha256: str
    url: str | None
    content_type: str | None


class ReportOut(BaseModel):
    id: int
    agency: str
    agency_id: int
    region: str | None
    year: int
    status: str
    withdrawn_at: str | None
    first_seen: str | None
    updated_at: str | None
    url: str | None
    version: int
    latest_version: int
    record: dict[str, Any]
    text: str
    versions: list[VersionItem]
    source: str | None = Field(None, description='Where the record was read from: null (the file\'s own text), '
                               '"ocr" (a scan: every page read by OCR), "mixed" (some pages were images, read by '
                               'OCR: see ocr_pages). As record.source (RECORD.md).')
    ocr_pages: list[int] = Field(default_factory=list, description="Page numbers (1-based) read by OCR.")
    uncertain: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Cells OCR read but the record does not state as facts (not in "
        "record.facts): table/row/column -> {read, confidence, why, alternatives?}. As record.uncertain (RECORD.md).")


class DiffOut(BaseModel):
    report_id: int
    agency: str
    agency_id: int
    year: int
    from_: int = Field(alias="from")
    to: int
    from_seen: str | None
    to_seen: str | None
    changes: dict[str, list[Any]]
    fields: dict[str, list[Any]]
    sections: dict[str, list[str]]
    paragraphs: list[dict[str, Any]]

    model_config = {"populate_by_name": True}


class EventOut(BaseModel):
    id: int
    kind: str
    agency: str | None
    agency_id: int | None
    report_id: int | None
    year: int | None
    url: str | None
    at: str | None
    baseline: bool
    changes: dict[str, Any] | None = None
    detail: dict[str, Any] | None = None


NOT_FOUND = {404: {"model": Error, "description": "No such agency, report or version"}}


def _not_found(exc: NotFound) -> HTTPException:
    return HTTPException(status_code=404, detail=str(exc))


@router.get("/search", response_model=SearchOut, responses={400: {"model": Error, "description": "Malformed query"}})
def api_search(q: str = Query(..., max_length=1000, description="Words to find (all must occur), e.g. 公安 复议"),
               agency: str | None = Query(None, max_length=200, description="Part of the agency's name"),
               region: str | None = Query(None, max_length=12, pattern=r"^[0-9]*$", description="Region code prefix"),
               year: int | None = Query(None, ge=1900, le=2100),
               template: Template | None = None,
               violations: bool | None = Query(None, description="Only reports with (true) / without (false) violations"),
               limit: int = Query(20, ge=1, le=200),
               session: Session = Depends(get_session)) -> SearchOut:
    """Full-text search of the reports' latest text, ranked, with highlighted snippets."""
    try:
        result = search_result(session, q, agency=agency, region=region, year=year, template=template,
                               has_violations=violations, limit=limit)
    except QueryError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    return SearchOut(query=result.query, terms=result.terms, truncated=result.truncated,
                     hits=result.hits)


@router.get("/agencies", response_model=list[AgencyItem])
def api_agencies(name: str | None = Query(None, max_length=200), region: str | None = Query(None, max_length=12),
                 limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=INT32),
                 session: Session = Depends(get_session)) -> list[dict]:
    """Agencies by name, with their number of reports."""
    return data.list_agencies(session, name=name, region=region, limit=limit, offset=offset)


@router.get("/agencies/{agency_id}", response_model=AgencyOut, responses=NOT_FOUND)
def api_agency(agency_id: int = Path(..., ge=1, le=INT32), session: Session = Depends(get_session)) -> dict:
    """An agency's reports year by year with key figures (requests, outcomes, reviews, lawsuits)."""
    try:
        return data.agency(session, agency_id)
    except NotFound as exc:
        raise _not_found(exc) from None


@router.get("/reports/{report_id}", response_model=ReportOut, responses=NOT_FOUND)
def api_report(report_id: int = Path(..., ge=1, le=INT32), version: int | None = Query(None, ge=1, le=INT32),
               session: Session = Depends(get_session)) -> dict:
    """A report: the record and text of its latest (or a given) version, and its versions."""
    try:
        return data.report(session, report_id, version)
    except NotFound as exc:
        raise _not_found(exc) from None


@router.get("/reports/{report_id}/diff", response_model=DiffOut, responses=NOT_FOUND)
def api_diff(report_id: int = Path(..., ge=1, le=INT32),
             from_: int | None = Query(None, alias="from", ge=1, le=INT32),
             to: int | None = Query(None, ge=1, le=INT32), session: Session = Depends(get_session)) -> DiffOut:
    """What changed between two versions (default: the latest and the one before)."""
    try:
        return DiffOut(**queries.diff(session, report_id=report_id, from_number=from_, to_number=to))
    except NotFound as exc:
        raise _not_found(exc) from None


@router.get("/events", response_model=list[EventOut])
def api_events(kind: Kind | None = None, agency_id: int | None = Query(None, ge=1, le=INT32),
               before_id: int | None = Query(None, ge=1, le=INT32), limit: int = Query(50, ge=1, le=500),
               session: Session = Depends(get_session)) -> list[dict]:
    """Events newest first: new, revised (with changed cells), withdrawn, restored, overdue."""
    return queries.events(session, kind=kind, agency_id=agency_id, before_id=before_id, limit=limit,
                          newest_first=True)
