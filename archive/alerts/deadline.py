"""Overdue reports: an agency's report for year Y is overdue the day after its legal deadline
(31 January of Y+1 for departments, 31 March for a people's government's overall report;
both configurable). The years an agency is expected to publish, and what counts as
published, are :mod:`archive.coverage`'s: only years whose deadline fell while the archive
followed the agency, so a newly archived agency never floods the feed with old gaps.

Each overdue agency-year raises one ``overdue`` event, never twice (``alert_overdue`` is
keyed by both); when the report arrives later it makes the usual ``new`` event and the
coverage shows it as 已补发 (late).
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from archive.alerts.models import OverdueMark
from archive.coverage import Deadlines, agency_years, today_in_china
from archive.labels import CHINA
from archive.models import Agency, Event, utcnow
from archive.events import add_event, event_dict

log = logging.getLogger(__name__)

__all__ = ["CHINA", "today_in_china", "deadline_for", "last_due_year", "check_overdue"]


def deadline_for(year: int, deadline: tuple[int, int] = (1, 31)) -> dt.date:
    """The last day to publish the report for ``year``: (month, day) of ``year + 1``."""
    return dt.date(year + 1, deadline[0], deadline[1])


def last_due_year(today: dt.date, deadline: tuple[int, int] = (1, 31)) -> int:
    """The latest report year whose deadline has passed on ``today`` (the deadline day itself is in time)."""
    year = today.year - 1
    return year if today > deadline_for(year, deadline) else year - 1


def check_overdue(session: Session, today: dt.date | None = None, *,
                  deadline: tuple[int, int] = (1, 31),
                  government_deadline: tuple[int, int] = (3, 31)) -> list[dict[str, Any]]:
    """Raise ``overdue`` events for expected reports missing after their deadline; returns the events made.

    ``deadline`` applies to departments, ``government_deadline`` to people's governments'
    overall reports. Safe to run repeatedly and concurrently (the mark's key decides).
    Does not commit.
    """
    today = today or today_in_china()
    deadlines = Deadlines(department=deadline, government=government_deadline)
    marked = {tuple(row) for row in session.execute(sa.select(OverdueMark.agency_id, OverdueMark.year))}
    # Overdue events recorded by other means (before the marks existed) count as raised.
    marked |= {tuple(row) for row in session.execute(
        sa.select(Event.agency_id, Event.year).where(Event.kind == "overdue", Event.agency_id.is_not(None)))}
    made: list[dict[str, Any]] = []
    for row in agency_years(session, today=today, deadlines=deadlines):
        if row.status != "overdue" or (row.agency_id, row.year) in marked:
            continue
        event = _raise_once(session, row.agency_id, row.year, row.deadline)
        if event is not None:
            made.append(event)
    if made:
        log.info("%d overdue report(s) raised", len(made))
    return made


def _raise_once(session: Session, agency_id: int, year: int, due: dt.date) -> dict[str, Any] | None:
    try:
        with session.begin_nested():
            mark = OverdueMark(agency_id=agency_id, year=year, deadline=due, at=utcnow())
            session.add(mark)
            session.flush()
    except sa.exc.IntegrityError:
        return None  # another run raised it meanwhile
    agency = session.get(Agency, agency_id)
    event = add_event(session, kind="overdue", agency=agency, year=year)
    mark.event_id = event.id
    session.flush()
    data = event_dict(event, agency.name)
    data["deadline"] = due.isoformat()
    return data
