"""The re-check policy of known documents, and the look-ups that apply it.

The look-ups read through the session factory they are given (the bookkeeping
extension's read-only sessions, :class:`crawler.bookkeeping.Bookkeeping`): the crawler
opens no engine of its own.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass
class RecheckPolicy:
    """When a known report page is fetched again (new reports often, old ones rarely)."""

    young_days: float
    young_hours: float
    old_hours: float

    @classmethod
    def from_settings(cls, settings) -> "RecheckPolicy":
        return cls(settings.getfloat("NIANBAO_YOUNG_DAYS"), settings.getfloat("NIANBAO_RECHECK_YOUNG_HOURS"),
                   settings.getfloat("NIANBAO_RECHECK_OLD_HOURS"))

    def due(self, first_seen: dt.datetime | None, last_checked: dt.datetime | None,
            now: dt.datetime | None = None) -> bool:
        """Whether a document first seen at ``first_seen`` and last checked at ``last_checked`` is due."""
        if first_seen is None or last_checked is None:
            return True
        now = now or dt.datetime.now(dt.timezone.utc)
        first_seen, last_checked = _aware(first_seen), _aware(last_checked)
        young = now - first_seen < dt.timedelta(days=self.young_days)
        every = dt.timedelta(hours=self.young_hours if young else self.old_hours)
        return now - last_checked >= every


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def lookup(factory, url: str, policy: RecheckPolicy) -> tuple[bool, str | None, str | None]:
    """(due, ETag, Last-Modified) of a report URL; unknown URLs are due with no validators."""
    from archive.bookkeeping import documents_due

    with factory() as session:
        info = documents_due(session, [url]).get(url)
    if info is None:
        return None  # unknown to the archive: due, no validators
    # documents_due carries the validators too (one query instead of two per request).
    return policy.due(info.first_seen, info.last_checked), info.etag, info.last_modified


def lookup_many(factory, urls: list[str], policy: RecheckPolicy) -> dict[str, tuple[bool, str | None, str | None]]:
    """:func:`lookup` for many URLs in one query (unknown URLs are left out: due, no validators)."""
    from archive.bookkeeping import documents_due

    with factory() as session:
        infos = documents_due(session, urls)
    return {url: (policy.due(info.first_seen, info.last_checked), info.etag, info.last_modified)
            for url, info in infos.items()}
