"""HTML pages (Chinese interface), Atom feeds and the stored originals."""
from __future__ import annotations

import re
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from archive import feeds
from archive.labels import EVENT_KINDS
from archive.search import MAX_LIMIT, QueryError, search_result
from archive.web import data
from archive.web.app import get_session
from archive.web.charts import agency_charts
from archive.web.tables import fact_label, report_tables

router = APIRouter(include_in_schema=False)
INT32 = 2**31 - 1
TEMPLATES = ("2019", "2021", "legacy", "unknown")
KINDS = EVENT_KINDS


# Every query parameter is bounded: an unbounded one reaches SQL (SQLite refuses a LIKE
# pattern over 50,000 bytes with a 500) and the page. Over its bound: 422, in Chinese.
def _text(max_length: int, alias: str | None = None):
    return Query(None, max_length=max_length, alias=alias)


# (A fresh Query per parameter: FastAPI validates only the first user of a shared one.)
AGENCY, REGION, NUMBER, WORD = 200, 12, 12, 16


def _render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status)


def _not_found(request: Request, exc: Exception) -> HTMLResponse:
    return _render(request, "error.html", status=404, title="未找到", message=str(exc))


def _bad_filter(request: Request, message: str) -> HTMLResponse:
    """An invalid filter is answered, not dropped: 422 and a Chinese sentence saying what is wrong."""
    return _render(request, "error.html", status=422, title="筛选条件有误", message=message)


def _filter_int(value: str | None, name: str, lo: int, hi: int) -> int | None:
    """A filter given as text: None when blank; ValueError (a Chinese message) when it is not a number in range."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not text.isdigit() or not lo <= int(text) <= hi:
        raise ValueError(f"{name}应为 {lo}–{hi} 之间的整数，收到的是“{text[:40]}”")
    return int(text)


def _filter_region(value: str | None) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if not (text.isdigit() and len(text) <= 12):
        raise ValueError(f"地区应为行政区划代码的前几位数字（如 11 或 110108），收到的是“{text[:40]}”")
    return text


def _opt_int(value: str | None, lo: int = 1, hi: int = INT32) -> int | None:
    """A form field as an int in range, or None (blank or junk: forms send strings)."""
    if value is None or not value.strip().isdigit():
        return None
    n = int(value.strip())
    return n if lo <= n <= hi else None


def _opt_bool(value: str | None) -> bool | None:
    return {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}.get((value or "").lower())


@router.get("/", response_class=HTMLResponse)
@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, q: str | None = Query(None, max_length=1000), agency: str | None = _text(AGENCY),
                region: str | None = _text(REGION), year: str | None = _text(NUMBER), template: str | None = _text(WORD),
                violations: str | None = _text(WORD), limit: str | None = _text(NUMBER), session: Session = Depends(get_session)):
    form = {"q": q or "", "agency": agency or "", "region": region or "", "year": year or "",
            "template": template if template in TEMPLATES else "", "violations": violations or ""}
    result, error = None, None
    if q is not None and q.strip():
        try:
            result = search_result(session, q, agency=agency, region=(region or "").strip() or None,
                                   year=_opt_int(year, 1900, 2100), template=form["template"] or None,
                                   has_violations=_opt_bool(violations),
                                   limit=_opt_int(limit, 1, MAX_LIMIT) or 20)
        except QueryError as exc:
            error = str(exc)
    feed = "/feeds/search.atom?" + urlencode({k: v for k, v in form.items() if v}) if result else None
    return _render(request, "search.html", status=400 if error else 200, form=form, result=result, error=error,
                   templates=TEMPLATES, feed=feed, title=f"搜索：{q}" if q else "搜索年度报告")


@router.get("/agencies", response_class=HTMLResponse)
def agencies_page(request: Request, name: str | None = Query(None, max_length=200),
                  page: str | None = _text(NUMBER), session: Session = Depends(get_session)):
    n = _opt_int(page, 1, 100000) or 1
    rows = data.list_agencies(session, name=name, limit=101, offset=(n - 1) * 100)
    return _render(request, "agencies.html", agencies=rows[:100], more=len(rows) > 100, page=n, name=name or "",
                   title="机关")


@router.get("/agencies/{agency_id}", response_class=HTMLResponse)
def agency_page(request: Request, agency_id: int = Path(..., ge=1, le=INT32), session: Session = Depends(get_session)):
    try:
        agency = data.agency(session, agency_id)
    except data.NotFound as exc:
        return _not_found(request, exc)
    return _render(request, "agency.html", agency=agency, charts=agency_charts(agency["years"]), title=agency["name"])


@router.get("/reports/{report_id}", response_class=HTMLResponse)
def report_page(request: Request, report_id: int = Path(..., ge=1, le=INT32), version: str | None = _text(NUMBER),
                session: Session = Depends(get_session)):
    try:
        report = data.report(session, report_id, _opt_int(version))
    except data.NotFound as exc:
        return _not_found(request, exc)
    tables, violations = report_tables(report["record"])
    paragraphs = [p for p in re.split(r"\n\s*\n", report["text"]) if p.strip()]
    return _render(request, "report.html", report=report, record=report["record"], tables=tables,
                   violations=violations, paragraphs=paragraphs,
                   title=f"{report['agency']} {report['year']} 年度报告")


@router.get("/reports/{report_id}/diff", response_class=HTMLResponse)
def diff_page(request: Request, report_id: int = Path(..., ge=1, le=INT32), from_: str | None = _text(12, "from"),
              to: str | None = _text(NUMBER), session: Session = Depends(get_session)):
    try:
        diff = data.diff(session, report_id, _opt_int(from_), _opt_int(to))
        versions = data.report(session, report_id)["versions"]
    except data.NotFound as exc:
        return _not_found(request, exc)
    return _render(request, "diff.html", diff=diff, versions=versions, fact_label=fact_label,
                   title=f"{diff['agency']} {diff['year']} 版本 {diff['from']} → {diff['to']}")


@router.get("/coverage", response_class=HTMLResponse)
def coverage_page(request: Request, year: str | None = _text(NUMBER), region: str | None = _text(REGION),
                  session: Session = Depends(get_session)):
    from archive.coverage import STATUS_LABELS, coverage

    try:
        year_n, region_code = _filter_int(year, "年度", 1990, 2100), _filter_region(region)
    except ValueError as exc:
        return _bad_filter(request, str(exc))
    result = coverage(session, year=year_n, region=region_code)
    query = urlencode({k: v for k, v in {"year": result["year"], "region": region_code}.items() if v})
    return _render(request, "coverage.html", cov=result, statuses=STATUS_LABELS, region=region_code or "",
                   csv_url=f"/coverage.csv?{query}", title=f"{result['year']} 年度报告发布情况")


@router.get("/coverage.csv")
def coverage_csv(request: Request, year: str | None = _text(NUMBER), region: str | None = _text(REGION),
                 session: Session = Depends(get_session)):
    import io

    from archive.coverage import CSV_COLUMNS, coverage
    from archive.labels import level_label
    from archive.spreadsheets import write_csv

    try:
        year_n, region_code = _filter_int(year, "年度", 1990, 2100), _filter_region(region)
    except ValueError as exc:
        return _bad_filter(request, str(exc))
    result = coverage(session, year=year_n, region=region_code)
    out = io.StringIO()
    write_csv(out, [label for _, label in CSV_COLUMNS],
              ([level_label(row.get(k)) if k == "level" else row.get(k) for k, _ in CSV_COLUMNS] for row in result["rows"]),
              bom=True)
    name = f"coverage-{result['year']}{'-' + region_code if region_code else ''}.csv"
    return Response(out.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# What an original may be served as, and how (crawled bytes never run in our origin).
_SANDBOX_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
_PDF_CSP = "default-src 'none'; object-src 'none'; script-src 'none'"


def original_response(body: bytes, content_type: str | None, name: str) -> Response:
    """The stored bytes with a safe type: HTML and text inline in a CSP sandbox (no script,
    no requests), PDF inline, anything else as a download."""
    declared = (content_type or "").lower()
    charset = re.search(r"charset=([\w-]+)", declared)
    charset = f"; charset={charset.group(1)}" if charset else ""
    head = body[:1024].lstrip().lower()
    if body.startswith(b"%PDF"):
        kind, ext, disposition, csp = "application/pdf", "pdf", "inline", _PDF_CSP
    elif "html" in declared or head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<p")):
        kind, ext, disposition, csp = f"text/html{charset}", "html", "inline", _SANDBOX_CSP
    elif declared.startswith("text/plain") or (not declared and b"\x00" not in body[:1024] and not body.startswith(b"PK")):
        kind, ext, disposition, csp = f"text/plain{charset}", "txt", "inline", _SANDBOX_CSP
    else:
        ext = "docx" if body.startswith(b"PK") else "bin"
        kind, disposition, csp = "application/octet-stream", "attachment", _SANDBOX_CSP
    return Response(body, media_type=kind, headers={
        "Content-Disposition": f'{disposition}; filename="{name}.{ext}"', "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff", "Cross-Origin-Resource-Policy": "same-origin"})


@router.get("/reports/{report_id}/versions/{number}/original")
def original(report_id: int = Path(..., ge=1, le=INT32), number: int = Path(..., ge=1, le=INT32),
             session: Session = Depends(get_session)):
    try:
        body, content_type, _url = data.original(session, report_id, number)
    except data.NotFound as exc:
        return Response(str(exc), status_code=404, media_type="text/plain; charset=utf-8")
    return original_response(body, content_type, f"report-{report_id}-v{number}")


@router.get("/events", response_class=HTMLResponse)
def events_page(request: Request, kind: str | None = _text(WORD), before_id: str | None = _text(NUMBER),
                session: Session = Depends(get_session)):
    kind = kind if kind in KINDS else None
    rows = data.events(session, kind=kind, before_id=_opt_int(before_id), limit=51)
    return _render(request, "events.html", events=rows[:50], more=rows[50]["id"] + 1 if len(rows) > 50 else None,
                   kind=kind or "", kinds=KINDS, title="动态")


# --- Atom feeds ---------------------------------------------------------------------------------------------

def _atom(request: Request, events: list[dict], title: str, feed_key: str, alternate: str) -> Response:
    # Links from the configured base URL, never from the request's Host header (anyone
    # can send one, and a feed reader or cache would then hand out links to their host).
    base = request.app.state.base_url
    query = request.url.query
    body = feeds.atom_feed(
        events, title=title, feed_id=f"tag:nianbao,2026:feed:{feed_key}",
        self_url=base + request.url.path + (f"?{query}" if query else ""),
        alternate_url=base + alternate, labels=fact_label,
        report_url=lambda e: f"{base}/reports/{e['report_id']}" if e.get("report_id") else None)
    return Response(body, media_type=feeds.CONTENT_TYPE)


@router.get("/feeds/events.atom")
def feed_all(request: Request, kind: str | None = _text(WORD), session: Session = Depends(get_session)):
    kind = kind if kind in KINDS else None
    return _atom(request, data.events(session, kind=kind, limit=100), "年报动态：全部", f"events/{kind or 'all'}",
                 "/events")


@router.get("/feeds/agencies/{agency_id}.atom")
def feed_agency(request: Request, agency_id: int = Path(..., ge=1, le=INT32), session: Session = Depends(get_session)):
    try:
        name = data.agency_name(session, agency_id)
    except data.NotFound as exc:
        return Response(str(exc), status_code=404, media_type="text/plain; charset=utf-8")
    return _atom(request, data.events(session, agency_id=agency_id, limit=100), f"年报动态：{name}",
                 f"agency/{agency_id}", f"/agencies/{agency_id}")


@router.get("/feeds/search.atom")
def feed_search(request: Request, q: str = Query("", max_length=1000), agency: str | None = _text(AGENCY),
                region: str | None = _text(REGION), year: str | None = _text(NUMBER), template: str | None = _text(WORD),
                violations: str | None = _text(WORD), session: Session = Depends(get_session)):
    """Events of the reports matching a search (its first 200 hits)."""
    try:
        result = search_result(session, q, agency=agency, region=region, year=_opt_int(year, 1900, 2100),
                               template=template if template in TEMPLATES else None,
                               has_violations=_opt_bool(violations), limit=MAX_LIMIT)
    except QueryError as exc:
        return Response(str(exc), status_code=400, media_type="text/plain; charset=utf-8")
    ids = [h.report_id for h in result.hits]
    query = urlencode({k: v for k, v in {"q": q, "agency": agency, "region": region, "year": year,
                                          "template": template, "violations": violations}.items() if v})
    return _atom(request, data.events(session, report_ids=ids, limit=100), f"年报动态：搜索“{q}”",
                 f"search/{query}", f"/search?{query}")
