"""The outbox on SQLite and PostgreSQL: fan-out, filters, baselines, retries, giving up.

Channels are real: apprise posts JSON to a webhook receiver on 127.0.0.1.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace

import sqlalchemy as sa

from archive import bookkeeping
from archive.alerts.models import Delivery, FannedOut
from archive.alerts.outbox import deliver_pending, enqueue_new_events
from archive.alerts.subscriptions import list_subscriptions
from tests.alerts.alerts_data import publish, subscribe


def _deliveries(Session) -> list[Delivery]:
    with Session() as s:
        return list(s.scalars(sa.select(Delivery).order_by(Delivery.id)))


def test_each_event_reaches_each_matching_subscription_once(Session, receiver, settings):
    with Session.begin() as s:
        publish(s, "北京市公安局", 2022, region="110000")  # before any subscription: never sent
        every = subscribe(s, receiver.url("all"))
        police = subscribe(s, receiver.url("police"), agency="北京市公安局")
        beijing = subscribe(s, receiver.url("beijing"), region="11")
        revised = subscribe(s, receiver.url("revised"), kinds=["revised"])
    with Session.begin() as s:
        a = publish(s, "北京市公安局", 2023, region="110000")[0]["id"]
        b = publish(s, "北京市海淀区人民政府", 2023, region="110108")[0]["id"]
        c = publish(s, "上海市财政局", 2023, region="310000")[0]["id"]
        d = publish(s, "北京市公安局", 2023, revision=1)[0]["id"]  # a revised version
    counts = deliver_pending(Session, settings=settings, check_deadline=False)
    expected = Counter({("all", a): 1, ("all", b): 1, ("all", c): 1, ("all", d): 1,
                        ("police", a): 1, ("police", d): 1,
                        ("beijing", a): 1, ("beijing", b): 1, ("beijing", d): 1,
                        ("revised", d): 1})
    assert receiver.acked_pairs() == expected
    assert counts["enqueued"] == counts["sent"] == 10 and counts["failed"] == counts["retrying"] == 0
    # Running again (fan-out and delivery) sends nothing more.
    again = deliver_pending(Session, settings=settings, check_deadline=False)
    assert again["enqueued"] == again["sent"] == 0
    assert receiver.received_pairs() == expected
    with Session() as s:
        assert {(x.subscription_id, x.status, x.attempts) for x in _deliveries(Session)} == {
            (every, "sent", 1), (police, "sent", 1), (beijing, "sent", 1), (revised, "sent", 1)}
        assert s.scalar(sa.select(sa.func.count()).select_from(FannedOut)) == 5
    # The message is in Chinese and names the report.
    title, body = next((t, b) for name, e, t, b in receiver.acked if (name, e) == ("revised", d))
    assert title == "【年报】已修订：北京市公安局 2023 年政府信息公开工作年度报告"
    assert "变更 1 处：\n  · 依申请公开 · 本年新收政府信息公开申请数量 · 总计：10 → 11" in body
    assert "原文：http://gov.example/" in body and f"事件编号：#{d}" in body


def test_keyword_matches_the_latest_text_not_only_the_event(Session, receiver, settings):
    with Session.begin() as s:
        subscribe(s, receiver.url("kw"), keyword="行政复议")
        subscribe(s, receiver.url("agency-kw"), keyword="财政")
    with Session.begin() as s:
        hit = publish(s, "天津市民政局", 2023, text="天津市民政局2023年报\n\n本年度收到行政复议申请 2 件。")[0]["id"]
        publish(s, "天津市教育局", 2023, text="天津市教育局2023年报\n\n本年度无复议。")
        fin = publish(s, "上海市财政局", 2023)[0]["id"]
    deliver_pending(Session, settings=settings, check_deadline=False)
    assert receiver.acked_pairs() == Counter({("kw", hit): 1, ("agency-kw", fin): 1})


def test_baseline_events_do_not_alert(Session, receiver, settings):
    with Session.begin() as s:
        subscribe(s, receiver.url("all"))
        crawl = bookkeeping.begin_crawl(s, "gov.example")
        baseline = publish(s, "重庆市公安局", 2022, crawl_id=crawl)
        baseline += publish(s, "重庆市民政局", 2022, crawl_id=crawl)
        bookkeeping.finish_crawl(s, crawl, listed_urls=[], complete=True)
    assert baseline and all(e["baseline"] for e in baseline)
    with Session.begin() as s:
        crawl = bookkeeping.begin_crawl(s, "gov.example")
        later = publish(s, "重庆市公安局", 2023, crawl_id=crawl)
        bookkeeping.finish_crawl(s, crawl, listed_urls=[f"http://gov.example/x/{n}" for n in range(1)], complete=False)
    assert [e["baseline"] for e in later] == [False]
    counts = deliver_pending(Session, settings=settings, check_deadline=False)
    assert receiver.acked_pairs() == Counter({("all", later[0]["id"]): 1})
    assert counts["enqueued"] == 1


def test_failing_channel_is_retried_with_backoff_and_delivered(Session, receiver, settings):
    with Session.begin() as s:
        subscribe(s, receiver.url("flaky"))
        subscribe(s, receiver.url("ok"))
    with Session.begin() as s:
        event = publish(s, "广州市公安局", 2023, region="440100")[0]["id"]
    receiver.fail["flaky"] = 3  # three 500s: one run's two tries fail, the next run's second try succeeds
    first = deliver_pending(Session, settings=settings, check_deadline=False)
    assert (first["sent"], first["retrying"], first["failed"]) == (1, 1, 0)
    flaky = next(d for d in _deliveries(Session) if d.status == "pending")
    assert flaky.attempts == 1 and "500" in flaky.last_error
    time.sleep(settings.retry_max)
    second = deliver_pending(Session, settings=settings, check_deadline=False)
    assert second["sent"] == 1
    assert receiver.acked_pairs() == Counter({("flaky", event): 1, ("ok", event): 1})
    assert sorted((d.status, d.attempts, d.last_error) for d in _deliveries(Session)) == [
        ("sent", 1, None), ("sent", 2, None)]
    assert receiver.received_pairs()[("flaky", event)] == 4  # 3 refused + 1 accepted


def test_backoff_keeps_a_failed_row_until_due(SqliteSession, receiver, settings):
    slow = replace(settings, retry_base=3600, retry_max=3600)
    with SqliteSession.begin() as s:
        subscribe(s, receiver.url("down"))
        publish(s, "深圳市公安局", 2023)
    receiver.fail["down"] = -1
    assert deliver_pending(SqliteSession, settings=slow, check_deadline=False)["retrying"] == 1
    received = len(receiver.received)
    assert deliver_pending(SqliteSession, settings=slow, check_deadline=False)["retrying"] == 0
    assert len(receiver.received) == received  # nothing sent before next_attempt_at
    (row,) = _deliveries(SqliteSession)
    wait = (row.next_attempt_at - row.created_at).total_seconds()
    assert 3500 < wait < 3700


def test_channel_that_always_fails_ends_failed_with_last_error(Session, receiver, settings):
    with Session.begin() as s:
        subscribe(s, receiver.url("down"))
        event = publish(s, "深圳市公安局", 2023)[0]["id"]
    receiver.fail["down"] = -1
    outcomes = []
    for _ in range(settings.max_attempts + 2):
        counts = deliver_pending(Session, settings=settings, check_deadline=False)
        outcomes.append((counts["retrying"], counts["failed"]))
        time.sleep(settings.retry_max)
    assert outcomes == [(1, 0), (1, 0), (0, 1), (0, 0), (0, 0)]
    (row,) = _deliveries(Session)
    assert (row.status, row.attempts) == ("failed", settings.max_attempts)
    assert "500" in row.last_error
    assert receiver.received_pairs() == Counter({("down", event): settings.max_attempts * settings.send_tries})
    assert receiver.acked == []
    with Session() as s:
        (listed,) = list_subscriptions(s)
    assert (listed["failed"], listed["pending"], listed["sent"]) == (1, 0, 0) and "500" in listed["last_error"]


def test_removed_subscription_gets_nothing(SqliteSession, receiver, settings):
    from archive.alerts.subscriptions import remove_subscription

    with SqliteSession.begin() as s:
        gone = subscribe(s, receiver.url("gone"))
        subscribe(s, receiver.url("kept"))
        event = publish(s, "杭州市公安局", 2023)[0]["id"]
    with SqliteSession.begin() as s:
        enqueue_new_events(s)
        remove_subscription(s, gone)
    deliver_pending(SqliteSession, settings=settings, check_deadline=False)
    assert receiver.acked_pairs() == Counter({("kept", event): 1})


def test_a_down_channel_is_tried_once_per_run_and_others_go_on(Session, receiver, settings):
    with Session.begin() as s:
        subscribe(s, receiver.url("down"))
        subscribe(s, receiver.url("up"))
        events = [publish(s, f"南京市第{n}局", 2023)[0]["id"] for n in range(3)]
    receiver.fail["down"] = -1
    counts = deliver_pending(Session, settings=settings, check_deadline=False)
    assert (counts["sent"], counts["retrying"], counts["deferred"]) == (3, 1, 2)
    assert receiver.received_pairs()[("down", events[0])] == settings.send_tries
    assert sum(n for (name, _), n in receiver.received_pairs().items() if name == "down") == settings.send_tries
    down = [d for d in _deliveries(Session) if d.status == "pending"]
    assert sorted(d.attempts for d in down) == [0, 0, 1]  # deferred rows keep their attempts
    assert len({d.next_attempt_at for d in down}) == 1  # all wait for the channel's retry time
    receiver.fail["down"] = 0
    time.sleep(settings.retry_max)
    assert deliver_pending(Session, settings=settings, check_deadline=False)["sent"] == 3
    assert receiver.acked_pairs() == Counter({(name, e): 1 for name in ("down", "up") for e in events})


def test_a_run_stops_claiming_after_its_time_budget(SqliteSession, receiver, settings):
    with SqliteSession.begin() as s:
        subscribe(s, receiver.url("all"))
        publish(s, "苏州市公安局", 2023)
    counts = deliver_pending(SqliteSession, settings=replace(settings, max_seconds=0), check_deadline=False)
    assert (counts["enqueued"], counts["sent"]) == (1, 0)
    assert [(d.status, d.attempts) for d in _deliveries(SqliteSession)] == [("pending", 0)]
    assert deliver_pending(SqliteSession, settings=settings, check_deadline=False)["sent"] == 1
