"""Subscription filters: pure functions over event dicts.

An event (as `nianbao events --json` prints it) carries `kind`, `agency`, `year`, `url`;
the outbox adds what the event alone may not carry, read from the archive: the agency's
`region` code and the report's `title` and latest `text`. Every filter a subscription
sets must match (AND); a filter left unset matches everything.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

# The event kinds a subscription may ask for: the archive's one list.
from archive.labels import EVENT_KINDS


class FilterError(ValueError):
    """A subscription filter that cannot be used (unknown kind, malformed region code)."""


def normalize(text: str | None) -> str:
    """NFKC-fold and drop all whitespace, so `北京市 公安局` and full-width forms compare equal."""
    if not text:
        return ""
    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass(frozen=True)
class Filters:
    """What a subscription wants to hear about. Unset fields match everything."""

    agency: str | None = None
    region: str | None = None
    keyword: str | None = None
    kinds: tuple[str, ...] = field(default=())

    @classmethod
    def build(
        cls,
        *,
        agency: str | None = None,
        region: str | None = None,
        keyword: str | None = None,
        kinds: Iterable[str] | None = None,
    ) -> "Filters":
        """Validate and normalise user input; raises `FilterError` with a readable message."""
        agency = normalize(agency) or None
        keyword = normalize(keyword) or None
        region = (region or "").strip() or None
        if region is not None and not region.isdigit():
            raise FilterError(f"region prefix must be digits of an administrative code, got {region!r}")
        chosen: list[str] = []
        for kind in kinds or ():
            kind = kind.strip().lower()
            if kind not in EVENT_KINDS:
                raise FilterError(f"unknown event kind {kind!r} (one of: {', '.join(EVENT_KINDS)})")
            if kind not in chosen:
                chosen.append(kind)
        chosen.sort(key=EVENT_KINDS.index)  # one spelling per set of kinds
        return cls(agency=agency, region=region, keyword=keyword, kinds=tuple(chosen))

    @property
    def needs_text(self) -> bool:
        """Whether matching needs the report's title and text (loaded only then)."""
        return self.keyword is not None

    def describe(self) -> str:
        """A short human description, e.g. `agency=北京市公安局 kinds=new,revised`."""
        parts = []
        if self.agency:
            parts.append(f"agency={self.agency}")
        if self.region:
            parts.append(f"region={self.region}*")
        if self.keyword:
            parts.append(f"keyword={self.keyword}")
        if self.kinds:
            parts.append(f"kinds={','.join(self.kinds)}")
        return " ".join(parts) or "(all events)"


def matches_without_text(filters: Filters, event: Mapping[str, Any]) -> bool:
    """Every filter except the keyword: kind, agency, region prefix.

    `event["region"]` is the agency's administrative code (may be missing: then a
    region filter does not match).
    """
    if filters.kinds and event.get("kind") not in filters.kinds:
        return False
    if filters.agency and normalize(event.get("agency")) != filters.agency:
        return False
    if filters.region:
        region = str(event.get("region") or "")
        if not region.startswith(filters.region):
            return False
    return True


def keyword_matches(keyword: str, event: Mapping[str, Any]) -> bool:
    """The keyword occurs in the agency name, the report title or the report's latest text."""
    for key in ("agency", "title", "text"):
        if keyword in normalize(event.get(key)):
            return True
    return False


def matches(filters: Filters, event: Mapping[str, Any]) -> bool:
    """Whether `event` (enriched with `region`, `title`, `text` when known) passes `filters`."""
    if not matches_without_text(filters, event):
        return False
    if filters.keyword and not keyword_matches(filters.keyword, event):
        return False
    return True
