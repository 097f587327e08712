"""HTML pages (Chinese interface), Atom feeds and the stored originals."""
from __future__ import annotations

import re
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from archive import feeds, queries
from archive.labels import COVERAGE_LABELS, EVENT_KINDS, TEMPLATE_LABELS, kind_label
from archive.prose import prose_paragraphs
from archive.regions import region_name
from archive.queries import NotFound
from archive.search import MAX_LIMIT, QueryError, search_result
from archive.web import data
from archive.web.deps import get_session
from archive.web.charts import agency_charts
from archive.web.tables import fact_label, report_tables, uncertain_cells
from parsers.keys import TEMPLATES

router = APIRouter(include_in_schema=False)
INT32 = 2**31 - 1


# Every query parameter is bounded: an unbounded one reaches SQL (SQLite refuses a LIKE
# pattern over 50,000 bytes with a 500) and the page. Over its bound: 422, in Chinese.
def _text(max_length: int, alias: str | None = None):
    return Query(None, max_length=max_length, alias=alias)


# (A fresh Query per parameter: FastAPI validates only the first user of a shared one.)
AGENCY, REGION, NUMBER, WORD = 200, 12, 12, 16


def _render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status)


def _chinese_not_found(exc: Exception) -> str:
    """NotFound's English line (``no report 5``, ``report 5 has no version 3 (it has 2)``) in Chinese."""
    text = str(exc.args[0]) if exc.args else str(exc)
    for pattern, chinese in ((r"no agency (\d+)$", "没有编号为 {0} 的机关"), (r"no report (\d+)$", "没有编号为 {0} 的报告"),
                             (r"report (\d+) has no version (\d+) \(it has (\d+)\)", "报告 {0} 没有版本 {1}（共 {2} 个版本）"),
                             (r"report (\d+) has no version (\d+)", "报告 {0} 没有版本 {1}")):
        match = re.match(pattern, text)
        if match:
            return chinese.format(*match.groups())
    return "没有找到所要的内容"


def _not_found(request: Request, exc: Exception) -> HTMLResponse:
    return _render(request, "error.html", status=404, title="未找到", message=_chinese_not_found(exc))


def _plain_error(message: str, status: int) -> Response:
    return Response(message, status_code=status, media_type="text/plain; charset=utf-8")


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


def _filter_kind(value: str | None) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if text not in EVENT_KINDS:
        choices = "、".join(kind_label(k) for k in EVENT_KINDS)
        raise ValueError(f"没有“{text[:40]}”这种动态；动态分为：{choices}")
    return text


def _opt_bool(value: str | None) -> bool | None:
    return {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}.get((value or "").lower())


@router.get("/", response_class=HTMLResponse)
def home_page(request: Request, session: Session = Depends(get_session)):
    form = {"q": "", "agency": "", "region": "", "year": "", "template": "", "violations": ""}
    return _render(request, "home.html", home=data.home(session),
                   events=queries.events(session, limit=10, newest_first=True), statuses=COVERAGE_LABELS, form=form,
                   templates=TEMPLATES, title="政府信息公开工作年度报告档案")


def _search_filters(agency, region, year, template, violations, limit) -> dict:
    """The search filters of a page or feed, checked (ValueError with a Chinese message)."""
    template = (template or "").strip()
    if template and template not in TEMPLATES:
        raise ValueError(f"没有“{template[:40]}”这种模板，可选：{'、'.join(TEMPLATE_LABELS[t] for t in TEMPLATES)}")
    flag = (violations or "").strip()
    if flag and _opt_bool(flag) is None:
        raise ValueError(f"勾稽问题应为 1（有）或 0（无），收到的是“{flag[:40]}”")
    return {"agency": (agency or "").strip() or None, "region": _filter_region(region),
            "year": _filter_int(year, "年度", 1900, 2100), "template": template or None,
            "has_violations": _opt_bool(flag), "limit": _filter_int(limit, "结果数", 1, MAX_LIMIT) or 20}


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, q: str | None = Query(None, max_length=1000), agency: str | None = _text(AGENCY),
                region: str | None = _text(REGION), year: str | None = _text(NUMBER), template: str | None = _text(WORD),
                violations: str | None = _text(WORD), limit: str | None = _text(NUMBER), session: Session = Depends(get_session)):
    form = {"q": q or "", "agency": agency or "", "region": region or "", "year": year or "",
            "template": template if template in TEMPLATES else "", "violations": violations or ""}
    result, error, status = None, None, 200
    try:
        filters = _search_filters(agency, region, year, template, violations, limit)
    except ValueError as exc:
        filters, error, status = None, str(exc), 422
    if filters is not None and q is not None and q.strip():
        try:
            result = search_result(session, q, **filters)
        except QueryError as exc:
            error, status = exc.chinese, 400
    feed = "/feeds/search.atom?" + urlencode({k: v for k, v in form.items() if v}) if result else None
    return _render(request, "search.html", status=status, form=form, result=result, error=error,
                   templates=TEMPLATES, feed=feed, title=f"搜索：{q}" if q else "搜索年度报告")


@router.get("/agencies", response_class=HTMLResponse)
def agencies_page(request: Request, name: str | None = Query(None, max_length=200), region: str | None = _text(REGION),
                  page: str | None = _text(NUMBER), session: Session = Depends(get_session)):
    try:
        n = _filter_int(page, "页码", 1, 100000) or 1
        region_code = _filter_region(region)
    except ValueError as exc:
        return _bad_filter(request, str(exc))
    rows = data.list_agencies(session, name=name, region=region_code, limit=101, offset=(n - 1) * 100)
    return _render(request, "agencies.html", agencies=rows[:100], more=len(rows) > 100, page=n, name=name or "",
                   region=region_code or "", title=f"{region_name(region_code)}的机关" if region_code else "机关")


@router.get("/agencies/{agency_id}", response_class=HTMLResponse)
def agency_page(request: Request, agency_id: int = Path(..., ge=1, le=INT32), session: Session = Depends(get_session)):
    try:
        agency = data.agency(session, agency_id)
    except NotFound as exc:
        return _not_found(request, exc)
    return _render(request, "agency.html", agency=agency, charts=agency_charts(agency["years"]), title=agency["name"])


@router.get("/reports/{report_id}", response_class=HTMLResponse)
def report_page(request: Request, report_id: int = Path(..., ge=1, le=INT32), version: str | None = _text(NUMBER),
                session: Session = Depends(get_session)):
    try:
        report = data.report(session, report_id, _filter_int(version, "版本", 1, INT32))
    except ValueError as exc:
        return _bad_filter(request, str(exc))
    except NotFound as exc:
        return _not_found(request, exc)
    tables, violations = report_tables(report["record"])
    paragraphs = prose_paragraphs(report["text"])  # the tables are shown above, as tables
    return _render(request, "report.html", report=report, record=report["record"], tables=tables,
                   violations=violations, paragraphs=paragraphs, uncertain=uncertain_cells(report["record"]),
                   title=f"{report['agency']} {report['year']} 年度报告")


@router.get("/reports/{report_id}/diff", response_class=HTMLResponse)
def diff_page(request: Request, report_id: int = Path(..., ge=1, le=INT32), from_: str | None = _text(12, "from"),
              to: str | None = _text(NUMBER), session: Session = Depends(get_session)):
    try:
        diff = queries.diff(session, report_id=report_id, from_number=_filter_int(from_, "原版本", 1, INT32),
                            to_number=_filter_int(to, "新版本", 1, INT32))
        versions = data.report(session, report_id)["versions"]
    except ValueError as exc:
        return _bad_filter(request, str(exc))
    except NotFound as exc:
        return _not_found(request, exc)
    return _render(request, "diff.html", diff=diff, versions=versions, fact_label=fact_label,
                   title=f"{diff['agency']} {diff['year']} 版本 {diff['from']} → {diff['to']}")


@router.get("/coverage", response_class=HTMLResponse)
@router.get("/coverage.csv")
def coverage_page(request: Request, year: str | None = _text(NUMBER), region: str | None = _text(REGION),
                  session: Session = Depends(get_session)):
    """A year's coverage (and a region's): the page, or at ``/coverage.csv`` its list as CSV
    (one handler, so that both read the filters and answer a bad one alike)."""
    from archive.coverage import coverage

    try:
        year_n, region_code = _filter_int(year, "年度", 1990, 2100), _filter_region(region)
    except ValueError as exc:
        return _bad_filter(request, str(exc))
    result = coverage(session, year=year_n, region=region_code)
    if request.url.path.endswith(".csv"):
        return _coverage_csv(result, region_code)
    query = urlencode({k: v for k, v in {"year": result["year"], "region": region_code}.items() if v})
    return _render(request, "coverage.html", cov=result, statuses=COVERAGE_LABELS, region=region_code or "",
                   csv_url=f"/coverage.csv?{query}", title=f"{result['year']} 年度报告发布情况")


def _coverage_csv(result: dict, region_code: str | None) -> Response:
    import io

    from archive.coverage import CSV_COLUMNS
    from archive.labels import level_label
    from archive.spreadsheets import write_csv

    out = io.StringIO()
    write_csv(out, [label for _, label in CSV_COLUMNS],
              ([level_label(row.get(k)) if k == "level" else row.get(k) for k, _ in CSV_COLUMNS] for row in result["rows"]),
              bom=True)
    name = f"coverage-{result['year']}{'-' + region_code if region_code else ''}.csv"
    return Response(out.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/docs", response_class=HTMLResponse)
def docs_page(request: Request):
    """The API's documentation, rendered here from the OpenAPI schema: no script or style
    from a CDN (the swagger UI needs them, and the CSP allows none; it must work offline)."""
    schema = request.app.openapi()
    endpoints = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            params = [{"name": p.get("name"), "in": p.get("in"), "required": p.get("required", False),
                       "type": _schema_type(p.get("schema") or {}), "description": p.get("description") or ""}
                      for p in op.get("parameters", [])]
            responses = [(code, r.get("description", "")) for code, r in op.get("responses", {}).items()]
            endpoints.append({"method": method.upper(), "path": path, "summary": op.get("summary") or "",
                              "description": op.get("description") or "", "params": params, "responses": responses})
    return _render(request, "docs.html", api=schema.get("info", {}), endpoints=endpoints, title="API 文档")


def _schema_type(schema: dict) -> str:
    if "anyOf" in schema:
        return " | ".join(_schema_type(s) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    kind = schema.get("type", "")
    limits = [f"{k}={schema[k]}" for k in ("minimum", "maximum", "maxLength") if k in schema]
    return kind + (f"（{', '.join(limits)}）" if limits else "")


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
    except NotFound as exc:
        return _plain_error(_chinese_not_found(exc), 404)
    return original_response(body, content_type, f"report-{report_id}-v{number}")


@router.get("/events", response_class=HTMLResponse)
def events_page(request: Request, kind: str | None = _text(WORD), before_id: str | None = _text(NUMBER),
                session: Session = Depends(get_session)):
    try:
        kind = _filter_kind(kind)
        before = _filter_int(before_id, "翻页位置", 1, INT32)
    except ValueError as exc:
        return _bad_filter(request, str(exc))
    rows = queries.events(session, kind=kind, before_id=before, limit=51, newest_first=True)
    return _render(request, "events.html", events=rows[:50], more=rows[50]["id"] + 1 if len(rows) > 50 else None,
                   kind=kind or "", kinds=EVENT_KINDS, title="动态")


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
    try:
        kind = _filter_kind(kind)
    except ValueError as exc:
        return _plain_error(str(exc), 422)
    return _atom(request, queries.events(session, kind=kind, limit=100, newest_first=True), "年报动态：全部",
                 f"events/{kind or 'all'}", "/events")


@router.get("/feeds/agencies/{agency_id}.atom")
def feed_agency(request: Request, agency_id: int = Path(..., ge=1, le=INT32), session: Session = Depends(get_session)):
    try:
        name = data.agency_name(session, agency_id)
    except NotFound as exc:
        return _plain_error(_chinese_not_found(exc), 404)
    return _atom(request, queries.events(session, agency_id=agency_id, limit=100, newest_first=True),
                 f"年报动态：{name}", f"agency/{agency_id}", f"/agencies/{agency_id}")


@router.get("/feeds/search.atom")
def feed_search(request: Request, q: str = Query("", max_length=1000), agency: str | None = _text(AGENCY),
                region: str | None = _text(REGION), year: str | None = _text(NUMBER), template: str | None = _text(WORD),
                violations: str | None = _text(WORD), session: Session = Depends(get_session)):
    """Events of the reports matching a search (its first 200 hits)."""
    try:
        filters = _search_filters(agency, region, year, template, violations, None)
    except ValueError as exc:
        return _plain_error(str(exc), 422)
    try:
        result = search_result(session, q, **{**filters, "limit": MAX_LIMIT})
    except QueryError as exc:
        return _plain_error(exc.chinese, 400)
    ids = [h.report_id for h in result.hits]
    query = urlencode({k: v for k, v in {"q": q, "agency": agency, "region": region, "year": year,
                                          "template": template, "violations": violations}.items() if v})
    return _atom(request, queries.events(session, report_ids=ids, limit=100, newest_first=True),
                 f"年报动态：搜索“{q}”", f"search/{query}", f"/search?{query}")
