"""What the spider hands to the pipelines: fetched documents and what happened to known ones."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ReportItem:
    """A fetched report page or attachment, to be parsed and archived."""

    url: str
    body: bytes
    source: str
    content_type: str | None = None
    title: str | None = None  # the link text it was found by
    agency: str | None = None  # from the title (multi-agency columns) or the source
    year: int | None = None  # from the title
    etag: str | None = None
    last_modified: str | None = None
    parent: str | None = None  # the report page an attachment hangs from
    attachments: list[str] = field(default_factory=list)  # attachment URLs of a report page
    region: str | None = None
    listed_as_report: bool = True  # found by a report title (not only as a page's attachment)
    # Filled by the parse pipeline: {"events", "archived", "parse_error", "template"}.
    result: dict | None = None


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
