"""Overdue reports: the regulation's deadline for the annual report of year Y is 31 January
of Y+1 (configurable). An agency is expected to publish for every year after its first
archived report; a year whose deadline has passed with no report in the archive raises one
``overdue`` event for that agency and year, never twice (``alert_overdue`` is keyed by both).

Like a source's first crawl, history found on the first look is recorded but not alerted:
an overdue year older than the latest due year whose deadline had already passed when the
archive first saw a report of the agency makes a ``baseline`` event. The latest due year
always alerts.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from archive.alerts.models import OverdueMark
from archive.models import Agency, Event, Report, utcnow
from archive.service import add_event, event_dict

log = logging.getLogger(__name__)

# Deadlines are dates in China (UTC+8 all year, no daylight saving).
CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def today_in_china() -> dt.date:
    """Today's date in China."""
    return dt.datetime.now(CHINA).date()


def deadline_for(year: int, deadline: tuple[int, int] = (1, 31)) -> dt.date:
    """The last day to publish the report for ``year``: (month, day) of ``year + 1``."""
    return dt.date(year + 1, deadline[0], deadline[1])


def last_due_year(today: dt.date, deadline: tuple[int, int] = (1, 31)) -> int:
    """The latest report year whose deadline has passed on ``today`` (the deadline day itself is in time)."""
    year = today.year - 1
    return year if today > deadline_for(year, deadline) else year - 1


def missing_years(published: set[int], last_due: int) -> list[int]:
    """Years after the first published one, up to ``last_due``, with no report."""
    if not published:
        return []
    return [y for y in range(min(published) + 1, last_due + 1) if y not in published]


def check_overdue(session: Session, today: dt.date | None = None, *,
                  deadline: tuple[int, int] = (1, 31)) -> list[dict[str, Any]]:
    """Raise ``overdue`` events for reports missing after their deadline; returns the events made.

    Expected agencies: every agency with at least one report in the archive, from the
    year after its first archived report on (withdrawn reports count as published).
    Historic gaps (see the module docstring) are raised as baseline events, not alerted.
    Safe to run repeatedly and concurrently (the mark's key decides). Does not commit.
    """
    today = today or today_in_china()
    last_due = last_due_year(today, deadline)
    published: dict[int, set[int]] = {}
    watched_since: dict[int, dt.date] = {}
    for agency_id, year, first_seen in session.execute(sa.select(Report.agency_id, Report.year, Report.first_seen)):
        published.setdefault(agency_id, set()).add(year)
        seen = first_seen.astimezone(CHINA).date()
        watched_since[agency_id] = min(seen, watched_since.get(agency_id, seen))
    marked = {tuple(row) for row in session.execute(sa.select(OverdueMark.agency_id, OverdueMark.year))}
    # Overdue events recorded by other means (before the marks existed) count as raised.
    marked |= {tuple(row) for row in session.execute(
        sa.select(Event.agency_id, Event.year).where(Event.kind == "overdue", Event.agency_id.is_not(None)))}
    made: list[dict[str, Any]] = []
    for agency_id in sorted(published):
        for year in missing_years(published[agency_id], last_due):
            if (agency_id, year) in marked:
                continue
            due = deadline_for(year, deadline)
            historic = year < last_due and watched_since[agency_id] > due
            event = _raise_once(session, agency_id, year, due, baseline=historic)
            if event is not None:
                made.append(event)
    if made:
        log.info("%d overdue report(s) raised", len(made))
    return made


def _raise_once(session: Session, agency_id: int, year: int, due: dt.date, *,
                baseline: bool) -> dict[str, Any] | None:
    try:
        with session.begin_nested():
            mark = OverdueMark(agency_id=agency_id, year=year, deadline=due, at=utcnow())
            session.add(mark)
            session.flush()
    except sa.exc.IntegrityError:
        return None  # another run raised it meanwhile
    agency = session.get(Agency, agency_id)
    event = add_event(session, kind="overdue", agency=agency, year=year, baseline=baseline)
    mark.event_id = event.id
    session.flush()
    data = event_dict(event, agency.name)
    data["deadline"] = due.isoformat()
    return data
