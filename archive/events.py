"""Events, the archive's change log: recording one, and the one dict every reader sees.

``event_dict`` is the single shape of an event outside the database: ``nianbao events
--json``, the crawl summary, the web pages and API, the feeds and the alert matcher and
messages all read it (the alerts add the agency's ``region``).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from archive.identity import agency_id as _agency_id
from archive.labels import EVENT_KINDS
from archive.models import Agency, Document, Event, Report, utcnow


def event_dict(event: Event, agency_name: str | None = None, *, detail: bool = True,
               region: bool = False) -> dict[str, Any]:
    """An event as ``nianbao events --json`` prints it.

    ``agency_name`` saves loading the agency when the caller has it. ``detail=False``
    leaves the bulky ``detail`` out (the alerts defer its column); ``region=True`` adds the
    agency's region code (what alert filters match on).
    """
    name = agency_name if agency_name is not None else (event.agency.name if event.agency else None)
    out: dict[str, Any] = {
        "id": event.id, "kind": event.kind, "agency": name, "year": event.year, "url": event.url,
        "at": event.at.isoformat() if event.at else None, "baseline": bool(event.baseline),
        "agency_id": event.agency_id, "report_id": event.report_id,
    }
    if event.changes is not None or event.kind == "revised":
        out["changes"] = event.changes or {}
    if detail and event.detail:
        out["detail"] = event.detail
    if region:
        out["region"] = event.agency.region_code if event.agency else None
    return out


def check_kind(kind: str | None) -> None:
    """Raise ValueError naming the kinds when ``kind`` is not one (None passes)."""
    if kind is not None and kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r} (one of {', '.join(EVENT_KINDS)})")


def add_event(session: Session, *, kind: str, report: Report | int | None = None, agency: str | Agency | None = None,
              year: int | None = None, url: str | None = None, baseline: bool = False,
              changes: dict | None = None, detail: dict | None = None, at: dt.datetime | None = None,
              version_id: int | None = None, crawl_id: int | None = None) -> Event:
    """Record one event (flushed, so it has its id). ``report`` fills agency/year/url when not given."""
    check_kind(kind)
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


def emit(session: Session, events: list[dict], **kwargs) -> None:
    """:func:`add_event`, its dict appended to ``events``."""
    event = add_event(session, **kwargs)
    name = session.execute(sa.select(Agency.name).where(Agency.id == event.agency_id)).scalar()
    events.append(event_dict(event, name))


_INSERT_EVENT = sa.insert(Event.__table__).returning(Event.__table__.c.id)


def event_row(*, kind: str, at: dt.datetime, report_id: int, agency_id: int, year: int, url: str,
              version_id: int | None, crawl_id: int | None, baseline: bool = False, changes: dict | None = None,
              detail: dict | None = None) -> dict:
    """An ``events`` row as the ingest writes it (one at a time or a batch's ``new`` events)."""
    return dict(kind=kind, at=at, report_id=report_id, agency_id=agency_id, year=year, url=url,
                baseline=baseline, version_id=version_id, crawl_id=crawl_id, changes=changes, detail=detail)


def insert_event(session: Session, events: list[dict], *, kind: str, report_id: int, agency_id: int,
                 agency_name: str, year: int, url: str, at: dt.datetime, version_id: int | None,
                 crawl_id: int | None, baseline: bool = False, changes: dict | None = None,
                 detail: dict | None = None) -> None:
    """The ingest's event insert (Core, one statement, no flush of the session); appends
    its dict to ``events``."""
    values = event_row(kind=kind, at=at, report_id=report_id, agency_id=agency_id, year=year, url=url,
                       baseline=baseline, version_id=version_id, crawl_id=crawl_id, changes=changes, detail=detail)
    event_id = session.connection().execute(_INSERT_EVENT, values).scalar_one()
    # A transient Event, never added to the session: only read by event_dict.
    events.append(event_dict(Event(id=event_id, **values), agency_name))
