"""Archiving: the one code path for `nianbao ingest` and the crawler pipeline.

Every function takes an open session and never commits: the caller owns the transaction
(``with Session.begin() as session: archive_document(session, ...)``), so one document
is archived completely or not at all.

Change detection, in short (docs/archive.md has the details):

- identical bytes are a no-op; other bytes are parsed and reduced to a content
  fingerprint (:func:`archive.normalize.fingerprint`) so page chrome never counts;
- a document whose fingerprint did not change makes no version, whatever the other
  documents of the report say (an HTML page and its PDF never flip-flop);
- a changed or new document whose content differs from the report's latest version
  makes a new version and a ``revised`` event (``new`` for the report's first);
- gone (404/410) or no longer listed, confirmed on a later check: ``withdrawn``;
  seen again: ``restored``.

Concurrency: rows are created with ``INSERT … ON CONFLICT DO NOTHING`` and then read
back; the document and the report are locked (``SELECT … FOR UPDATE`` on PostgreSQL,
``BEGIN IMMEDIATE`` on SQLite) before versions are numbered, and the version insert runs
in a SAVEPOINT that re-reads and retries on a unique-constraint conflict.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Iterable, NamedTuple
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from archive import snapshots
from archive.changes import version_diff
from archive.labels import EVENT_KINDS
from archive.regions import infer_region
from archive.models import (
    Agency, Cell, Crawl, Document, DocumentSnapshot, Event, Report, Source, Version, VersionSnapshot, utcnow,
)
from archive.normalize import fingerprint
from archive.sql import get_or_create, insert_ignore, insert_returning_id
from parsers.errors import ParseError
from parsers.record import PARSER_VERSION, Record

log = logging.getLogger(__name__)

MAX_URL = 2000
MAX_AGENCY = 200  # agencies.name


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


# --- events -------------------------------------------------------------------------

def event_dict(event: Event, agency_name: str | None = None) -> dict[str, Any]:
    """An event as ``nianbao events --json`` prints it."""
    name = agency_name if agency_name is not None else (event.agency.name if event.agency else None)
    out: dict[str, Any] = {
        "id": event.id, "kind": event.kind, "agency": name, "year": event.year, "url": event.url,
        "at": event.at.isoformat() if event.at else None, "baseline": bool(event.baseline),
        "agency_id": event.agency_id, "report_id": event.report_id,
    }
    if event.changes is not None or event.kind == "revised":
        out["changes"] = event.changes or {}
    if event.detail:
        out["detail"] = event.detail
    return out


def _agency_id(session: Session, name: str, at: dt.datetime) -> int:
    """The agency's id, created with the region code and level its name tells (archive.regions)."""
    region_code, level = infer_region(name)
    return get_or_create(session, Agency, {"name": name},
                         {"created_at": at, "region_code": region_code, "level": level})


def add_event(session: Session, *, kind: str, report: Report | int | None = None, agency: str | Agency | None = None,
              year: int | None = None, url: str | None = None, baseline: bool = False,
              changes: dict | None = None, detail: dict | None = None, at: dt.datetime | None = None,
              version_id: int | None = None, crawl_id: int | None = None) -> Event:
    """Record one event (flushed, so it has its id). ``report`` fills agency/year/url when not given."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r} (one of {', '.join(EVENT_KINDS)})")
    agency_id = None
    if isinstance(report, int):
        report = session.get(Report, report)
    if isinstance(agency, Agency):
        agency_id = agency.id
    elif isinstance(agency, str):
        agency_id = _agency_id(session, agency, utcnow())
    if report is not None:
        agency_id = agency_id or report.agency_id
        year = year if year is not None else report.year
        if url is None and report.document_id is not None:
            url = session.execute(sa.select(Document.url).where(Document.id == report.document_id)).scalar()
    event = Event(kind=kind, at=at or utcnow(), report_id=report.id if report is not None else None,
                  agency_id=agency_id, year=year, url=url, baseline=baseline, changes=changes, detail=detail,
                  version_id=version_id, crawl_id=crawl_id)
    session.add(event)
    session.flush()
    return event


def _emit(session: Session, events: list[dict], **kwargs) -> None:
    event = add_event(session, **kwargs)
    name = session.execute(sa.select(Agency.name).where(Agency.id == event.agency_id)).scalar()
    events.append(event_dict(event, name))


# --- documents ------------------------------------------------------------------------

def _document_for_update(session: Session, url: str, at: dt.datetime) -> Document:
    doc = _locked_document(session, url)
    if doc is not None:
        return doc
    values = {"url": url, "first_seen": at, "last_seen": at, "last_checked": at}
    new_id = insert_returning_id(session, Document, values, ["url"])
    if new_id is None:  # another writer created it first: wait for its lock
        return _locked_document(session, url)
    # Inserted by us, so locked by us, and every column is known: the row joins the session
    # as if loaded (no SELECT to read back what was just written).
    doc = Document(**dict.fromkeys(_DOCUMENT_COLUMNS), **values, id=new_id)
    make_transient_to_detached(doc)
    session.add(doc)
    return doc


_LOCKED_DOCUMENT = (sa.select(Document).where(Document.url == sa.bindparam("url")).with_for_update()
                    .execution_options(populate_existing=True))
_DOCUMENT_COLUMNS = [a.key for a in sa.inspect(Document).column_attrs if a.key not in ("id", "url", "first_seen",
                                                                                       "last_seen", "last_checked")]


def _locked_document(session: Session, url: str) -> Document | None:
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
    at = _aware(at)
    doc = _locked_document(session, url)
    if doc is None:
        return []
    doc.last_seen = doc.last_checked = at
    events: list[dict] = []
    _revive(session, doc, at, events, crawl_id=None)
    return events


def mark_gone(session: Session, url: str, *, status: int, at: dt.datetime | None = None) -> list[dict]:
    """A 404/410. The first mark only notes it; a later mark confirms: ``withdrawn``."""
    at = _aware(at)
    doc = _locked_document(session, url)
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
    report = _lock_report(session, doc.report_id)
    live = session.execute(sa.select(sa.func.count()).select_from(Document).where(
        Document.report_id == report.id, Document.withdrawn_at.is_(None))).scalar_one()
    if live == 0 and report.withdrawn_at is None:
        report.withdrawn_at = at
        _emit(session, events, kind="withdrawn", report=report, url=doc.url, at=at, crawl_id=crawl_id)


def _revive(session: Session, doc: Document, at: dt.datetime, events: list[dict], crawl_id: int | None) -> None:
    """The document answered again: clear gone marks, restore its report if withdrawn."""
    doc.gone_since = doc.gone_status = doc.unlisted_since = None
    doc.withdrawn_at = None
    if doc.report_id is not None:
        _restore_report(session, doc.report_id, doc.url, at, events, crawl_id)


def _restore_report(session: Session, report_id: int, url: str, at: dt.datetime, events: list[dict],
                    crawl_id: int | None) -> None:
    report = _lock_report(session, report_id)
    if report.withdrawn_at is not None:
        report.withdrawn_at = None
        _emit(session, events, kind="restored", report=report, url=url, at=at, crawl_id=crawl_id)


# --- crawls -------------------------------------------------------------------------------

def _source_id(session: Session, name: str) -> int:
    return get_or_create(session, Source, {"name": name}, {"created_at": utcnow()})


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
                _revive(session, doc, at, events, crawl_id)
            continue
        if doc.withdrawn_at is not None:
            continue
        if doc.unlisted_since is None:
            doc.unlisted_since = at
        else:
            doc.withdrawn_at = at
            _withdraw_report_if_dead(session, doc, at, events, crawl_id)
    return events


# --- archiving a document -------------------------------------------------------------------

def archive_document(session: Session, *, url: str, data: bytes, content_type: str | None = None,
                     record: Record | None = None, parse_error: str | None = None, source: str | None = None,
                     agency: str | None = None, year: int | None = None, etag: str | None = None,
                     last_modified: str | None = None, fetched_at: dt.datetime | None = None,
                     crawl_id: int | None = None) -> list[dict]:
    """Archive one fetched document; the events it made (dicts as ``nianbao events --json``).

    ``record=None`` parses ``data`` here; ``parse_error`` given stores the snapshot and the
    document only. ``agency``/``year`` fill the record's when it lacks them. A record of
    template ``unknown`` (or without agency or year) is stored as a document, no report.
    """
    at = _aware(fetched_at)
    with session.no_autoflush:  # one UPDATE of the document at the end, not one per statement
        events = _archive(session, url=url, data=data, content_type=content_type, record=record,
                          parse_error=parse_error, source=source, agency=agency, year=year, etag=etag,
                          last_modified=last_modified, at=at, crawl_id=crawl_id)
    session.flush()
    return events


def _archive(session: Session, *, url: str, data: bytes, content_type: str | None, record: Record | None,
             parse_error: str | None, source: str | None, agency: str | None, year: int | None,
             etag: str | None, last_modified: str | None, at: dt.datetime, crawl_id: int | None) -> list[dict]:
    if len(url) > MAX_URL:
        # PostgreSQL's unique index cannot hold much more (about 2,700 bytes a key).
        raise ValueError(f"URL longer than {MAX_URL} characters: {url[:80]}…")
    digest = snapshots.sha256(data)
    parse_error, content_type, etag, last_modified, agency = without_nul(
        (parse_error, content_type, etag, last_modified, agency))
    crawl = session.get(Crawl, crawl_id) if crawl_id is not None else None
    source_id = _source_id(session, source) if source else (crawl.source_id if crawl else None)

    doc = _document_for_update(session, url, at)
    previous_sha = doc.sha256
    same_bytes = previous_sha == digest and (doc.report_id is not None or (agency is None and year is None))
    if previous_sha == digest:
        session.execute(sa.update(DocumentSnapshot).where(
            DocumentSnapshot.document_id == doc.id, DocumentSnapshot.sha256 == digest).values(last_fetched=at))
    else:
        snapshots.store(session, data, at, digest)
        insert_ignore(session, DocumentSnapshot, [{"document_id": doc.id, "sha256": digest, "first_fetched": at,
                                                   "last_fetched": at}], ["document_id", "sha256"])
    doc.sha256 = digest
    doc.last_seen = doc.last_checked = at
    doc.content_type = (content_type or doc.content_type or "")[:200] or None
    doc.etag, doc.last_modified = etag, (last_modified[:100] if last_modified else None)
    if source_id is not None:
        doc.source_id = source_id
    if crawl_id is not None:
        doc.last_crawl_id = crawl_id

    events: list[dict] = []
    if doc.gone_since or doc.unlisted_since or doc.withdrawn_at:
        _revive(session, doc, at, events, crawl_id)
    if same_bytes and (record is None or record.parser_version == doc.parser_version):
        return events
    if parse_error is not None:
        doc.parse_error = parse_error
        return events
    if record is None:
        try:
            record = _parse(data, url)
        except ParseError as exc:
            doc.parse_error = f"{type(exc).__name__}: {exc}"
            log.info("not parsed: %s: %s", url, doc.parse_error)
            return events
    _apply_record(session, doc, record, agency=agency, year=year, digest=digest, previous_sha=previous_sha,
                  at=at, crawl=crawl, events=events)
    return events


def without_nul(value):
    """``value`` with NUL characters removed from every string in it (dicts, lists, tuples).

    PostgreSQL can store no NUL in text or JSONB (``DataError``); a hostile or broken
    document may hold some. They are dropped from what is stored as text on both backends
    (the same record either way); the snapshot keeps the bytes as they came.
    """
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(without_nul(v) for v in value)
    return value


def record_dict(record: Record) -> dict[str, Any]:
    """``record.to_dict()`` without the deep copy (the archive only replaces top-level keys)."""
    return {name: getattr(record, name) for name in Record.__dataclass_fields__ if name != "text"}


def _parse(data: bytes, name: str) -> Record:
    from parsers import parse  # deferred: the parser stack is heavy and only needed here

    return parse(data, name)


def _apply_record(session: Session, doc: Document, record: Record, *, agency: str | None, year: int | None,
                  digest: str, previous_sha: str | None, at: dt.datetime, crawl: Crawl | None,
                  events: list[dict]) -> None:
    rec = without_nul(record_dict(record))
    if not rec.get("agency") and agency:
        rec["agency"] = agency
    if rec.get("year") is None and year is not None:
        rec["year"] = int(year)
    if rec.get("agency") and len(rec["agency"]) > MAX_AGENCY:
        rec["agency"] = None  # not an agency's name: a parsing accident
    if rec.get("template") == "unknown" or not rec.get("agency") or rec.get("year") is None:
        missing = "template unknown" if rec.get("template") == "unknown" else (
            "no agency" if not rec.get("agency") else "no year")
        doc.parse_error = f"not a report ({missing})"
        doc.fingerprint, doc.parser_version = None, record.parser_version
        return
    text = without_nul(record.text or "")
    fp = fingerprint(rec, text)
    previous_fp = doc.fingerprint
    if previous_fp is not None and doc.parser_version != record.parser_version:
        previous_fp = _refingerprint(session, previous_sha, doc.url, record.parser_version)
    doc.parse_error = None
    doc.fingerprint, doc.parser_version = fp, record.parser_version
    crawl_id = crawl.id if crawl else None

    agency_id = _agency_id(session, rec["agency"], at)
    report = _report_for_update(session, agency_id, rec["year"], at)
    host = url_host(doc.url)
    if report.latest_version_id is not None and not may_revise(report.owner_source_id, report.owner_host,
                                                               doc.source_id, host):
        _conflict(session, doc, report, rec, text, fp, previous_fp, agency_id, host, at, crawl_id, events)
        return
    if (report.owner_source_id is None and report.owner_host is None) and (doc.source_id or host):
        # The first version (or the first from a portal, of a report made by hand): its owner.
        _update_report(session, _UPDATE_REPORT_OWNER, report.id, owner_source_id=doc.source_id, owner_host=host)
    if doc.report_id not in (None, report.id):
        log.warning("%s now holds %s %s (it held report %s)", doc.url, rec["agency"], rec["year"], doc.report_id)
    doc.report_id = report.id
    if report.withdrawn_at is not None:
        _restore_report(session, report.id, doc.url, at, events, crawl_id)

    if report.latest_version_id is not None and report.parser_version != record.parser_version and \
            record.parser_version == PARSER_VERSION:
        latest = session.get(Version, report.latest_version_id)
        _reparse_version(session, latest)
        report = report._replace(fingerprint=latest.fingerprint, parser_version=latest.parser_version)
    if report.latest_version_id is not None and fp in (report.fingerprint, previous_fp):
        # Same content (only bytes or chrome changed, or this document did not change while
        # another one of the report did): remember the snapshot, make no version.
        same_id = report.latest_version_id if fp == report.fingerprint else session.execute(
            sa.select(Version.id).where(Version.report_id == report.id, Version.fingerprint == fp)
            .order_by(Version.number.desc()).limit(1)).scalar() or report.latest_version_id
        insert_ignore(session, VersionSnapshot, [{"version_id": same_id, "sha256": digest, "first_seen": at}],
                      ["version_id", "sha256"])
        if report.document_id is None or report.withdrawn_at is not None:
            # First document of the report, or the one it came back at after a withdrawal.
            _update_report(session, _UPDATE_REPORT_DOCUMENT, report.id, document_id=doc.id)
        return

    number, version_id = _insert_version(session, report.id, report.version_count + 1, rec, text,
                                         record.parser_version, fp, doc.id, digest, at, crawl_id)
    common = dict(report_id=report.id, agency_id=agency_id, agency_name=rec["agency"], year=rec["year"],
                  url=doc.url, at=at, version_id=version_id, crawl_id=crawl_id)
    if report.latest_version_id is None:
        _insert_event(session, events, kind="new", baseline=bool(crawl and crawl.baseline), **common)
    else:
        latest = session.execute(sa.select(Version.number, Version.record, Version.text)
                                 .where(Version.id == report.latest_version_id)).one()
        diff = version_diff(latest.record, latest.text, rec, text)
        detail = {"from": latest.number, "to": number, "fields": diff["fields"],
                  "sections": diff["sections"], "paragraphs": diff["paragraphs"]}
        _insert_event(session, events, kind="revised", changes=diff["changes"], detail=detail, **common)


def _conflict(session: Session, doc: Document, report: "_LockedReport", rec: dict, text: str, fp: str,
              previous_fp: str | None, agency_id: int, host: str | None, at: dt.datetime, crawl_id: int | None,
              events: list[dict]) -> None:
    """A copy of another portal's report: kept as a document (no report of its own, no
    version), and a ``conflict`` event when its content differs from the report's and is
    new for this document (a mirror of the same content says nothing; a re-crawl of the
    same conflicting copy says it once)."""
    if doc.report_id == report.id:
        doc.report_id = None
    if fp == report.fingerprint or fp == previous_fp:
        return
    latest = session.execute(sa.select(Version.number, Version.record, Version.text)
                             .where(Version.id == report.latest_version_id)).one()
    diff = version_diff(latest.record, latest.text, rec, text)
    owner = session.execute(sa.select(Source.name).where(Source.id == report.owner_source_id)).scalar() \
        if report.owner_source_id is not None else None
    source = session.execute(sa.select(Source.name).where(Source.id == doc.source_id)).scalar() \
        if doc.source_id is not None else None
    detail = {"owner": {"source": owner, "host": report.owner_host}, "by": {"source": source, "host": host},
              "version": latest.number, "fields": diff["fields"], "sections": diff["sections"]}
    log.warning("%s: a copy of %s %s that differs from its owner's (%s); kept as a document, a conflict",
                doc.url, rec["agency"], rec["year"], owner or report.owner_host)
    _insert_event(session, events, kind="conflict", report_id=report.id, agency_id=agency_id,
                  agency_name=rec["agency"], year=rec["year"], url=doc.url, at=at, version_id=None,
                  crawl_id=crawl_id, changes=diff["changes"], detail=detail)


class _LockedReport(NamedTuple):
    id: int
    version_count: int
    latest_version_id: int | None
    document_id: int | None
    withdrawn_at: dt.datetime | None
    fingerprint: str | None
    parser_version: str | None
    owner_source_id: int | None
    owner_host: str | None


_REPORT_FOR_UPDATE = (
    sa.select(Report.id, Report.version_count, Report.latest_version_id, Report.document_id, Report.withdrawn_at,
              Version.fingerprint, Version.parser_version, Report.owner_source_id, Report.owner_host)
    .outerjoin(Version, Version.id == Report.latest_version_id)
    .where(Report.agency_id == sa.bindparam("agency_id"), Report.year == sa.bindparam("year"))
    .with_for_update(of=Report.__table__))

# Core updates of the report row, pre-built (an ORM UPDATE re-evaluates its criteria against
# the session on every call); _update_report keeps a loaded Report object in step.
_reports = Report.__table__
_UPDATE_REPORT_DOCUMENT = (sa.update(_reports).where(_reports.c.id == sa.bindparam("report_id"))
                           .values(document_id=sa.bindparam("document_id")))
_UPDATE_REPORT_VERSION = (sa.update(_reports).where(_reports.c.id == sa.bindparam("report_id")).values(
    latest_version_id=sa.bindparam("latest_version_id"), version_count=sa.bindparam("version_count"),
    document_id=sa.bindparam("document_id"), updated_at=sa.bindparam("updated_at")))


_UPDATE_REPORT_OWNER = (sa.update(_reports).where(_reports.c.id == sa.bindparam("report_id")).values(
    owner_source_id=sa.bindparam("owner_source_id"), owner_host=sa.bindparam("owner_host")))


def url_host(url: str | None) -> str | None:
    """The host of an http(s) URL, lower case, without a leading ``www.`` (None otherwise)."""
    if not url or not url[:8].lower().startswith(("http://", "https://")):
        return None
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    return (host[4:] if host.startswith("www.") else host)[:253] or None


def may_revise(owner_source_id: int | None, owner_host: str | None, source_id: int | None,
               host: str | None) -> bool:
    """Whether a document of ``source_id`` on ``host`` may make a version of a report owned
    by ``owner_source_id``/``owner_host``.

    A report belongs to the portal that first published it: its source, or a document on
    its host. A source lists other hosts' documents as its own simply by listing them (the
    crawler files every document under the source that reached it). An unowned report
    (made before owners were kept, or from a local file) may be revised by anyone, and a
    local file (no source, no host: ``nianbao ingest FILE`` by hand) is the user's word.
    """
    if owner_source_id is None and owner_host is None:
        return True
    if source_id is None and host is None:
        return True
    return (source_id is not None and source_id == owner_source_id) or (host is not None and host == owner_host)


def _update_report(session: Session, stmt, report_id: int, **values) -> None:
    # On the connection, past the ORM's execute machinery: only called under no_autoflush.
    session.connection().execute(stmt, {"report_id": report_id, **values})
    loaded = session.identity_map.get(session.identity_key(Report, report_id))
    if loaded is not None:
        for name, value in values.items():
            set_committed_value(loaded, name, value)


def _report_for_update(session: Session, agency_id: int, year: int, at: dt.datetime) -> _LockedReport:
    """The report row (created if missing), locked, with its latest version's fingerprint."""
    stmt, params = _REPORT_FOR_UPDATE, {"agency_id": agency_id, "year": year}
    row = session.connection().execute(stmt, params).first()
    if row is None:
        new_id = insert_returning_id(session, Report, {"agency_id": agency_id, "year": year, "first_seen": at,
                                                       "updated_at": at, "version_count": 0},
                                     ["agency_id", "year"])
        if new_id is not None:  # inserted by us, so locked by us
            return _LockedReport(new_id, 0, None, None, None, None, None, None, None)
        row = session.connection().execute(stmt, params).one()  # another writer's: wait for its commit
    return _LockedReport(*row)


def _lock_report(session: Session, report_id: int) -> Report:
    return session.execute(
        sa.select(Report).where(Report.id == report_id).with_for_update(of=Report)
        .execution_options(populate_existing=True)).scalar_one()


def _insert_version(session: Session, report_id: int, number: int, rec: dict, text: str, parser_version: str,
                    fp: str, doc_id: int, digest: str, at: dt.datetime, crawl_id: int | None) -> tuple[int, int]:
    """Insert version ``number`` (the locked report's count + 1); (number, id).

    The report row is locked, so the number is free; should another writer have taken it
    anyway, ``ON CONFLICT DO NOTHING`` returns no id and the number is read again.
    """
    for attempt in range(5):
        if attempt:
            number = (session.execute(sa.select(sa.func.max(Version.number))
                                      .where(Version.report_id == report_id)).scalar() or 0) + 1
        version_id = insert_returning_id(session, Version, {
            "report_id": report_id, "number": number, "record": rec, "text": text,
            "parser_version": parser_version, "fingerprint": fp, "document_id": doc_id, "sha256": digest,
            "first_seen": at, "crawl_id": crawl_id}, ["report_id", "number"])
        if version_id is not None:
            break
        log.info("version %s of report %s taken by another writer; numbering again", number, report_id)
    else:
        raise RuntimeError(f"could not number a new version of report {report_id}")
    insert_ignore(session, VersionSnapshot, [{"version_id": version_id, "sha256": digest, "first_seen": at}],
                  ["version_id", "sha256"])
    _insert_cells(session, version_id, rec)
    _update_report(session, _UPDATE_REPORT_VERSION, report_id, latest_version_id=version_id, version_count=number,
                   document_id=doc_id, updated_at=at)
    return number, version_id


_INSERT_EVENT = sa.insert(Event.__table__).returning(Event.__table__.c.id)


def _insert_event(session: Session, events: list[dict], *, kind: str, report_id: int, agency_id: int,
                  agency_name: str, year: int, url: str, at: dt.datetime, version_id: int | None,
                  crawl_id: int | None, baseline: bool = False, changes: dict | None = None,
                  detail: dict | None = None) -> None:
    """The hot path's event insert (Core, one statement); appends its dict to ``events``."""
    event_id = session.connection().execute(_INSERT_EVENT, dict(
        kind=kind, at=at, report_id=report_id, agency_id=agency_id, year=year, url=url, baseline=baseline,
        version_id=version_id, crawl_id=crawl_id, changes=changes, detail=detail)).scalar_one()
    out: dict[str, Any] = {"id": event_id, "kind": kind, "agency": agency_name, "year": year, "url": url,
                           "at": at.isoformat(), "baseline": baseline, "agency_id": agency_id,
                           "report_id": report_id}
    if kind in ("revised", "conflict"):
        out["changes"] = changes or {}
    if detail:
        out["detail"] = detail
    events.append(out)


def cell_rows(version_id: int, rec: dict) -> list[dict]:
    """The record's cells as rows of the ``cells`` table.

    A cell OCR read unsurely (``uncertain``) has a row with neither value nor text: the export
    shows it as such (``queries.export_cells``), its reading stays in the record only.
    """
    facts, raw = rec.get("facts") or {}, rec.get("raw") or {}
    rows = []
    for fact_key in facts.keys() | raw.keys() | (rec.get("uncertain") or {}).keys():
        parts = fact_key.split("/", 2)
        if len(parts) != 3:
            log.warning("skipping malformed fact key %r", fact_key)
            continue
        value = facts.get(fact_key)
        rows.append({"version_id": version_id, "table_name": parts[0], "row_key": parts[1][:255],
                     "column_key": parts[2][:64], "value": float(value) if value is not None else None,
                     "text": raw.get(fact_key)})
    return rows


_CELLS_INSERT = ("INSERT INTO cells (version_id, table_name, row_key, column_key, value, text) "
                 "VALUES ({0}, {0}, {0}, {0}, {0}, {0})")


def _insert_cells(session: Session, version_id: int, rec: dict) -> None:
    """A new version's cells, straight to the driver's executemany: a record has some 250
    cells, and SQLAlchemy's per-row parameter handling was a fifth of the ingest time."""
    rows = cell_rows(version_id, rec)
    if not rows:
        return
    conn = session.connection()
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(_CELLS_INSERT.format(marker), [
        (r["version_id"], r["table_name"], r["row_key"], r["column_key"], r["value"], r["text"]) for r in rows])


# --- re-parsing ---------------------------------------------------------------------------------

def _refingerprint(session: Session, digest: str | None, url: str, parser_version: str) -> str | None:
    """The fingerprint of stored bytes under the current parser (None if it cannot tell)."""
    if digest is None or parser_version != PARSER_VERSION:
        return None
    try:
        record = _parse(snapshots.load(session, digest), url)
    except (ParseError, snapshots.SnapshotError):
        return None
    return fingerprint(without_nul(record.to_dict()), without_nul(record.text or ""))


def _reparse_version(session: Session, version: Version) -> bool:
    """Re-parse a version's snapshot with the current parser, in place (no event). Changed?"""
    url = session.execute(sa.select(Document.url).where(Document.id == version.document_id)).scalar() or ""
    try:
        record = _parse(snapshots.load(session, version.sha256), url)
    except (ParseError, snapshots.SnapshotError) as exc:
        log.warning("cannot re-parse version %s: %s", version.id, exc)
        return False
    rec = without_nul(record.to_dict())
    # Keep the identity the version was archived under (hints may have filled it).
    rec["agency"], rec["year"] = version.record.get("agency"), version.record.get("year")
    version.record, version.text = rec, without_nul(record.text or "")
    version.parser_version = record.parser_version
    version.fingerprint = fingerprint(rec, version.text)
    session.execute(sa.delete(Cell).where(Cell.version_id == version.id))
    _insert_cells(session, version.id, rec)
    return True


def reparse(session_factory, *, everything: bool = False, batch: int = 100,
            progress=None) -> dict[str, int]:
    """Re-parse stored snapshots made by older parsers (or all, ``everything``) in place.

    Versions get new records, text and cells without ``revised`` events; documents get
    fingerprints comparable with the current parser. Works in batches of ``batch`` rows,
    one transaction each (a stopped run keeps what it did; rerun to go on). ``progress``
    is called with the counts after each batch. Returns the counts.
    """
    counts = {"versions": 0, "documents": 0, "failed": 0, "reread": 0, "unreadable": 0}
    for model, step in ((Version, _reparse_version_batch), (Document, _refingerprint_batch)):
        after = 0
        while True:
            with session_factory.begin() as session:
                stmt = sa.select(model).where(model.id > after).order_by(model.id).limit(batch)
                if model is Document:
                    stmt = stmt.where(Document.sha256.is_not(None), Document.report_id.is_not(None))
                if not everything:
                    stmt = stmt.where(model.parser_version != PARSER_VERSION)
                rows = session.execute(stmt).scalars().all()
                if not rows:
                    break
                step(session, rows, counts)
                after = rows[-1].id
            if progress:
                progress(dict(counts))
    _reread_unreadable(session_factory, batch, counts, progress)
    return counts


# Documents stored without a record because the parser could not read their format then
# (a scan before OCR was installed, an old .doc before LibreOffice): worth another look.
_REREADABLE = ("ImageOnlyPDF:", "UnsupportedFormat:")


def _reread_unreadable(session_factory, batch: int, counts: dict[str, int], progress) -> None:
    """Parse again the stored snapshots of documents that had a format error; a report read
    now for the first time raises ``new`` (``counts["reread"]``), one still unreadable keeps
    its (updated) error (``counts["unreadable"]``)."""
    after = 0
    while True:
        with session_factory.begin() as session:
            rows = session.execute(
                sa.select(Document).where(Document.id > after, Document.report_id.is_(None),
                                          Document.sha256.is_not(None),
                                          sa.or_(*(Document.parse_error.startswith(p) for p in _REREADABLE)))
                .order_by(Document.id).limit(batch)).scalars().all()
            if not rows:
                return
            for doc in rows:
                counts["reread" if _reread(session, doc) else "unreadable"] += 1
            after = rows[-1].id
        if progress:
            progress(dict(counts))


def _reread(session: Session, doc: Document) -> bool:
    """Archive the record of a document's stored snapshot, as if just fetched; read now?"""
    try:
        record = _parse(snapshots.load(session, doc.sha256), doc.url)
    except snapshots.SnapshotError as exc:
        log.warning("cannot re-read %s: %s", doc.url, exc)
        return False
    except ParseError as exc:
        doc.parse_error = f"{type(exc).__name__}: {exc}"
        return False
    events: list[dict] = []
    with session.no_autoflush:
        _apply_record(session, doc, record, agency=None, year=None, digest=doc.sha256, previous_sha=doc.sha256,
                      at=utcnow(), crawl=None, events=events)
    session.flush()
    return doc.report_id is not None


def _reparse_version_batch(session: Session, versions: list[Version], counts: dict[str, int]) -> None:
    for version in versions:
        counts["versions" if _reparse_version(session, version) else "failed"] += 1


def _refingerprint_batch(session: Session, docs: list[Document], counts: dict[str, int]) -> None:
    for doc in docs:
        fp = _refingerprint(session, doc.sha256, doc.url, PARSER_VERSION)
        if fp is not None:
            doc.fingerprint, doc.parser_version = fp, PARSER_VERSION
            counts["documents"] += 1


def _aware(value: dt.datetime | None) -> dt.datetime:
    if value is None:
        return utcnow()
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)
