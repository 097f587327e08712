"""Links to the archive's own pages (report, diff, agency) for messages and exports.

The web interface's public address is ``NIANBAO_BASE_URL`` (e.g. ``https://nianbao.example.org``);
without it nothing outside the web app knows where the pages live, so messages link to the
original report instead, and only when that is an http(s) URL (an ingested file's
``file://`` path means nothing to the reader).
"""
from __future__ import annotations

import os
import re
from typing import Any, Mapping

ENV_VAR = "NIANBAO_BASE_URL"


def base_url(environ: Mapping[str, str] | None = None) -> str | None:
    """The public base URL without its trailing slash, or None when unset or not http(s)."""
    value = ((os.environ if environ is None else environ).get(ENV_VAR) or "").strip().rstrip("/")
    return value if re.match(r"(?i)https?://[^\s/]+", value) else None


def original_url(url: str | None) -> str | None:
    """``url`` if it is http(s): what a reader can open."""
    if url and re.match(r"(?i)https?://", url.strip()) and not re.search(r"\s", url.strip()):
        return url.strip()
    return None


def report_page(report_id: int | None, base: str | None) -> str | None:
    return f"{base}/reports/{report_id}" if base and report_id else None


def agency_page(agency_id: int | None, base: str | None) -> str | None:
    return f"{base}/agencies/{agency_id}" if base and agency_id else None


def event_links(event: Mapping[str, Any], base: str | None = None) -> dict[str, str]:
    """The links of one event: ``report`` and ``diff`` (archive pages, with a base URL),
    ``agency`` (an overdue event's agency page) and ``original`` (http(s) only)."""
    out: dict[str, str] = {}
    report = report_page(event.get("report_id"), base)
    if report:
        out["report"] = report
        detail = event.get("detail") or {}
        if event.get("kind") == "revised" and isinstance(detail, Mapping) and detail.get("from") and detail.get("to"):
            out["diff"] = f"{report}/diff?from={int(detail['from'])}&to={int(detail['to'])}"
    elif base and event.get("agency_id"):
        out["agency"] = agency_page(event.get("agency_id"), base)
    original = original_url(event.get("url"))
    if original:
        out["original"] = original
    return out
