"""Atom feeds (RFC 4287) of archive events: all, one agency's, or the reports matching a search.

Built with ElementTree, so every text is XML-escaped; characters XML 1.0 forbids (crawled
text can hold control characters) are removed first.
"""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

from archive.labels import KIND_LABELS

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
ENTRY_ID = "tag:nianbao,2026:event:{id}"
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

ET.register_namespace("", ATOM_NS)


def clean(text: object) -> str:
    """``text`` as a string XML 1.0 can carry."""
    return _XML_FORBIDDEN.sub("", str(text))


def http_url(url: str | None) -> str | None:
    """``url`` if it is an http(s) URL, else None (a crawled ``javascript:`` link is no link)."""
    if url and re.match(r"(?i)https?://", url.strip()) and not _XML_FORBIDDEN.search(url):
        return url.strip()
    return None


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: clean(v) for k, v in attrs.items()})
    if text is not None:
        el.text = clean(text)
    return el


def _rfc3339(value: str | dt.datetime | None) -> str:
    if value is None:
        return "1970-01-01T00:00:00Z"
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return "1970-01-01T00:00:00Z"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_title(event: dict) -> str:
    """``修订：北京市公安局 2021 年度报告`` and the like."""
    kind = KIND_LABELS.get(event.get("kind"), event.get("kind") or "")
    year = f" {event['year']} 年度报告" if event.get("year") else ""
    return f"{kind}：{event.get('agency') or '未知机关'}{year}"


def event_summary(event: dict, labels=None, limit: int = 20) -> str:
    """A plain-text summary: the changed cells of a revision (``label: old → new``)."""
    parts = [event_title(event)]
    if event.get("baseline"):
        parts.append("（首次收录）")
    changes = event.get("changes") or {}
    for i, (key, pair) in enumerate(changes.items()):
        if i == limit:
            parts.append(f"……共 {len(changes)} 处变化")
            break
        old, new = (list(pair) + [None, None])[:2] if isinstance(pair, (list, tuple)) else (None, pair)
        name = labels(key) if labels else key
        parts.append(f"{name}：{'' if old is None else old} → {'' if new is None else new}")
    if http_url(event.get("url")):  # an ingested file's file:// path means nothing to a reader
        parts.append(f"原文：{event['url']}")
    return "\n".join(parts)


def atom_feed(events: list[dict], *, title: str, feed_id: str, self_url: str, alternate_url: str,
              report_url, labels=None) -> bytes:
    """The Atom document (UTF-8 bytes) of ``events`` (newest first); ``report_url(event)`` links an entry."""
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _el(feed, "id", feed_id)
    _el(feed, "title", title)
    updated = max((_rfc3339(e.get("at")) for e in events), default=_rfc3339(dt.datetime.now(dt.timezone.utc)))
    _el(feed, "updated", updated)
    _el(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _el(feed, "link", rel="alternate", type="text/html", href=alternate_url)
    author = _el(feed, "author")
    _el(author, "name", "nianbao 年报")
    _el(feed, "generator", "nianbao")
    for event in events:
        entry = _el(feed, "entry")
        _el(entry, "id", ENTRY_ID.format(id=event["id"]))
        _el(entry, "title", event_title(event))
        _el(entry, "updated", _rfc3339(event.get("at")))
        link = report_url(event)
        if link:
            _el(entry, "link", rel="alternate", type="text/html", href=link)
        if http_url(event.get("url")):
            _el(entry, "link", rel="related", href=event["url"])
        _el(entry, "category", term=event.get("kind") or "", label=KIND_LABELS.get(event.get("kind"), ""))
        _el(entry, "summary", event_summary(event, labels), type="text")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8", xml_declaration=False)
