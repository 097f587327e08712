"""Subscription repository functions (never commit; the caller owns the transaction)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from archive.alerts.filters import Filters
from archive.alerts.models import Delivery, Subscription
from archive.alerts.send import check_url, mask_url
from archive.models import Event


class NoSuchSubscription(LookupError):
    """No subscription has that id."""


class DuplicateSubscription(ValueError):
    """The same URL with the same filters is subscribed already (it would get every message twice)."""


def add_subscription(session: Session, url: str, filters: Filters) -> Subscription:
    """Subscribe ``url`` (checked with apprise: `ChannelError` if unsupported) to events from now on."""
    url = url.strip()
    check_url(url)
    for sub in session.scalars(sa.select(Subscription).where(Subscription.url == url)):
        if subscription_filters(sub) == filters:
            raise DuplicateSubscription(f"already subscribed as #{sub.id} with the same filters")
    since = session.scalar(sa.select(sa.func.max(Event.id))) or 0
    sub = Subscription(url=url, agency=filters.agency, region=filters.region, keyword=filters.keyword,
                       kinds=list(filters.kinds), since_event_id=since)
    session.add(sub)
    session.flush()
    return sub


def get_subscription(session: Session, sub_id: int) -> Subscription:
    sub = session.get(Subscription, sub_id)
    if sub is None:
        raise NoSuchSubscription(f"no subscription #{sub_id}")
    return sub


def remove_subscription(session: Session, sub_id: int) -> None:
    """Delete a subscription and its outbox rows."""
    sub = get_subscription(session, sub_id)
    session.execute(sa.delete(Delivery).where(Delivery.subscription_id == sub_id))
    session.delete(sub)
    session.flush()


def subscription_filters(sub: Subscription) -> Filters:
    """The stored filters of a subscription as a `Filters` value."""
    return Filters(agency=sub.agency, region=sub.region, keyword=sub.keyword, kinds=tuple(sub.kinds or ()))


def list_subscriptions(session: Session) -> list[dict[str, Any]]:
    """Every subscription as a dict, URL secrets masked, with its delivery counts by status and
    the error of its latest failed attempt (``last_error``, None if none failed)."""
    counts = {(sub_id, status): n for sub_id, status, n in session.execute(
        sa.select(Delivery.subscription_id, Delivery.status, sa.func.count())
        .group_by(Delivery.subscription_id, Delivery.status))}
    latest_error = sa.select(sa.func.max(Delivery.id)).where(Delivery.last_error.is_not(None)) \
        .group_by(Delivery.subscription_id)
    errors = {sub_id: error for sub_id, error in session.execute(
        sa.select(Delivery.subscription_id, Delivery.last_error).where(Delivery.id.in_(latest_error)))}
    rows = []
    for sub in session.scalars(sa.select(Subscription).order_by(Subscription.id)):
        rows.append({
            "id": sub.id, "url": mask_url(sub.url), "agency": sub.agency, "region": sub.region,
            "keyword": sub.keyword, "kinds": list(sub.kinds or []), "filters": subscription_filters(sub).describe(),
            "created_at": sub.created_at.isoformat(),
            "pending": counts.get((sub.id, "pending"), 0), "sent": counts.get((sub.id, "sent"), 0),
            "failed": counts.get((sub.id, "failed"), 0), "last_error": errors.get(sub.id),
        })
    return rows
