"""Ingest: archiving one fetched document, the one code path for `nianbao ingest` and the crawler.

Every function takes an open session and never commits: the caller owns the transaction
(``with Session.begin() as session: archive_document(session, Fetched(url, data))``), so one document
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
``BEGIN IMMEDIATE`` on SQLite) before versions are numbered, and the version insert numbers
again should another writer have taken the number anyway (:mod:`archive.versions`).
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session, make_transient_to_detached

from archive import snapshots
from archive.bookkeeping import locked_document, restore_report, revive
from archive.changes import version_diff
from archive.events import insert_event
from archive.fetched import Fetched
from archive.first_versions import archive_first_versions, candidates
from archive.identity import agency_id as _agency_id, may_revise, source_id as _source_id, url_host
from archive.models import Crawl, Document, DocumentSnapshot, Source, Version, VersionSnapshot, aware
from archive.normalize import without_nul
from archive.sql import insert_ignore, insert_returning_id
from archive.versions import (
    UPDATE_REPORT_DOCUMENT, UPDATE_REPORT_OWNER, LockedReport, insert_version, parse, refingerprint, report_for_update,
    reparse_version, update_report, version_record,
)
from parsers.errors import ParseError
from parsers.record import PARSER_VERSION, Record

log = logging.getLogger(__name__)

MAX_URL = 2000


def archive_document(session: Session, fetched: Fetched, *, record: Record | None = None,
                     parse_error: str | None = None) -> list[dict]:
    """Archive one fetched document; the events it made (dicts as ``nianbao events --json``).

    ``record=None`` parses the bytes here; ``parse_error`` given stores the snapshot and the
    document only. The fetched ``agency``/``year`` hints fill the record's when it lacks
    them. A record of template ``unknown`` (or without agency or year) is stored as a
    document, no report.
    """
    at = aware(fetched.fetched_at)
    with session.no_autoflush:  # one UPDATE of the document at the end, not one per statement
        events = _archive(session, fetched, record, parse_error, at)
    session.flush()
    return events


def archive_documents(session: Session, batch: Sequence[tuple[Fetched, Record | None]]) -> list[list[dict]]:
    """Archive many fetched documents (with their records, or None to parse here) in the
    caller's transaction; the events of each, in order.

    The archive ends as :func:`archive_document` on each in turn leaves it. Documents never
    seen that make a report's first version are written together
    (:mod:`archive.first_versions`: a first crawl, a bulk ingest); the others one at a time.
    """
    batch = list(batch)
    made: dict[int, list[dict]] = {}
    if len(batch) > 1:  # a batch of one goes faster one statement at a time (no look-ahead queries)
        with session.no_autoflush:
            made = archive_first_versions(session, batch, candidates(session, batch, MAX_URL))
    return [made[i] if i in made else archive_document(session, fetched, record=record)
            for i, (fetched, record) in enumerate(batch)]


def _archive(session: Session, fetched: Fetched, record: Record | None, parse_error: str | None,
             at: dt.datetime) -> list[dict]:
    url, data, year, crawl_id = fetched.url, fetched.data, fetched.year, fetched.crawl_id
    if len(url) > MAX_URL:
        # PostgreSQL's unique index cannot hold much more (about 2,700 bytes a key).
        raise ValueError(f"URL longer than {MAX_URL} characters: {url[:80]}…")
    digest = snapshots.sha256(data)
    parse_error, content_type, etag, last_modified, agency = without_nul(
        (parse_error, fetched.content_type, fetched.etag, fetched.last_modified, fetched.agency))
    crawl = session.get(Crawl, crawl_id) if crawl_id is not None else None
    source_id = _source_id(session, fetched.source) if fetched.source else (crawl.source_id if crawl else None)

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
        revive(session, doc, at, events, crawl_id)
    if same_bytes and (record is None or record.parser_version == doc.parser_version):
        return events
    if parse_error is not None:
        doc.parse_error = parse_error
        return events
    if record is None:
        try:
            record = parse(data, url)
        except ParseError as exc:
            doc.parse_error = f"{type(exc).__name__}: {exc}"
            log.info("not parsed: %s: %s", url, doc.parse_error)
            return events
    apply_record(session, doc, record, agency=agency, year=year, digest=digest, previous_sha=previous_sha,
                 at=at, crawl=crawl, events=events)
    return events


def _document_for_update(session: Session, url: str, at: dt.datetime) -> Document:
    doc = locked_document(session, url)
    if doc is not None:
        return doc
    values = {"url": url, "first_seen": at, "last_seen": at, "last_checked": at}
    new_id = insert_returning_id(session, Document, values, ["url"])
    if new_id is None:  # another writer created it first: wait for its lock
        return locked_document(session, url)
    # Inserted by us, so locked by us, and every column is known: the row joins the session
    # as if loaded (no SELECT to read back what was just written).
    doc = Document(**dict.fromkeys(_DOCUMENT_COLUMNS), **values, id=new_id)
    make_transient_to_detached(doc)
    session.add(doc)
    return doc


_DOCUMENT_COLUMNS = [a.key for a in sa.inspect(Document).column_attrs if a.key not in ("id", "url", "first_seen",
                                                                                       "last_seen", "last_checked")]


def apply_record(session: Session, doc: Document, record: Record, *, agency: str | None, year: int | None,
                 digest: str, previous_sha: str | None, at: dt.datetime, crawl: Crawl | None,
                 events: list[dict]) -> None:
    """Archive a parsed record of ``doc`` (locked): its report, a version and an event when
    its content is new, or a ``conflict`` when it copies another portal's report."""
    rec, text, fp, not_a_report = version_record(record, agency, year)
    if not_a_report:
        doc.parse_error = not_a_report
        doc.fingerprint, doc.parser_version = None, record.parser_version
        return
    previous_fp = doc.fingerprint
    if previous_fp is not None and doc.parser_version != record.parser_version:
        previous_fp = refingerprint(session, previous_sha, doc.url, record.parser_version)
    doc.parse_error = None
    doc.fingerprint, doc.parser_version = fp, record.parser_version
    crawl_id = crawl.id if crawl else None

    agency_id = _agency_id(session, rec["agency"], at)
    report = report_for_update(session, agency_id, rec["year"], at)
    host = url_host(doc.url)
    if report.latest_version_id is not None and not may_revise(report.owner_source_id, report.owner_host,
                                                               doc.source_id, host):
        _conflict(session, doc, report, rec, text, fp, previous_fp, agency_id, host, at, crawl_id, events)
        return
    if (report.owner_source_id is None and report.owner_host is None) and (doc.source_id or host):
        # The first version (or the first from a portal, of a report made by hand): its owner.
        update_report(session, UPDATE_REPORT_OWNER, report.id, owner_source_id=doc.source_id, owner_host=host)
    if doc.report_id not in (None, report.id):
        log.warning("%s now holds %s %s (it held report %s)", doc.url, rec["agency"], rec["year"], doc.report_id)
    doc.report_id = report.id
    if report.withdrawn_at is not None:
        restore_report(session, report.id, doc.url, at, events, crawl_id)

    if report.latest_version_id is not None and report.parser_version != record.parser_version and \
            record.parser_version == PARSER_VERSION:
        latest = session.get(Version, report.latest_version_id)
        reparse_version(session, latest)
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
            update_report(session, UPDATE_REPORT_DOCUMENT, report.id, document_id=doc.id)
        return

    number, version_id = insert_version(session, report.id, report.version_count + 1, rec, text,
                                         record.parser_version, fp, doc.id, digest, at, crawl_id)
    common = dict(report_id=report.id, agency_id=agency_id, agency_name=rec["agency"], year=rec["year"],
                  url=doc.url, at=at, version_id=version_id, crawl_id=crawl_id)
    if report.latest_version_id is None:
        insert_event(session, events, kind="new", baseline=bool(crawl and crawl.baseline), **common)
    else:
        latest = session.execute(sa.select(Version.number, Version.record, Version.text)
                                 .where(Version.id == report.latest_version_id)).one()
        diff = version_diff(latest.record, latest.text, rec, text)
        detail = {"from": latest.number, "to": number, "fields": diff["fields"],
                  "sections": diff["sections"], "paragraphs": diff["paragraphs"]}
        insert_event(session, events, kind="revised", changes=diff["changes"], detail=detail, **common)


def _conflict(session: Session, doc: Document, report: LockedReport, rec: dict, text: str, fp: str,
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
    insert_event(session, events, kind="conflict", report_id=report.id, agency_id=agency_id,
                 agency_name=rec["agency"], year=rec["year"], url=doc.url, at=at, version_id=None,
                 crawl_id=crawl_id, changes=diff["changes"], detail=detail)

