"""The ingest's fast path: documents never seen before that make the first version of a
report the archive does not have yet (a first crawl, a bulk ``nianbao ingest``).

What :func:`archive.ingest.archive_document` would do for each of them one statement at
a time (lock the document, lock the report, number the version, update the report, insert
the event) is done here for the whole batch with Core ``executemany`` inserts: snapshots,
reports, documents, versions and their snapshots, cells, events, then one update of the
reports' pointers (which fires the search index's triggers, in the same transaction).
The rows are the same, column for column, as the one-at-a-time path writes.

Only documents that cannot meet another writer's are taken (their URL and report appear
nowhere else in the batch and not in the archive); a report or document another writer
inserts meanwhile (``ON CONFLICT DO NOTHING`` returns no row for it) leaves its document to
the one-at-a-time path, which then finds and locks the row as usual.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from archive import snapshots
from archive.events import event_dict, event_row
from archive.fetched import Fetched
from archive.identity import new_agency_values, source_id, url_host
from archive.models import Agency, Crawl, Document, DocumentSnapshot, Event, Report, Version, VersionSnapshot, aware
from archive.normalize import without_nul
from archive.sql import insert_ignore, insert_ignore_returning
from archive.versions import cell_tuples, insert_cell_rows, version_record, version_row
from parsers.record import Record


@dataclass
class _New:
    """One document of the batch on its way to a first version."""

    index: int  # its place in the batch
    fetched: Fetched
    record: Record
    rec: dict
    text: str
    fp: str
    at: dt.datetime
    digest: str
    agency_id: int = 0
    report_id: int = 0
    document_id: int = 0
    version_id: int = 0


def candidates(session: Session, batch: list[tuple[Fetched, Record | None]],
               max_url: int) -> dict[int, tuple[dict, str, str]]:
    """The batch's documents that may take the fast path: {index: (record dict, text,
    fingerprint)}. A record is needed (no parse here), a report (agency, year, template), a
    URL the archive and the rest of the batch do not have, a report key no other document
    of the batch has."""
    if any(record is None for _, record in batch):
        return {}  # a record parsed later may name any report: keep the batch's order
    prepared: dict[int, tuple[dict, str, str]] = {}
    urls: dict[str, int] = {}
    keys: dict[tuple[str, int], int] = {}
    for i, (fetched, record) in enumerate(batch):
        urls[fetched.url] = urls.get(fetched.url, 0) + 1
        rec, text, fp, not_a_report = version_record(record, fetched.agency, fetched.year)
        if not_a_report is None:
            prepared[i] = (rec, text, fp)
            keys[(rec["agency"], rec["year"])] = keys.get((rec["agency"], rec["year"]), 0) + 1
    known = set()
    names = list(dict.fromkeys(batch[i][0].url for i in prepared))
    for start in range(0, len(names), 500):
        known |= set(session.execute(sa.select(Document.url).where(Document.url.in_(names[start:start + 500])))
                     .scalars())
    pairs = [(rec["agency"], rec["year"]) for rec, _, _ in prepared.values()]
    existing = set()
    agencies = sorted({agency for agency, _ in pairs})
    for start in range(0, len(agencies), 500):
        existing |= {(name, year) for name, year in session.execute(
            sa.select(Agency.name, Report.year).join(Report, Report.agency_id == Agency.id)
            .where(Agency.name.in_(agencies[start:start + 500])))}
    chosen = {}
    for i, (rec, text, fp) in prepared.items():
        url, key = batch[i][0].url, (rec["agency"], rec["year"])
        if urls[url] == 1 and url not in known and len(url) <= max_url and keys[key] == 1 and key not in existing:
            chosen[i] = (rec, text, fp)
    return chosen


def archive_first_versions(session: Session, batch: list[tuple[Fetched, Record | None]],
                           chosen: dict[int, tuple[dict, str, str]]) -> dict[int, list[dict]]:
    """Archive the ``chosen`` documents of ``batch`` (:func:`candidates`); their events by
    index. A document missing from the answer is left to the one-at-a-time path (it met
    another writer's row)."""
    items = []
    for i, (rec, text, fp) in chosen.items():
        fetched, record = batch[i]
        items.append(_New(i, fetched, record, rec, text, fp, aware(fetched.fetched_at),
                          snapshots.sha256(fetched.data)))
    if not items:
        return {}
    crawls = _crawls(session, {item.fetched.crawl_id for item in items if item.fetched.crawl_id is not None})
    sources = _source_ids(session, {item.fetched.source for item in items if item.fetched.source})
    agencies = _agency_ids(session, {item.rec["agency"]: item.at for item in items})
    for item in items:
        item.agency_id = agencies[item.rec["agency"]]

    def source_of(item: _New) -> int | None:
        if item.fetched.source:
            return sources[item.fetched.source]
        crawl = crawls.get(item.fetched.crawl_id)
        return crawl.source_id if crawl else None

    # Reports first: the claim on (agency, year). A clash is another writer's report.
    inserted = {(row.agency_id, row.year): row.id for row in insert_ignore_returning(session, Report, [
        {"agency_id": item.agency_id, "year": item.rec["year"], "first_seen": item.at, "updated_at": item.at,
         "version_count": 0, "owner_source_id": source_of(item), "owner_host": url_host(item.fetched.url)}
        for item in items], ["agency_id", "year"], ("id", "agency_id", "year"))}
    items = [item for item in items if (item.agency_id, item.rec["year"]) in inserted]
    for item in items:
        item.report_id = inserted[(item.agency_id, item.rec["year"])]
    snapshots.store_many(session, [(item.fetched.data, item.at, item.digest) for item in items])
    docs = {row.url: row.id for row in insert_ignore_returning(
        session, Document, [_document_row(item, source_of(item)) for item in items], ["url"], ("id", "url"))}
    lost = [item for item in items if item.fetched.url not in docs]
    if lost:  # another writer's document: its report, ours and still empty, goes (as if never made)
        session.execute(sa.delete(Report).where(Report.id.in_([item.report_id for item in lost])))
        items = [item for item in items if item.fetched.url in docs]
    if not items:
        return {}
    for item in items:
        item.document_id = docs[item.fetched.url]
    insert_ignore(session, DocumentSnapshot, [{"document_id": item.document_id, "sha256": item.digest,
                                               "first_fetched": item.at, "last_fetched": item.at} for item in items],
                  ["document_id", "sha256"])
    versions = {row.report_id: row.id for row in insert_ignore_returning(session, Version, [
        version_row(item.report_id, 1, item.rec, item.text, item.record.parser_version, item.fp, item.document_id,
                    item.digest, item.at, item.fetched.crawl_id) for item in items],
        ["report_id", "number"], ("id", "report_id"))}
    for item in items:
        item.version_id = versions[item.report_id]  # the report is ours: its number 1 is free
    insert_ignore(session, VersionSnapshot, [{"version_id": item.version_id, "sha256": item.digest,
                                              "first_seen": item.at} for item in items], ["version_id", "sha256"])
    insert_cell_rows(session, [row for item in items for row in cell_tuples(item.version_id, item.rec)])
    session.connection().execute(_POINT_REPORT, [
        {"b_id": item.report_id, "b_latest": item.version_id, "b_document": item.document_id, "b_at": item.at}
        for item in items])
    return _events(session, items, crawls)


def _document_row(item: _New, source_id: int | None) -> dict:
    content_type, etag, last_modified = without_nul(
        (item.fetched.content_type, item.fetched.etag, item.fetched.last_modified))
    return {"url": item.fetched.url, "first_seen": item.at, "last_seen": item.at, "last_checked": item.at,
            "sha256": item.digest, "content_type": (content_type or "")[:200] or None, "etag": etag,
            "last_modified": last_modified[:100] if last_modified else None, "source_id": source_id,
            "last_crawl_id": item.fetched.crawl_id, "fingerprint": item.fp,
            "parser_version": item.record.parser_version, "report_id": item.report_id, "parse_error": None}


_reports = Report.__table__
_POINT_REPORT = (sa.update(_reports).where(_reports.c.id == sa.bindparam("b_id")).values(
    latest_version_id=sa.bindparam("b_latest"), version_count=1, document_id=sa.bindparam("b_document"),
    updated_at=sa.bindparam("b_at")))
_events_table = Event.__table__
_INSERT_EVENTS = sa.insert(_events_table).returning(_events_table.c.report_id, _events_table.c.id)


def _events(session: Session, items: list[_New], crawls: dict[int, Crawl]) -> dict[int, list[dict]]:
    """The ``new`` event of each item (``baseline`` in a source's first crawl), as dicts."""
    rows = [event_row(kind="new", at=item.at, report_id=item.report_id, agency_id=item.agency_id,
                      year=item.rec["year"], url=item.fetched.url,
                      baseline=bool(crawls.get(item.fetched.crawl_id) and crawls[item.fetched.crawl_id].baseline),
                      version_id=item.version_id, crawl_id=item.fetched.crawl_id)
            for item in items]
    # Matched to their rows by report (one event each): RETURNING in the rows' order
    # (sort_by_parameter_order) made SQLAlchemy send one INSERT a row on SQLite.
    ids = dict(session.connection().execute(_INSERT_EVENTS, rows).all())
    return {item.index: [event_dict(Event(id=ids[item.report_id], **row), item.rec["agency"])]
            for item, row in zip(items, rows)}


def _crawls(session: Session, ids: set[int]) -> dict[int, Crawl]:
    return {crawl_id: crawl for crawl_id in ids if (crawl := session.get(Crawl, crawl_id)) is not None}


def _source_ids(session: Session, names: set[str]) -> dict[str, int]:
    return {name: source_id(session, name) for name in names}


def _agency_ids(session: Session, first_seen: dict[str, dt.datetime]) -> dict[str, int]:
    """The agencies' ids by name, created (with the region their name tells) when missing."""
    names = list(first_seen)
    stmt = sa.select(Agency.name, Agency.id).where(Agency.name.in_(sa.bindparam("names", expanding=True)))
    found = dict(session.execute(stmt, {"names": names}).all())
    missing = [name for name in names if name not in found]
    if missing:
        found.update(insert_ignore_returning(session, Agency, [{"name": name, **new_agency_values(name, first_seen[name])}
                                                               for name in missing], ["name"], ("name", "id")))
        taken = [name for name in missing if name not in found]  # another writer's, meanwhile
        if taken:
            found.update(session.execute(stmt, {"names": taken}).all())
    return found
