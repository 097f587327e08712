"""Versions of a report: the locked report row, numbering and inserting a version with its
cells, and re-parsing a version's snapshot in place.

The report row is locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite has one writer)
before a version is numbered; the insert says ``ON CONFLICT DO NOTHING`` and numbers
again should another writer have taken the number anyway.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from archive import snapshots
from archive.models import Cell, Document, Report, Version, VersionSnapshot
from archive.normalize import fingerprint, without_nul
from archive.sql import insert_ignore, insert_returning_id
from parsers.errors import ParseError
from parsers.record import PARSER_VERSION, Record

log = logging.getLogger(__name__)


MAX_AGENCY = 200  # agencies.name


def record_dict(record: Record) -> dict[str, Any]:
    """``record.to_dict()`` without the deep copy (the archive only replaces top-level keys)."""
    return {name: getattr(record, name) for name in Record.__dataclass_fields__ if name != "text"}


def version_record(record: Record, agency: str | None, year: int | None) -> tuple[dict, str, str | None, str | None]:
    """What a version of ``record`` stores: (record dict, text, fingerprint, None), the
    ``agency``/``year`` hints filling what the record lacks; or (…, None, why) when it is
    not a report (template unknown, no agency, no year)."""
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
        return rec, "", None, f"not a report ({missing})"
    text = without_nul(record.text or "")
    return rec, text, fingerprint(rec, text), None


def parse(data: bytes, name: str) -> Record:
    """``parsers.parse``, imported on first use: the parser stack is heavy and only needed here."""
    from parsers import parse as parse_document

    return parse_document(data, name)


class LockedReport(NamedTuple):
    """The locked report row, with its latest version's fingerprint and parser version."""

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
# the session on every call); update_report keeps a loaded Report object in step.
_reports = Report.__table__
UPDATE_REPORT_DOCUMENT = (sa.update(_reports).where(_reports.c.id == sa.bindparam("report_id"))
                          .values(document_id=sa.bindparam("document_id")))
UPDATE_REPORT_VERSION = (sa.update(_reports).where(_reports.c.id == sa.bindparam("report_id")).values(
    latest_version_id=sa.bindparam("latest_version_id"), version_count=sa.bindparam("version_count"),
    document_id=sa.bindparam("document_id"), updated_at=sa.bindparam("updated_at")))
UPDATE_REPORT_OWNER = (sa.update(_reports).where(_reports.c.id == sa.bindparam("report_id")).values(
    owner_source_id=sa.bindparam("owner_source_id"), owner_host=sa.bindparam("owner_host")))


def update_report(session: Session, stmt, report_id: int, **values) -> None:
    """One of the pre-built updates of the report row; a loaded Report object kept in step."""
    # On the connection, past the ORM's execute machinery: only called under no_autoflush.
    session.connection().execute(stmt, {"report_id": report_id, **values})
    loaded = session.identity_map.get(session.identity_key(Report, report_id))
    if loaded is not None:
        for name, value in values.items():
            set_committed_value(loaded, name, value)


def report_for_update(session: Session, agency_id: int, year: int, at: dt.datetime) -> LockedReport:
    """The report row (created if missing), locked, with its latest version's fingerprint."""
    stmt, params = _REPORT_FOR_UPDATE, {"agency_id": agency_id, "year": year}
    row = session.connection().execute(stmt, params).first()
    if row is None:
        new_id = insert_returning_id(session, Report, {"agency_id": agency_id, "year": year, "first_seen": at,
                                                       "updated_at": at, "version_count": 0},
                                     ["agency_id", "year"])
        if new_id is not None:  # inserted by us, so locked by us
            return LockedReport(new_id, 0, None, None, None, None, None, None, None)
        row = session.connection().execute(stmt, params).one()  # another writer's: wait for its commit
    return LockedReport(*row)


def lock_report(session: Session, report_id: int) -> Report:
    """The report, locked and loaded afresh (its columns as the lock found them)."""
    return session.execute(
        sa.select(Report).where(Report.id == report_id).with_for_update(of=Report)
        .execution_options(populate_existing=True)).scalar_one()


def insert_version(session: Session, report_id: int, number: int, rec: dict, text: str, parser_version: str,
                   fp: str, doc_id: int, digest: str, at: dt.datetime, crawl_id: int | None) -> tuple[int, int]:
    """Insert version ``number`` (the locked report's count + 1); (number, id).

    The report row is locked, so the number is free; should another writer have taken it
    anyway, ``ON CONFLICT DO NOTHING`` returns no id and the number is read again.
    """
    for attempt in range(5):
        if attempt:
            number = (session.execute(sa.select(sa.func.max(Version.number))
                                      .where(Version.report_id == report_id)).scalar() or 0) + 1
        version_id = insert_returning_id(session, Version, version_row(
            report_id, number, rec, text, parser_version, fp, doc_id, digest, at, crawl_id), ["report_id", "number"])
        if version_id is not None:
            break
        log.info("version %s of report %s taken by another writer; numbering again", number, report_id)
    else:
        raise RuntimeError(f"could not number a new version of report {report_id}")
    insert_ignore(session, VersionSnapshot, [{"version_id": version_id, "sha256": digest, "first_seen": at}],
                  ["version_id", "sha256"])
    insert_cells(session, version_id, rec)
    update_report(session, UPDATE_REPORT_VERSION, report_id, latest_version_id=version_id, version_count=number,
                  document_id=doc_id, updated_at=at)
    return number, version_id


def version_row(report_id: int, number: int, rec: dict, text: str, parser_version: str, fp: str, doc_id: int,
                digest: str, at: dt.datetime, crawl_id: int | None) -> dict:
    """A ``versions`` row (both ingest paths write the same columns)."""
    return {"report_id": report_id, "number": number, "record": rec, "text": text, "parser_version": parser_version,
            "fingerprint": fp, "document_id": doc_id, "sha256": digest, "first_seen": at, "crawl_id": crawl_id}


CELL_COLUMNS = ("version_id", "table_name", "row_key", "column_key", "value", "text")


def cell_tuples(version_id: int, rec: dict) -> list[tuple]:
    """The record's cells as rows of the ``cells`` table, values in :data:`CELL_COLUMNS` order.

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
        rows.append((version_id, parts[0], parts[1][:255], parts[2][:64],
                     float(value) if value is not None else None, raw.get(fact_key)))
    return rows


_CELLS_COPY = f"COPY cells ({', '.join(CELL_COLUMNS)}) FROM STDIN"
_CELLS_INSERT = f"INSERT INTO cells ({', '.join(CELL_COLUMNS)}) VALUES ({{0}}, {{0}}, {{0}}, {{0}}, {{0}}, {{0}})"


def insert_cells(session: Session, version_id: int, rec: dict) -> None:
    """A new version's cells."""
    insert_cell_rows(session, cell_tuples(version_id, rec))


def insert_cell_rows(session: Session, rows: list[tuple]) -> None:
    """Rows of ``cells`` (:func:`cell_tuples`), straight to the driver's executemany: a
    record has some 250 cells, and SQLAlchemy's per-row parameter handling was a fifth of
    the ingest time."""
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # COPY: psycopg's executemany still sends one statement a row (some 25 µs each in
        # Python), which made cells most of a PostgreSQL ingest.
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(_CELLS_COPY) as copy:
            for row in rows:
                copy.write_row(row)
        return
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(_CELLS_INSERT.format(marker), rows)


def refingerprint(session: Session, digest: str | None, url: str, parser_version: str) -> str | None:
    """The fingerprint of stored bytes under the current parser (None if it cannot tell)."""
    if digest is None or parser_version != PARSER_VERSION:
        return None
    try:
        record = parse(snapshots.load(session, digest), url)
    except (ParseError, snapshots.SnapshotError):
        return None
    return fingerprint(without_nul(record.to_dict()), without_nul(record.text or ""))


def reparse_version(session: Session, version: Version) -> bool:
    """Re-parse a version's snapshot with the current parser, in place (no event). Changed?"""
    url = session.execute(sa.select(Document.url).where(Document.id == version.document_id)).scalar() or ""
    try:
        record = parse(snapshots.load(session, version.sha256), url)
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
    insert_cells(session, version.id, rec)
    return True

