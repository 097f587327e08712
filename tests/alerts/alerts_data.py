"""Archive content for alert tests: reports made from records (not the seeds), subscriptions."""
from __future__ import annotations

from urllib.parse import quote

import sqlalchemy as sa

from archive import ingest
from archive.fetched import Fetched
from archive.alerts.filters import Filters
from archive.alerts.subscriptions import add_subscription
from archive.models import Agency
from parsers.record import Record


def publish(session, agency: str, year: int, *, region: str | None = None, text: str | None = None,
            revision: int = 0, crawl_id: int | None = None) -> list[dict]:
    """Archive a report of ``agency`` for ``year`` (``revision`` > 0 changes a number: a new version)."""
    title = f"{agency}{year}年政府信息公开工作年度报告"
    body = text or f"{title}\n\n一、总体情况。本年度依法做好政府信息公开工作。"
    record = Record(agency=agency, year=year, template="2021", title=title, text=body, format="html",
                    facts={"requests/new/total": 10 + revision}, sections=["总体情况"])
    url = f"http://gov.example/{quote(agency)}/{year}.html"
    data = f"<html><body><p>{body}</p><p>{revision}</p></body></html>".encode()
    events = ingest.archive_document(session,
                                     Fetched(url=url, data=data, content_type="text/html", crawl_id=crawl_id),
                                     record=record)
    if region is not None:
        session.execute(sa.update(Agency).where(Agency.name == agency).values(region_code=region))
    return events


def subscribe(session, url: str, **filters) -> int:
    """Add a subscription as `nianbao alerts add` does; its id."""
    return add_subscription(session, url, Filters.build(**filters)).id
