"""The FastAPI application: JSON API under ``/api``, HTML pages, Atom feeds, static files.

Crawled text is untrusted everywhere: templates autoescape, links to crawled URLs are kept
only when they are http(s), every response says ``nosniff`` and our pages run under a
strict Content-Security-Policy (no inline script, nothing from other origins).
"""
from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker

from archive import labels
from archive.feeds import http_url
from archive.regions import region_name

log = logging.getLogger(__name__)
HERE = Path(__file__).parent

PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def _num(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def templates() -> Jinja2Templates:
    """The page templates (Jinja2, autoescaped) with the project's filters."""
    t = Jinja2Templates(directory=str(HERE / "templates"))
    t.env.autoescape = True  # every template, whatever its name
    t.env.filters.update(num=_num, http_url=http_url, fact_label=labels.fact_label, kind_label=labels.kind_label,
                         china_time=labels.china_time, level_label=labels.level_label,
                         status_label=labels.status_label, template_label=lambda t: labels.TEMPLATE_LABELS.get(t, t),
                         field_label=lambda k: labels.FIELD_LABELS.get(k, k), figure_label=labels.FIGURE_LABELS.get)
    t.env.globals.update(field_value=labels.field_value, region_name=region_name,
                         level_name=lambda level: labels.level_label(level) or "未知层级")
    return t


def create_app(session_factory: sessionmaker[Session]) -> FastAPI:
    """The app over the archive opened by ``session_factory`` (``archive.db.open_archive(url)``)."""
    from archive.web import api, pages

    app = FastAPI(title="nianbao 年报 API", version="1.0",
                  description="政府信息公开工作年度报告档案：搜索、机关、报告、版本差异、动态。",
                  docs_url=None, redoc_url=None)  # the docs UIs load from a CDN: the schema is at /openapi.json
    app.state.Session = session_factory
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

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):  # pragma: no cover - last resort
        log.exception("error serving %s", request.url.path)
        return JSONResponse({"detail": "internal error"}, status_code=500)

    return app


def get_session(request: Request):
    """One session per request, closed after (reads only: nothing is committed)."""
    with request.app.state.Session() as session:
        yield session
