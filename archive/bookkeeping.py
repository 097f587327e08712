"""Crawl bookkeeping: what the archive knows of a URL (validators, due dates), the answers
that carry no new content (304, 404/410), and a crawl's begin and end with what it no
longer reached.

A document that stops answering or stops being listed is first marked (``gone_since``,
``unlisted_since``) and only a later check confirms it: its report is ``withdrawn`` when
no live document is left. A marked document that answers again clears its marks and its
report is ``restored``. Every function takes an open session and never commits.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from archive.events import emit
from archive.identity import source_id as _source_id
from archive.models import Crawl, Document, Report, aware, utcnow
from archive.versions import lock_report


@dataclass(frozen=True)
class DocumentInfo:
    """What the crawler needs to decide whether to re-fetch a URL."""

    url: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    last_checked: dt.datetime
    etag: str | None
    last_modified: str | None
    gone_since: dt.datetime | None
    withdrawn: bool
    report_id: int | None
    year: int | None


_LOCKED_DOCUMENT = (sa.select(Document).where(Document.url == sa.bindparam("url")).with_for_update()
                    .execution_options(populate_existing=True))


def locked_document(session: Session, url: str) -> Document | None:
    """The document of ``url`` locked and loaded afresh, or None if the archive has none."""
    return session.execute(_LOCKED_DOCUMENT, {"url": url}).scalar_one_or_none()

def document_validators(session: Session, url: str) -> tuple[str | None, str | None] | None:
    """The stored (ETag, Last-Modified) of ``url`` for a conditional GET, or None if never fetched."""
    row = session.execute(sa.select(Document.etag, Document.last_modified, Document.sha256)
                          .where(Document.url == url)).first()
    if row is None or row.sha256 is None:
        return None
    return row.etag, row.last_modified


def documents_due(session: Session, urls: Iterable[str]) -> dict[str, DocumentInfo]:
    """What the archive knows about each of ``urls`` (unknown URLs are left out)."""
    urls = list(dict.fromkeys(urls))
    out: dict[str, DocumentInfo] = {}
    for start in range(0, len(urls), 500):
        chunk = urls[start:start + 500]
        rows = session.execute(
            sa.select(Document, Report.year).outerjoin(Report, Report.id == Document.report_id)
            .where(Document.url.in_(chunk))).all()
        for doc, year in rows:
            out[doc.url] = DocumentInfo(
                url=doc.url, first_seen=doc.first_seen, last_seen=doc.last_seen, last_checked=doc.last_checked,
                etag=doc.etag, last_modified=doc.last_modified, gone_since=doc.gone_since,
                withdrawn=doc.withdrawn_at is not None, report_id=doc.report_id, year=year)
    return out


def mark_not_modified(session: Session, url: str, at: dt.datetime | None = None) -> list[dict]:
    """A 304 (or an unchanged re-check): the document is alive; nothing is parsed.

    Returns the events made (a ``restored`` when its report had been withdrawn).
    """
    at = aware(at)
    doc = locked_document(session, url)
    if doc is None:
        return []
    doc.last_seen = doc.last_checked = at
    events: list[dict] = []
    revive(session, doc, at, events, crawl_id=None)
    return events


def mark_gone(session: Session, url: str, *, status: int, at: dt.datetime | None = None) -> list[dict]:
    """A 404/410. The first mark only notes it; a later mark confirms: ``withdrawn``."""
    at = aware(at)
    doc = locked_document(session, url)
    if doc is None:
        return []
    doc.last_checked = at
    if doc.withdrawn_at is not None:
        return []
    if doc.gone_since is None or at <= doc.gone_since:
        doc.gone_since, doc.gone_status = at, status
        return []
    doc.gone_status = status
    doc.withdrawn_at = at
    events: list[dict] = []
    _withdraw_report_if_dead(session, doc, at, events, crawl_id=None)
    return events


def _withdraw_report_if_dead(session: Session, doc: Document, at: dt.datetime, events: list[dict],
                             crawl_id: int | None) -> None:
    if doc.report_id is None:
        return
    report = lock_report(session, doc.report_id)
    live = session.execute(sa.select(sa.func.count()).select_from(Document).where(
        Document.report_id == report.id, Document.withdrawn_at.is_(None))).scalar_one()
    if live == 0 and report.withdrawn_at is None:
        report.withdrawn_at = at
        emit(session, events, kind="withdrawn", report=report, url=doc.url, at=at, crawl_id=crawl_id)


def revive(session: Session, doc: Document, at: dt.datetime, events: list[dict], crawl_id: int | None) -> None:
    """The document answered again: clear gone marks, restore its report if withdrawn."""
    doc.gone_since = doc.gone_status = doc.unlisted_since = None
    doc.withdrawn_at = None
    if doc.report_id is not None:
        restore_report(session, doc.report_id, doc.url, at, events, crawl_id)


def restore_report(session: Session, report_id: int, url: str, at: dt.datetime, events: list[dict],
                   crawl_id: int | None) -> None:
    """A document of a withdrawn report answered again: the report is ``restored``."""
    report = lock_report(session, report_id)
    if report.withdrawn_at is not None:
        report.withdrawn_at = None
        emit(session, events, kind="restored", report=report, url=url, at=at, crawl_id=crawl_id)


def begin_crawl(session: Session, source: str) -> int:
    """Start a crawl of ``source`` (created on demand); its id.

    The crawl is the source's baseline while the source has no complete crawl yet: the
    ``new`` events it makes carry ``baseline: true``.
    """
    source_id = _source_id(session, source)
    done_before = session.execute(sa.select(Crawl.id).where(
        Crawl.source_id == source_id, Crawl.complete.is_(True)).limit(1)).first()
    crawl = Crawl(source_id=source_id, started_at=utcnow(), complete=False, baseline=done_before is None)
    session.add(crawl)
    session.flush()
    return crawl.id


def finish_crawl(session: Session, crawl_id: int, *, listed_urls: Iterable[str], complete: bool) -> list[dict]:
    """End a crawl. After a complete crawl, reports of the source it no longer reached are
    marked unlisted, and withdrawn when a later complete crawl confirms it.

    ``listed_urls``: every URL the crawl reached (listing entries, pages, attachments);
    documents fetched during the crawl count as reached anyway.
    """
    crawl = session.get(Crawl, crawl_id, with_for_update=True)
    if crawl is None:
        raise ValueError(f"no crawl {crawl_id}")
    at = utcnow()
    listed = set(listed_urls)
    crawl.finished_at, crawl.complete, crawl.listed = at, complete, len(listed)
    events: list[dict] = []
    if not complete:
        return events
    docs = session.execute(
        sa.select(Document).where(Document.source_id == crawl.source_id, Document.report_id.is_not(None))
        .order_by(Document.id).with_for_update().execution_options(populate_existing=True)).scalars().all()
    for doc in docs:
        reached = doc.url in listed or doc.last_crawl_id == crawl_id
        if reached:
            # Withdrawn by a 404 stays withdrawn until the URL answers again (archive_document).
            if doc.unlisted_since is not None and (doc.gone_since is None):
                revive(session, doc, at, events, crawl_id)
            continue
        if doc.withdrawn_at is not None:
            continue
        if doc.unlisted_since is None:
            doc.unlisted_since = at
        else:
            doc.withdrawn_at = at
            _withdraw_report_if_dead(session, doc, at, events, crawl_id)
    return events

