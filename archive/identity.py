"""Who publishes what: agencies and sources (rows created on demand by name), and a
report's owner (the portal that first published it) with the rule of who may revise it."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from archive.models import Agency, Source, utcnow
from archive.regions import infer_region
from archive.sql import get_or_create


def agency_id(session: Session, name: str, at: dt.datetime) -> int:
    """The agency's id, created with the region code and level its name tells (archive.regions)."""
    return get_or_create(session, Agency, {"name": name}, new_agency_values(name, at))


def new_agency_values(name: str, at: dt.datetime) -> dict:
    """The columns of a new agency besides its name: when first seen, the region code and level its name tells."""
    region_code, level = infer_region(name)
    return {"created_at": at, "region_code": region_code, "level": level}


def source_id(session: Session, name: str) -> int:
    """The source's id (a crawled portal, by its name in sources.yaml), created on demand."""
    return get_or_create(session, Source, {"name": name}, {"created_at": utcnow()})


def url_host(url: str | None) -> str | None:
    """The host of an http(s) URL, lower case, without a leading ``www.`` (None otherwise)."""
    if not url or not url[:8].lower().startswith(("http://", "https://")):
        return None
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    return (host[4:] if host.startswith("www.") else host)[:253] or None


def may_revise(owner_source_id: int | None, owner_host: str | None, source_id: int | None,
               host: str | None) -> bool:
    """Whether a document of ``source_id`` on ``host`` may make a version of a report owned
    by ``owner_source_id``/``owner_host``.

    A report belongs to the portal that first published it: its source, or a document on
    its host. A source lists other hosts' documents as its own simply by listing them (the
    crawler files every document under the source that reached it). An unowned report
    (made before owners were kept, or from a local file) may be revised by anyone, and a
    local file (no source, no host: ``nianbao ingest FILE`` by hand) is the user's word.
    """
    if owner_source_id is None and owner_host is None:
        return True
    if source_id is None and host is None:
        return True
    return (source_id is not None and source_id == owner_source_id) or (host is not None and host == owner_host)
