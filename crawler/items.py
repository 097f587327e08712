"""What the spider hands to the pipelines: fetched documents and what happened to known ones."""
from __future__ import annotations

from dataclasses import dataclass, field

from archive.fetched import Fetched


@dataclass(frozen=True)
class ReportItem(Fetched):
    """A fetched report page or attachment, to be parsed and archived: the archive's
    :class:`~archive.fetched.Fetched` itself (``source``, the ``agency``/``year`` hints from
    the link's title or the source), plus what the crawl knows of where it was found."""

    title: str | None = None  # the link text it was found by
    parent: str | None = None  # the report page an attachment hangs from
    attachments: tuple[str, ...] = ()  # attachment URLs of a report page
    region: str | None = None
    listed_as_report: bool = True  # found by a report title (not only as a page's attachment)
    # Filled by the parse pipeline (a new item, the bytes dropped):
    # {"events", "archived", "parse_error", "template"}.
    result: dict | None = field(default=None, compare=False)


@dataclass
class NotModifiedItem:
    """A known document answered 304: nothing to parse, only 'still there'."""

    url: str
    source: str


@dataclass
class GoneItem:
    """A known report page answered 404/410."""

    url: str
    source: str
    status: int
