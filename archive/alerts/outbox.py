"""The persistent outbox: fan events out to matching subscriptions, then deliver them.

Every step keeps its state in the database, so a sender killed at any point loses
nothing: an event is fanned out once (``alert_fanout``), each (event, subscription) pair
has one ``deliveries`` row, and a row is claimed with a lease before it is sent:
``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, a conditional ``UPDATE`` on SQLite,
so two senders never send the same row. Delivery is at least once: a sender killed
after the channel accepted a message but before it recorded that (a few milliseconds)
sends it again on the next run.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy import orm
from sqlalchemy.orm import Session, sessionmaker

from archive.alerts import filters as flt
from archive.alerts.messages import format_event
from archive.alerts.models import FAILED, PENDING, SENT, Delivery, FannedOut, OverdueMark, Subscription
from archive.alerts.send import SendResult, send
from archive.alerts.settings import AlertSettings
from archive.alerts.subscriptions import subscription_filters
from archive.events import event_dict
from archive.models import Event, Report, Version, utcnow

log = logging.getLogger(__name__)

_FANOUT_BATCH = 500


def _latest_version(session: Session, event: Event) -> Version | None:
    version_id = None
    if event.report_id is not None:
        version_id = session.scalar(sa.select(Report.latest_version_id).where(Report.id == event.report_id))
    version_id = version_id or event.version_id
    return session.get(Version, version_id) if version_id else None


def _enrich(session: Session, event: Event, data: dict[str, Any], *, text: bool = False) -> dict[str, Any]:
    """Add what keyword matching and messages need: report title, overdue deadline; the text if asked.

    (The region code comes with the event's agency: ``event_dict(..., region=True)``.)
    """
    if "title" not in data or (text and "text" not in data):
        version = _latest_version(session, event)
        record = (version.record or {}) if version else {}
        data.setdefault("title", record.get("title"))
        if text:
            data["text"] = version.text if version else ""
    if event.kind == "overdue" and "deadline" not in data and event.agency_id is not None:
        deadline = session.scalar(sa.select(OverdueMark.deadline).where(
            OverdueMark.agency_id == event.agency_id, OverdueMark.year == event.year))
        data["deadline"] = deadline.isoformat() if deadline else None
    return data


def _insert(session: Session, model):
    """An INSERT that can say ON CONFLICT DO NOTHING on both backends."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def enqueue_new_events(session: Session) -> int:
    """Match the events not yet fanned out against the subscriptions; returns deliveries made.

    Baseline events (a source's first crawl) are marked done without deliveries. A
    subscription gets only events newer than itself. Safe to run concurrently: fan-out
    marks are taken with INSERT … ON CONFLICT DO NOTHING … RETURNING, and only the run
    that inserted an event's mark makes its deliveries. Does not commit.
    """
    subs = [(sub, subscription_filters(sub))
            for sub in session.scalars(sa.select(Subscription).order_by(Subscription.id))]
    made = 0
    last_id = 0
    while True:
        events = session.scalars(
            sa.select(Event)
            .options(orm.defer(Event.detail), orm.defer(Event.changes))
            .outerjoin(FannedOut, FannedOut.event_id == Event.id)
            .where(FannedOut.event_id.is_(None), Event.id > last_id)
            .order_by(Event.id)
            .limit(_FANOUT_BATCH)
        ).all()
        if not events:
            return made
        last_id = events[-1].id
        now = utcnow()
        won = set(session.scalars(
            _insert(session, FannedOut.__table__).on_conflict_do_nothing().returning(FannedOut.event_id),
            [{"event_id": e.id, "at": now} for e in events]))
        rows = [
            {"event_id": event.id, "subscription_id": sub_id, "status": PENDING, "attempts": 0,
             "next_attempt_at": now, "created_at": now}
            for event in events if event.id in won and not event.baseline
            for sub_id in _matching(session, event, subs)
        ]
        if rows:
            made += len(session.scalars(
                _insert(session, Delivery.__table__).on_conflict_do_nothing().returning(Delivery.id), rows).all())


def _matching(session: Session, event: Event, subs: list[tuple[Subscription, flt.Filters]]) -> list[int]:
    """Ids of the subscriptions that want ``event`` (title and text loaded only for keywords)."""
    data: dict[str, Any] | None = None
    wanted = []
    for sub, filters in subs:
        if event.id <= sub.since_event_id:
            continue
        data = data or event_dict(event, detail=False, region=True)
        if not flt.matches_without_text(filters, data):
            continue
        if filters.keyword:
            _enrich(session, event, data, text=True)
            if not flt.keyword_matches(filters.keyword, data):
                continue
        wanted.append(sub.id)
    return wanted


@dataclass(frozen=True)
class Job:
    """A claimed delivery, with everything needed to send it outside a transaction."""

    delivery_id: int
    subscription_id: int
    token: str
    attempts: int
    url: str
    title: str
    body: str
    lease_until: dt.datetime


def _due(now: dt.datetime):
    return sa.and_(
        Delivery.status == PENDING,
        Delivery.next_attempt_at <= now,
        sa.or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
    )


def claim(session: Session, *, now: dt.datetime, settings: AlertSettings, limit: int | None = None) -> list[Job]:
    """Claim up to ``limit`` due deliveries for this sender (lease + token); counts the attempt.

    ``now`` is the start of the sender's run: a row rescheduled during the run is not
    due again in the same run. Does not commit; commit before sending.
    """
    limit = limit or settings.batch
    token = uuid.uuid4().hex
    until = utcnow() + dt.timedelta(seconds=settings.lease)
    pick = sa.select(Delivery.id).where(_due(now)).order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)
    claimed: list[int] = []
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(pick.with_for_update(skip_locked=True)))
        if ids:
            session.execute(sa.update(Delivery).where(Delivery.id.in_(ids)).values(
                claimed_until=until, claim_token=token, attempts=Delivery.attempts + 1)
                .execution_options(synchronize_session=False))
            claimed = ids
    else:
        for delivery_id in session.scalars(pick).all():
            result = session.execute(sa.update(Delivery).where(Delivery.id == delivery_id, _due(now)).values(
                claimed_until=until, claim_token=token, attempts=Delivery.attempts + 1)
                .execution_options(synchronize_session=False))
            if result.rowcount == 1:
                claimed.append(delivery_id)
    if not claimed:
        return []
    rows = session.execute(
        sa.select(Delivery.id, Delivery.subscription_id, Delivery.attempts, Subscription.url, Event)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .join(Event, Event.id == Delivery.event_id)
        .options(orm.defer(Event.detail))
        .where(Delivery.id.in_(claimed)).order_by(Delivery.id)).all()
    jobs = []
    for delivery_id, sub_id, attempts, url, event in rows:
        title, body = format_event(_enrich(session, event, event_dict(event, detail=False, region=True)))
        jobs.append(Job(delivery_id, sub_id, token, attempts, url, title, body, until))
    return jobs


def renew(session: Session, job: Job, settings: AlertSettings) -> Job | None:
    """Extend the lease; the job with its new lease, or None when another sender took the row over."""
    until = utcnow() + dt.timedelta(seconds=settings.lease)
    result = session.execute(sa.update(Delivery).where(
        Delivery.id == job.delivery_id, Delivery.claim_token == job.token, Delivery.status == PENDING
    ).values(claimed_until=until).execution_options(synchronize_session=False))
    return replace(job, lease_until=until) if result.rowcount == 1 else None


def release(session: Session, job: Job, *, not_before: dt.datetime | None = None) -> None:
    """Give a claimed row back unsent (its attempt not counted), due again at ``not_before``."""
    values: dict[str, Any] = dict(claimed_until=None, claim_token=None, attempts=Delivery.attempts - 1)
    if not_before is not None:
        values["next_attempt_at"] = not_before
    session.execute(sa.update(Delivery).where(Delivery.id == job.delivery_id, Delivery.claim_token == job.token)
                    .values(**values).execution_options(synchronize_session=False))


def record(session: Session, job: Job, result: SendResult, settings: AlertSettings) -> tuple[str, dt.datetime]:
    """Store the outcome of a send: ``sent``, ``retrying`` (rescheduled), ``failed`` or ``lost``,
    with the time a retry is due (now for ``sent``)."""
    now = utcnow()
    retry_at = now + dt.timedelta(seconds=settings.backoff(job.attempts))
    mine = sa.and_(Delivery.id == job.delivery_id, Delivery.claim_token == job.token)
    if result.ok:
        values: dict[str, Any] = dict(status=SENT, sent_at=now, last_error=None)
        outcome = SENT
    elif job.attempts >= settings.max_attempts:
        values = dict(status=FAILED, last_error=result.error)
        outcome = FAILED
    else:
        values = dict(next_attempt_at=retry_at, last_error=result.error)
        outcome = "retrying"
    done = session.execute(sa.update(Delivery).where(mine).values(claimed_until=None, claim_token=None, **values)
                           .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        log.warning("delivery %s was taken over by another sender (lease expired)", job.delivery_id)
        return "lost", now
    return outcome, retry_at


def deliver_pending(
    session_factory: sessionmaker[Session],
    *,
    settings: AlertSettings | None = None,
    today: dt.date | None = None,
    check_deadline: bool = True,
) -> dict[str, int]:
    """Run the alerts: raise ``overdue`` events, fan events out, send what is due.

    The one call ``nianbao crawl`` makes when it ends (and ``nianbao alerts send``).
    Each step commits on its own; each delivery's outcome is committed right after its
    send. A channel that fails is not tried again in the same run (its other rows wait
    for its retry time), and the run stops claiming after ``settings.max_seconds``, so a
    dead channel never holds up the crawl for long. Returns counts: ``overdue`` (events
    raised), ``enqueued`` (deliveries made), ``sent``, ``failed`` (given up this run),
    ``retrying`` (failed, rescheduled), ``deferred`` (not tried: channel down or out of
    time), ``lost`` (lease taken over by another sender).
    """
    from archive.alerts.deadline import check_overdue

    settings = settings or AlertSettings.from_env()
    counts = {"overdue": 0, "enqueued": 0, SENT: 0, FAILED: 0, "retrying": 0, "deferred": 0, "lost": 0}
    if check_deadline:
        with session_factory.begin() as session:
            counts["overdue"] = len(check_overdue(
                session, today, deadline=settings.deadline, government_deadline=settings.government_deadline))
    with session_factory.begin() as session:
        counts["enqueued"] = enqueue_new_events(session)
    started = utcnow()
    stop_at = time.monotonic() + settings.max_seconds
    down: dict[int, dt.datetime] = {}  # subscription -> when its channel may be tried again
    while time.monotonic() < stop_at:
        with session_factory.begin() as session:
            jobs = claim(session, now=started, settings=settings)
        if not jobs:
            break
        for job in jobs:
            if job.subscription_id in down or time.monotonic() >= stop_at:
                with session_factory.begin() as session:
                    release(session, job, not_before=down.get(job.subscription_id))
                counts["deferred"] += 1
                continue
            # A batch's later rows may wait a while: renew a lease half used before sending.
            if utcnow() > job.lease_until - dt.timedelta(seconds=settings.lease / 2):
                with session_factory.begin() as session:
                    renewed = renew(session, job, settings)
                if renewed is None:
                    counts["lost"] += 1
                    continue
                job = renewed
            result = send(job.url, job.title, job.body, tries=settings.send_tries, wait=settings.send_wait)
            with session_factory.begin() as session:
                outcome, retry_at = record(session, job, result, settings)
            counts[outcome] += 1
            if not result.ok:
                down[job.subscription_id] = retry_at
            log.info("delivery %s: %s", job.delivery_id, "sent" if result.ok else result.error)
    return counts
