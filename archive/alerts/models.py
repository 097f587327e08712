"""Alert tables (migration ``0003_alerts``), on the archive's own ``MetaData``.

- :class:`Subscription`: an apprise URL plus filters. It hears only about events recorded
  after it was added (``since_event_id``), so subscribing to a years-old archive does
  not flood the channel with history.
- :class:`Delivery`: the outbox. One row per (event, subscription), unique, so an event
  reaches a subscription once however often the fan-out runs. ``status`` is ``pending``,
  ``sent`` or ``failed``; a sender claims a pending row by setting ``claimed_until`` (a
  lease) and ``claim_token``, so a sender killed mid-send leaves a row that another run
  picks up once the lease has expired.
- :class:`FannedOut`: the events already matched against the subscriptions (one row per
  event, so events committed out of id order are never skipped, as a high-water mark could).
- :class:`OverdueMark`: one ``overdue`` event per agency and year, enforced by its key.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from archive.models import Base, utcnow

PENDING, SENT, FAILED = "pending", "sent", "failed"
STATUSES = (PENDING, SENT, FAILED)


class Subscription(Base):
    """Where to send alerts (an apprise URL) and which events (filters; NULL/empty = any)."""

    __tablename__ = "subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.Text)
    agency: Mapped[str | None] = mapped_column(sa.String(200))
    region: Mapped[str | None] = mapped_column(sa.String(12))
    keyword: Mapped[str | None] = mapped_column(sa.String(200))
    kinds: Mapped[list[Any]] = mapped_column(default=list)
    # Events with an id up to this one existed before the subscription: not sent to it.
    since_event_id: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Delivery(Base):
    """One event for one subscription: the outbox row, its attempts and its outcome."""

    __tablename__ = "deliveries"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "subscription_id"),
        sa.Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(
        sa.ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[dt.datetime | None]
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]


class FannedOut(Base):
    """An event already matched against the subscriptions (deliveries made, or none matched)."""

    __tablename__ = "alert_fanout"
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OverdueMark(Base):
    """The ``overdue`` event raised for an agency and year (at most one, by the primary key)."""

    __tablename__ = "alert_overdue"
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id", ondelete="SET NULL"))
    deadline: Mapped[dt.date]
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
