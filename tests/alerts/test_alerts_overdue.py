"""Overdue reports: raised once after the deadline, never before, never for an agency that published."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace

import pytest
import sqlalchemy as sa

from archive.alerts.deadline import check_overdue, last_due_year, missing_years
from archive.alerts.outbox import deliver_pending
from archive.models import Event, Report
from tests.alerts.alerts_data import publish, subscribe


@pytest.mark.parametrize("today, deadline, expected", [
    (dt.date(2025, 1, 31), (1, 31), 2023),  # the deadline day itself is still in time
    (dt.date(2025, 2, 1), (1, 31), 2024),
    (dt.date(2025, 12, 31), (1, 31), 2024),
    (dt.date(2025, 3, 31), (3, 31), 2023),
    (dt.date(2025, 4, 1), (3, 31), 2024),
])
def test_last_due_year(today, deadline, expected):
    assert last_due_year(today, deadline) == expected


def test_missing_years_start_after_the_first_report():
    assert missing_years({2021, 2023}, 2024) == [2022, 2024]
    assert missing_years({2024}, 2024) == []
    assert missing_years(set(), 2024) == []


def _archive(Session, watched_since: dt.datetime | None = None):
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
    # On the deadline day only the gap year (2022, before the last due year) is overdue.
    assert [(e["agency"], e["year"], e["kind"]) for e in on_deadline] == [("丙县财政局", 2022, "overdue")]
    assert on_deadline[0]["deadline"] == "2023-01-31"
    # Found on the first look (the archive saw the agency's reports only after that deadline).
    assert on_deadline[0]["baseline"] is True
    with Session.begin() as s:
        after = check_overdue(s, dt.date(2025, 2, 1))
    assert sorted((e["agency"], e["year"], e["baseline"]) for e in after) == [
        ("丙县财政局", 2024, False), ("甲市公安局", 2024, False)]
    with Session.begin() as s:
        assert check_overdue(s, dt.date(2025, 2, 1)) == []
        assert check_overdue(s, dt.date(2025, 6, 1)) == []
    counts = _overdue(Session)
    assert len(counts) == 3 and set(counts.values()) == {1}
    # Publishing late makes the usual `new` event and no further overdue one.
    with Session.begin() as s:
        late = publish(s, "甲市公安局", 2024)
        assert [e["kind"] for e in late] == ["new"]
        assert check_overdue(s, dt.date(2025, 6, 1)) == []


def test_configurable_deadline(SqliteSession):
    _archive(SqliteSession)
    with SqliteSession.begin() as s:
        made = check_overdue(s, dt.date(2025, 2, 1), deadline=(3, 31))
    assert [(e["agency"], e["year"]) for e in made] == [("丙县财政局", 2022)]


@pytest.mark.parametrize("watched_since, gap_alerted", [
    (None, False),  # the 2022 gap was history when the archive first saw 丙县: recorded, not sent
    (dt.datetime(2022, 6, 1, tzinfo=dt.timezone.utc), True),  # it went overdue while watched
])
def test_overdue_events_are_delivered(Session, receiver, settings, watched_since, gap_alerted):
    _archive(Session, watched_since)
    with Session.begin() as s:
        subscribe(s, receiver.url("late"), kinds=["overdue"])
        subscribe(s, receiver.url("jia"), agency="甲市公安局")
    counts = deliver_pending(Session, settings=replace(settings, deadline=(1, 31)), today=dt.date(2025, 2, 1))
    assert counts["overdue"] == 3 and counts["sent"] == 3 + gap_alerted
    titles = Counter((name, title) for name, _, title, _ in receiver.acked)
    assert titles == Counter({
        **({("late", "【年报】逾期未发布：丙县财政局 2022 年政府信息公开工作年度报告"): 1} if gap_alerted else {}),
        ("late", "【年报】逾期未发布：丙县财政局 2024 年政府信息公开工作年度报告"): 1,
        ("late", "【年报】逾期未发布：甲市公安局 2024 年政府信息公开工作年度报告"): 1,
        ("jia", "【年报】逾期未发布：甲市公安局 2024 年政府信息公开工作年度报告"): 1,
    })
    body = next(b for name, _, t, b in receiver.acked if name == "jia")
    assert "截止日期 2025-01-31" in body
    again = deliver_pending(Session, settings=settings, today=dt.date(2025, 2, 2))
    assert (again["overdue"], again["sent"]) == (0, 0)
