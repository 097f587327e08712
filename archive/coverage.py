"""Publication tracking: for every agency the archive follows, which annual reports are
published (on time or late), not yet due, or overdue.

The legal deadlines (《政府信息公开条例》第五十条): departments of people's governments
publish the report for year Y by 31 January of Y+1; a people's government's overall
report (本级政府年度报告, an agency named …人民政府) is due by 31 March of Y+1. Both are
configurable (:class:`Deadlines`).

An agency is *expected* to publish for a year only when that year's deadline fell after
the archive began to follow the agency (its first archived report, or its first
appearance): the archive cannot vouch for years it was not watching, and an agency first
seen through a 2020 report must not be told it is five years overdue. Nor is it expected
for years before its oldest archived report (the portal's history that a crawl may not
reach). Other years are listed only when a report of them is in the archive.

A published report is *on time* when the report's own date (the signing date, else the
page's publication date: ``record["published"]``) is on or before the deadline and the
archive did not find the year overdue first; it is *late* when its date is after the
deadline, or when it arrived after the archive had raised the year ``overdue`` (已补发).
Without a date of its own, a report first seen before the deadline is on time and one
first seen after it has an unknown timing (``published``): we never state lateness we
cannot show.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

# Deadlines are dates in China (UTC+8 all year); the statuses and their words are the
# archive's one vocabulary for people (archive.labels).
from archive.labels import CHINA, COVERAGE_LABELS, REISSUED_LABEL
from archive.models import Agency, Report, Version


def today_in_china() -> dt.date:
    """Today's date in China."""
    return dt.datetime.now(CHINA).date()


def china_date(moment: dt.datetime) -> dt.date:
    """The date in China of an aware timestamp."""
    return moment.astimezone(CHINA).date()


def is_peoples_government(agency: str) -> bool:
    """Whether ``agency`` is a people's government itself (its overall report is due 31 March).

    >>> is_peoples_government("北京市人民政府"), is_peoples_government("北京市人民政府办公厅")
    (True, False)
    """
    return agency.strip().endswith("人民政府")


@dataclass(frozen=True)
class Deadlines:
    """(month, day) of year Y+1 by which the report for year Y is due."""

    department: tuple[int, int] = (1, 31)
    government: tuple[int, int] = (3, 31)

    def for_agency(self, agency: str) -> tuple[int, int]:
        """The (month, day) that applies to ``agency``."""
        return self.government if is_peoples_government(agency) else self.department

    def due(self, agency: str, year: int) -> dt.date:
        """The last day to publish ``agency``'s report for ``year`` (the day itself is in time)."""
        month, day = self.for_agency(agency)
        return dt.date(year + 1, month, day)


def first_expected_year(followed_since: dt.date, agency: str, deadlines: Deadlines) -> int:
    """The first report year whose deadline falls on or after ``followed_since``."""
    year = followed_since.year - 2
    while deadlines.due(agency, year) < followed_since:
        year += 1
    return year


@dataclass
class YearStatus:
    """One agency's publication status for one report year."""

    agency_id: int
    agency: str
    region_code: str | None
    level: str | None
    year: int
    deadline: dt.date
    status: str
    published: dt.date | None = None  # the report's own date
    first_seen: dt.date | None = None  # when the archive first saw the report (China)
    reissued: bool = False  # arrived after the archive had raised it overdue (已补发)
    report_id: int | None = None
    url: str | None = None

    @property
    def label(self) -> str:
        """The status in Chinese."""
        return REISSUED_LABEL if self.reissued else COVERAGE_LABELS[self.status]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (dates as ISO strings), with the Chinese label."""
        data = asdict(self)
        for key in ("deadline", "published", "first_seen"):
            data[key] = data[key].isoformat() if data[key] else None
        data["label"] = self.label
        return data


@dataclass
class _Followed:
    agency_id: int
    name: str
    region_code: str | None
    level: str | None
    since: dt.date
    reports: dict[int, tuple[int, dt.date, str | None, str | None]] = field(default_factory=dict)


def _parse_date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _followed(session: Session, agency_ids: Iterable[int] | None) -> dict[int, _Followed]:
    query = (sa.select(Agency.id, Agency.name, Agency.region_code, Agency.level, Agency.created_at,
                       Report.id, Report.year, Report.first_seen,
                       Version.record["published"].as_string())
             .join(Report, Report.agency_id == Agency.id)
             .outerjoin(Version, Version.id == Report.latest_version_id))
    if agency_ids is not None:
        query = query.where(Agency.id.in_(list(agency_ids)))
    out: dict[int, _Followed] = {}
    for aid, name, region, level, created, rid, year, first_seen, published in session.execute(query):
        seen = china_date(first_seen)
        entry = out.get(aid)
        if entry is None:
            entry = out[aid] = _Followed(aid, name, region, level, seen)
        entry.since = min(entry.since, seen)
        entry.reports[year] = (rid, seen, published, None)
    return out


def _overdue_marks(session: Session) -> set[tuple[int, int]]:
    # The marks live with the alerts (they key the one overdue event per agency-year).
    from archive.alerts.models import OverdueMark

    return {tuple(row) for row in session.execute(sa.select(OverdueMark.agency_id, OverdueMark.year))}


def agency_years(session: Session, *, today: dt.date | None = None, deadlines: Deadlines = Deadlines(),
                 agency_ids: Iterable[int] | None = None) -> list[YearStatus]:
    """Every followed agency's status for each year it is expected (or has a report), oldest first."""
    today = today or today_in_china()
    marks = _overdue_marks(session)
    rows: list[YearStatus] = []
    for entry in sorted(_followed(session, agency_ids).values(), key=lambda e: e.name):
        # Nor before its oldest archived report: older years are the portal's history that
        # the crawl may not reach, not evidence that the agency failed to publish.
        first = max(first_expected_year(entry.since, entry.name, deadlines), min(entry.reports))
        years = set(entry.reports) | set(range(first, today.year))
        for year in sorted(years):
            due = deadlines.due(entry.name, year)
            base = dict(agency_id=entry.agency_id, agency=entry.name, region_code=entry.region_code,
                        level=entry.level, year=year, deadline=due)
            if year not in entry.reports:
                rows.append(YearStatus(**base, status="overdue" if today > due else "pending"))
                continue
            rid, seen, published, _ = entry.reports[year]
            own = _parse_date(published)
            reissued = (entry.agency_id, year) in marks
            if reissued or (own and own > due):
                status = "late"
            elif own or seen <= due:
                status = "on_time"
            else:
                status = "published"
            rows.append(YearStatus(**base, status=status, published=own, first_seen=seen,
                                   reissued=reissued, report_id=rid))
    return rows


def coverage(session: Session, *, year: int | None = None, region: str | None = None,
             today: dt.date | None = None, deadlines: Deadlines = Deadlines()) -> dict[str, Any]:
    """Who published for ``year`` (default: the latest year whose reports are due or coming).

    ``region`` is a region-code prefix (``11`` Beijing, ``1101`` …). Returns ``year``,
    ``counts`` by status, ``by_region`` and ``by_level`` (status counts per group) and
    ``rows`` (:class:`YearStatus` dicts), agencies by region then name.
    """
    today = today or today_in_china()
    year = year if year is not None else today.year - 1
    rows = [r for r in agency_years(session, today=today, deadlines=deadlines)
            if r.year == year and (not region or (r.region_code or "").startswith(region))]
    rows.sort(key=lambda r: (r.region_code or "~", r.agency))

    def tally(key) -> dict[str, dict[str, int]]:
        groups: dict[str, dict[str, int]] = {}
        for r in rows:
            counts = groups.setdefault(key(r) or "", dict.fromkeys(COVERAGE_LABELS, 0))
            counts[r.status] += 1
        return groups

    return {
        "year": year,
        "today": today.isoformat(),
        "counts": {status: sum(r.status == status for r in rows) for status in COVERAGE_LABELS},
        "by_region": tally(lambda r: r.region_code),
        "by_level": tally(lambda r: r.level),
        "rows": [r.as_dict() for r in rows],
    }


#: Columns of the coverage CSV: keys for programs, with Chinese headers for people.
CSV_COLUMNS: list[tuple[str, str]] = [
    ("agency", "机关"), ("region_code", "行政区划代码"), ("level", "层级"), ("year", "年度"),
    ("status", "状态代码"), ("label", "状态"), ("deadline", "法定期限"), ("published", "报告落款日期"),
    ("first_seen", "首次发现日期"), ("report_id", "报告编号"),
]
