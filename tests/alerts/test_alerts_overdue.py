"""Overdue reports: raised once after the deadline, never before, never for an agency that
published, never for years the archive was not following the agency."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace

import pytest
import sqlalchemy as sa

from archive.alerts.deadline import check_overdue, last_due_year
from archive.alerts.outbox import deliver_pending
from archive.coverage import Deadlines, agency_years, first_expected_year
from archive.models import Event, Report
from tests.alerts.alerts_data import publish, subscribe

WATCHED = dt.datetime(2022, 6, 1, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("today, deadline, expected", [
    (dt.date(2025, 1, 31), (1, 31), 2023),  # the deadline day itself is still in time
    (dt.date(2025, 2, 1), (1, 31), 2024),
    (dt.date(2025, 12, 31), (1, 31), 2024),
    (dt.date(2025, 3, 31), (3, 31), 2023),
    (dt.date(2025, 4, 1), (3, 31), 2024),
])
def test_last_due_year(today, deadline, expected):
    assert last_due_year(today, deadline) == expected


@pytest.mark.parametrize("since, agency, expected", [
    (dt.date(2022, 6, 1), "甲市公安局", 2022),      # the 2022 report is due 2023-01-31
    (dt.date(2023, 1, 31), "甲市公安局", 2022),     # followed on the deadline day: still expected
    (dt.date(2023, 2, 1), "甲市公安局", 2023),
    (dt.date(2023, 3, 1), "甲市人民政府", 2022),    # a people's government's report is due 31 March
    (dt.date(2023, 4, 1), "甲市人民政府", 2023),
])
def test_first_expected_year(since, agency, expected):
    assert first_expected_year(since, agency, Deadlines()) == expected


def _archive(Session, watched_since: dt.datetime | None = WATCHED):
    with Session.begin() as s:
        publish(s, "甲市公安局", 2022)
        publish(s, "甲市公安局", 2023)
        publish(s, "乙市民政局", 2023)
        publish(s, "乙市民政局", 2024)
        publish(s, "丙县财政局", 2021)
        publish(s, "丙县财政局", 2023)
        if watched_since is not None:  # as if the archive had been crawling since then
            s.execute(sa.update(Report).values(first_seen=watched_since))


def _overdue(Session) -> Counter:
    with Session() as s:
        return Counter(s.execute(sa.select(Event.agency_id, Event.year).where(Event.kind == "overdue")).all())


def test_overdue_raised_once_after_the_deadline(Session):
    _archive(Session)
    with Session.begin() as s:
        on_deadline = check_overdue(s, dt.date(2025, 1, 31))
    # On the deadline day only the gap year (2022) is overdue; 2024's reports are still in time.
    assert [(e["agency"], e["year"], e["kind"]) for e in on_deadline] == [("丙县财政局", 2022, "overdue")]
    assert on_deadline[0]["deadline"] == "2023-01-31"
    assert on_deadline[0]["baseline"] is False  # it went overdue while the archive was watching
    with Session.begin() as s:
        after = check_overdue(s, dt.date(2025, 2, 1))
    assert sorted((e["agency"], e["year"]) for e in after) == [("丙县财政局", 2024), ("甲市公安局", 2024)]
    with Session.begin() as s:
        assert check_overdue(s, dt.date(2025, 2, 1)) == []
        assert check_overdue(s, dt.date(2025, 6, 1)) == []
    counts = _overdue(Session)
    assert len(counts) == 3 and set(counts.values()) == {1}
    # Publishing late makes the usual `new` event and no further overdue one; the year
    # then shows as late and re-issued (已补发), no longer overdue.
    with Session.begin() as s:
        late = publish(s, "甲市公安局", 2024)
        assert [e["kind"] for e in late] == ["new"]
        assert check_overdue(s, dt.date(2025, 6, 1)) == []
    with Session() as s:
        status = {(r.agency, r.year): r for r in agency_years(s, today=dt.date(2025, 6, 1))}
    assert status[("甲市公安局", 2024)].status == "late"
    assert status[("甲市公安局", 2024)].label == "已补发"
    assert status[("丙县财政局", 2024)].status == "overdue"
    assert status[("乙市民政局", 2024)].status == "on_time"


def test_new_agencies_raise_no_flood(SqliteSession):
    """An archive that has just seen old reports expects nothing it was not there to see."""
    _archive(SqliteSession, watched_since=None)  # first seen now
    with SqliteSession.begin() as s:
        assert check_overdue(s) == []
        assert check_overdue(s, dt.date.today() + dt.timedelta(days=30)) == []
    assert _overdue(SqliteSession) == Counter()


def test_peoples_government_deadline_is_31_march(SqliteSession):
    with SqliteSession.begin() as s:
        publish(s, "丁市人民政府", 2022)
        publish(s, "丁市交通运输局", 2022)
        s.execute(sa.update(Report).values(first_seen=WATCHED))
    with SqliteSession.begin() as s:
        feb = check_overdue(s, dt.date(2024, 2, 1))
    # 2023's reports: the department's is overdue on 1 February, the government's is not yet.
    assert [(e["agency"], e["year"]) for e in feb] == [("丁市交通运输局", 2023)]
    with SqliteSession.begin() as s:
        april = check_overdue(s, dt.date(2024, 4, 1))
    assert [(e["agency"], e["year"], e["deadline"]) for e in april] == [("丁市人民政府", 2023, "2024-03-31")]


def test_configurable_deadline(SqliteSession):
    _archive(SqliteSession)
    with SqliteSession.begin() as s:
        made = check_overdue(s, dt.date(2025, 2, 1), deadline=(3, 31))
    assert [(e["agency"], e["year"]) for e in made] == [("丙县财政局", 2022)]


def test_overdue_events_are_delivered(Session, receiver, settings):
    _archive(Session)
    with Session.begin() as s:
        subscribe(s, receiver.url("late"), kinds=["overdue"])
        subscribe(s, receiver.url("jia"), agency="甲市公安局")
    counts = deliver_pending(Session, settings=replace(settings, deadline=(1, 31)), today=dt.date(2025, 2, 1))
    assert counts["overdue"] == 3 and counts["sent"] == 4
    titles = Counter((name, title) for name, _, title, _ in receiver.acked)
    assert titles == Counter({
        ("late", "【年报】逾期未发布：丙县财政局 2022 年政府信息公开工作年度报告"): 1,
        ("late", "【年报】逾期未发布：丙县财政局 2024 年政府信息公开工作年度报告"): 1,
        ("late", "【年报】逾期未发布：甲市公安局 2024 年政府信息公开工作年度报告"): 1,
        ("jia", "【年报】逾期未发布：甲市公安局 2024 年政府信息公开工作年度报告"): 1,
    })
    body = next(b for name, _, t, b in receiver.acked if name == "jia")
    assert "截止日期 2025-01-31" in body
    again = deliver_pending(Session, settings=settings, today=dt.date(2025, 2, 2))
    assert (again["overdue"], again["sent"]) == (0, 0)
