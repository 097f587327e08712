"""The FastAPI application: JSON API under ``/api``, HTML pages, Atom feeds, static files.

Crawled text is untrusted everywhere: templates autoescape, links to crawled URLs are kept
only when they are http(s), every response says ``nosniff`` and our pages run under a
strict Content-Security-Policy (no inline script, nothing from other origins).
"""
from __future__ import annotations

import logging
import os
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from archive import labels
from archive.feeds import http_url
from archive.regions import region_name

log = logging.getLogger(__name__)
HERE = Path(__file__).parent

PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def templates() -> Jinja2Templates:
    """The page templates (Jinja2, autoescaped) with the project's filters."""
    t = Jinja2Templates(directory=str(HERE / "templates"))
    t.env.autoescape = True  # every template, whatever its name
    t.env.filters.update(num=partial(labels.number, missing=""), http_url=http_url, fact_label=labels.fact_label, kind_label=labels.kind_label,
                         china_time=labels.china_time, level_label=labels.level_label,
                         status_label=labels.status_label, template_label=lambda t: labels.TEMPLATE_LABELS.get(t, t),
                         field_label=lambda k: labels.FIELD_LABELS.get(k, k), figure_label=labels.FIGURE_LABELS.get,
                         violation_label=labels.violation_label)
    t.env.globals.update(field_value=labels.field_value, region_name=region_name, source_label=labels.source_label,
                         uncertain_mark=labels.UNCERTAIN_MARK,
                         level_name=lambda level: labels.level_label(level) or "未知层级")
    return t


DEFAULT_BASE_URL = "http://127.0.0.1:8000"
def base_url(explicit: str | None = None) -> str:
    """The public address of the site (``--base-url``, else ``$NIANBAO_BASE_URL``, else
    ``http://127.0.0.1:8000``): feeds and page links are built from it, never from the
    request's ``Host`` header, which anyone can set."""
    from archive import links

    value = (explicit or os.environ.get(links.ENV_VAR) or DEFAULT_BASE_URL).strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"the base URL must be http(s)://host[:port][/path], not {value!r}")
    return value.rstrip("/")


def create_app(session_factory: sessionmaker[Session], *, base: str | None = None) -> FastAPI:
    """The app over the archive opened by ``session_factory``
    (``archive.db.open_archive(url, readonly=True)``: pages only read, and on SQLite read
    connections never wait for the crawl's writers). ``base``: the site's public address
    (:func:`base_url`)."""
    from archive.web import api, pages

    app = FastAPI(title="nianbao 年报 API", version="1.0",
                  description="政府信息公开工作年度报告档案：搜索、机关、报告、版本差异、动态。",
                  docs_url=None, redoc_url=None)  # their UIs load from a CDN: /docs is rendered by pages.py
    app.state.Session = session_factory
    app.state.base_url = base_url(base)
    app.state.templates = templates()
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if _wants_json(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))
        title, message = ERROR_PAGES.get(exc.status_code, ("出错了", "请求无法完成。"))
        return _error_page(request, exc.status_code, title, message)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        if _wants_json(request):
            return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
        return _error_page(request, 422, "请求有误", "；".join(_chinese_error(e) for e in exc.errors()[:3]))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):  # pragma: no cover - last resort
        log.exception("error serving %s", request.url.path)
        return JSONResponse({"detail": "internal error"}, status_code=500)

    return app


# Pages for people get a Chinese page for every error; the API and the schema answer JSON.
ERROR_PAGES = {
    404: ("未找到", "没有这个页面。请检查网址，或从首页开始浏览。"),
    405: ("不支持的请求", "这个网址不支持这种请求方式。"),
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/openapi.json")) or request.url.path == "/api"


def _error_page(request: Request, status: int, title: str, message: str):
    return request.app.state.templates.TemplateResponse(request, "error.html", {"title": title, "message": message},
                                                        status_code=status)


def _chinese_error(error: dict) -> str:
    """One FastAPI validation error in Chinese (pages take most filters as text and check them
    themselves; this covers the typed path parameters, e.g. ``/reports/0``)."""
    where = {"path": "网址中的", "query": "参数"}.get(str((error.get("loc") or ["?"])[0]), "")
    name = str((error.get("loc") or ["", "?"])[-1])
    names = {"report_id": "报告编号", "agency_id": "机关编号", "number": "版本号", "q": "搜索词", "name": "机关名称",
             "agency": "机关", "region": "地区代码", "year": "年度", "template": "模板", "violations": "差错",
             "limit": "条数", "page": "页码", "before_id": "起始编号", "kind": "类型", "version": "版本",
             "from": "起始版本", "to": "目标版本"}
    kind = str(error.get("type") or "")
    if kind.startswith(("int_", "greater", "less")):
        problem = "应为有效范围内的正整数"
    elif kind.startswith("string_too_long"):
        problem = f"太长（最多 {(error.get('ctx') or {}).get('max_length')} 个字符）"
    else:
        problem = "无效"
    return f"{where}{names.get(name, name)}{problem}"
