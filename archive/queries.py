"""Reading the archive, for the CLI and the web alike: report listings, an agency's history,
version diffs, events, cell export; :class:`NotFound` for what the archive does not hold.

All reads go through indexes: agencies by name, reports by (agency_id, year), and the
report's ``latest_version_id`` pointer, so listing never scans versions.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from archive.changes import version_diff
from archive.models import Agency, Cell, Document, Event, Report, Version
from archive.events import check_kind, event_dict


class NotFound(LookupError):
    """No such agency, report or version in the archive."""


def find_agency(session: Session, name: str) -> Agency:
    """The agency named ``name`` exactly, else the only agency whose name contains it.

    This is what ``--agency`` means in every command. Several matches raise
    :class:`AmbiguousAgency` naming them (so the user can pick one); none raises NotFound.
    """
    name = (name or "").strip()
    if not name:
        raise NotFound("no agency named '' in the archive")
    agency = session.execute(sa.select(Agency).where(Agency.name == name)).scalar_one_or_none()
    if agency is not None:
        return agency
    like = session.execute(sa.select(Agency).where(Agency.name.contains(name, autoescape=True))
                           .order_by(Agency.name).limit(AMBIGUOUS_SHOWN + 1)).scalars().all()
    if len(like) == 1:
        return like[0]
    if not like:
        raise NotFound(f"no agency named {_quote(name)} in the archive")
    raise AmbiguousAgency(name, [a.name for a in like])


AMBIGUOUS_SHOWN = 8


class AmbiguousAgency(NotFound):
    """``--agency`` is part of several agencies' names; ``candidates`` lists (some of) them."""

    def __init__(self, name: str, candidates: list[str]):
        self.name, self.candidates = name, candidates
        shown = ", ".join(_quote(c) for c in candidates[:AMBIGUOUS_SHOWN])
        more = ", …" if len(candidates) > AMBIGUOUS_SHOWN else ""
        super().__init__(f"{_quote(name)} matches several agencies: {shown}{more}; give the full name or a unique part")

    def __str__(self) -> str:
        return self.args[0]


def _quote(text: str) -> str:
    """``'name'`` for messages, whatever quotes the name holds (never a stray quote at an end)."""
    return "'" + text.replace("'", "\\'") + "'"


def _report_rows(session: Session, where: list) -> list[tuple[Report, str, dict, str | None]]:
    stmt = (sa.select(Report, Agency.name, Version.record, Document.url)
            .join(Agency, Agency.id == Report.agency_id)
            .join(Version, Version.id == Report.latest_version_id)
            .outerjoin(Document, Document.id == Report.document_id)
            .where(*where).order_by(Agency.name, Report.year))
    return session.execute(stmt).all()


def _report_dict(report: Report, agency: str, record: dict, url: str | None) -> dict[str, Any]:
    out = dict(record)
    out.update({"agency": agency, "year": report.year, "url": url, "versions": report.version_count,
                "status": report.status, "report_id": report.id,
                "first_seen": report.first_seen.isoformat(), "updated_at": report.updated_at.isoformat()})
    return out


def list_reports(session: Session, *, agency: str | None = None, year: int | None = None) -> list[dict[str, Any]]:
    """One dict a report: its latest record plus ``url``, ``versions`` and ``status``."""
    where = []
    if agency:
        where.append(Report.agency_id == find_agency(session, agency).id)
    if year is not None:
        where.append(Report.year == year)
    return [_report_dict(*row) for row in _report_rows(session, where)]


# Key figures of the history, from fact keys; a tuple of prefixes sums every matching row.
FIGURES: dict[str, str | tuple[str, ...]] = {
    "requests": "requests/new/total",
    "carried_over": "requests/carried_over/total",
    "granted": "requests/granted/total",
    "partially_granted": "requests/partially_granted/total",
    "denied": ("requests/denied.",),
    "unavailable": ("requests/unavailable.",),
    "not_processed": ("requests/not_processed.",),
    "other": ("requests/other",),
    "total": "requests/total/total",
    "carried_forward": "requests/carried_forward/total",
    "reviews": "reviews/review/total",
    "litigation": ("reviews/litigation_direct", "reviews/litigation_after_review"),
}


def key_figures(facts: dict[str, float], uncertain: Iterable[str] = ()) -> dict[str, float | None]:
    """The history's figures from a record's facts (None where the report gives none).

    ``uncertain``: cells OCR read unsurely (record.uncertain); a figure summed over one of
    them is None, not the sum of the others (that would state a number the report never printed).
    """
    out: dict[str, float | None] = {}
    unsure = set(uncertain)
    for name, spec in FIGURES.items():
        if isinstance(spec, str):
            out[name] = facts.get(spec)
            continue
        values = [v for k, v in facts.items() if _summed(k, spec)]
        out[name] = sum(values) if values and not any(_summed(k, spec) for k in unsure) else None
    return out


def _summed(key: str, prefixes: tuple[str, ...]) -> bool:
    """Is ``key`` one of the row totals a summed figure adds up?"""
    return key.endswith("/total") and key.startswith(prefixes) and not key.startswith("requests/total/")


def history(session: Session, agency: str) -> dict[str, Any]:
    """An agency's reports year by year: key figures, violations, versions, status, and the
    cross-year check (last year's carried forward = this year's carried over)."""
    found = find_agency(session, agency)
    years = []
    previous: dict[str, Any] | None = None
    for report, _name, record, url in _report_rows(session, [Report.agency_id == found.id]):
        facts = record.get("facts") or {}
        entry = {"year": report.year, "template": record.get("template"), "published": record.get("published"),
                 **key_figures(facts, record.get("uncertain") or ()), "violations": record.get("violations") or [],
                 "versions": report.version_count, "status": report.status, "url": url, "flags": []}
        if previous is not None:
            flag = carry_over_flag(previous["year"], previous["carried_forward"], report.year, entry["carried_over"])
            if flag:
                entry["flags"].append(flag)
        years.append(entry)
        previous = entry
    return {"agency": found.name, "agency_id": found.id, "region_code": found.region_code, "years": years}


def carry_over_flag(year_before: int, carried_forward: float | None, year: int,
                    carried_over: float | None) -> dict[str, Any] | None:
    """The cross-year check: last year's carried-forward requests should be this year's
    carried-over ones; the flag when two consecutive years disagree, else None."""
    if year_before != year - 1 or carried_forward is None or carried_over is None:
        return None
    if float(carried_forward) == float(carried_over):
        return None
    return {"check": "carry_over", "previous_carried_forward": carried_forward, "carried_over": carried_over,
            "message": f"{year_before} 年结转下年度 {_num(carried_forward)} 件，"
                       f"{year} 年上年结转 {_num(carried_over)} 件，两者不一致"}


def _report(session: Session, agency: str, year: int) -> tuple[Agency, Report]:
    found = find_agency(session, agency)
    report = session.execute(sa.select(Report).where(Report.agency_id == found.id, Report.year == year)
                             ).scalar_one_or_none()
    if report is None:
        raise NotFound(f"no {year} report of {found.name} in the archive")
    return found, report


def diff(session: Session, agency: str | None = None, year: int | None = None, *, report_id: int | None = None,
         from_number: int | None = None, to_number: int | None = None) -> dict[str, Any]:
    """What changed between two versions of a report (default: the latest and the one before).

    The report is ``agency`` (as ``--agency`` means everywhere) and ``year``, or
    ``report_id`` (the web's address); messages name it the same way.
    """
    if report_id is not None:
        report = session.get(Report, report_id)
        if report is None or report.latest_version_id is None:
            raise NotFound(f"no report {report_id}")
        found, name = report.agency, f"report {report_id}"
    else:
        found, report = _report(session, agency or "", year)
        name = f"{found.name} {year}"
    to_number = to_number or report.version_count
    from_number = from_number or max(to_number - 1, 1)
    versions = {v.number: v for v in session.execute(
        sa.select(Version).where(Version.report_id == report.id, Version.number.in_([from_number, to_number]))
    ).scalars()}
    for n in (to_number, from_number):
        if n not in versions:
            raise NotFound(f"{name} has no version {n} (it has {report.version_count})")
    old, new = versions[from_number], versions[to_number]
    out = {"report_id": report.id, "agency": found.name, "agency_id": found.id, "year": report.year,
           "from": from_number, "to": to_number, "from_seen": iso(old.first_seen), "to_seen": iso(new.first_seen)}
    out.update(version_diff(old.record or {}, old.text or "", new.record or {}, new.text or ""))
    return out


def events(session: Session, *, since: dt.datetime | None = None, kind: str | None = None,
           agency: str | None = None, agency_id: int | None = None, report_ids: list[int] | None = None,
           before_id: int | None = None, limit: int | None = None, newest_first: bool = False) -> list[dict[str, Any]]:
    """Events as ``nianbao events --json`` prints them, oldest first (``newest_first``: by id,
    newest first, ``before_id`` paging back).

    Filters: ``since`` (inclusive), ``kind``, ``agency`` (as ``--agency`` means everywhere)
    or ``agency_id``, ``report_ids`` (the events of those reports).
    """
    check_kind(kind)
    stmt = sa.select(Event, Agency.name).outerjoin(Agency, Agency.id == Event.agency_id)
    if since is not None:
        stmt = stmt.where(Event.at >= since)
    if kind is not None:
        stmt = stmt.where(Event.kind == kind)
    if agency:
        stmt = stmt.where(Event.agency_id == find_agency(session, agency).id)
    if agency_id is not None:
        stmt = stmt.where(Event.agency_id == agency_id)
    if report_ids is not None:
        stmt = stmt.where(Event.report_id.in_(report_ids or [-1]))
    if before_id is not None:
        stmt = stmt.where(Event.id < before_id)
    stmt = stmt.order_by(*((Event.id.desc(),) if newest_first else (Event.at, Event.id))).limit(limit)
    return [event_dict(event, name) for event, name in session.execute(stmt)]


def iso(value: dt.datetime | None) -> str | None:
    """A time as ISO 8601, None as None."""
    return value.isoformat() if value is not None else None


#: The export's columns: keys for programs, Chinese headers for people (``--excel``, xlsx).
EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("agency", "机关"), ("region_code", "行政区划代码"), ("year", "年度"), ("version", "版本"),
    ("template", "模板"), ("table", "表"), ("row", "行"), ("column", "列"), ("label", "项目"),
    ("value", "数值"), ("text", "原文"), ("url", "网址"), ("report_id", "报告编号"),
    # Cells of scans: "ocr" when OCR read the cell; an uncertain reading is never a value, only this sentence.
    ("source", "来源"), ("uncertain", "存疑"),
]


def export_cells(session: Session, *, table: str | None = None, all_versions: bool = False,
                 agency: str | None = None, region: str | None = None, year: int | None = None,
                 batch: int = 2000) -> Iterator[dict[str, Any]]:
    """The cells as rows (latest versions, or every version), streamed with a server-side cursor.

    Filters: ``agency`` (as ``--agency`` means everywhere: exact name or a unique part),
    ``region`` (a region-code prefix), ``year``, ``table``. Each row carries the cell's
    Chinese ``label`` beside its keys, the agency's region and the version's URL; ``source``
    ``"ocr"`` for a cell read by OCR, and for a cell OCR read unsurely (record.uncertain) an
    empty ``value`` and ``uncertain`` saying what OCR read and why it is not stated.
    """
    from archive.labels import fact_label, uncertain_label

    reports = aliased(Report)
    stmt = (sa.select(Agency.name, Agency.region_code, reports.year, Version.number,
                      Version.record["template"].as_string(), Cell.table_name, Cell.row_key, Cell.column_key,
                      Cell.value, Cell.text, Document.url, reports.id, Cell.version_id)
            .select_from(Cell).join(Version, Version.id == Cell.version_id)
            .join(reports, reports.id == Version.report_id).join(Agency, Agency.id == reports.agency_id)
            .outerjoin(Document, Document.id == sa.func.coalesce(Version.document_id, reports.document_id)))
    if not all_versions:
        stmt = stmt.where(Version.id == reports.latest_version_id)
    if table:
        stmt = stmt.where(Cell.table_name == table)
    if agency:
        stmt = stmt.where(reports.agency_id == find_agency(session, agency).id)
    if region:
        stmt = stmt.where(Agency.region_code.startswith(region, autoescape=True))
    if year is not None:
        stmt = stmt.where(reports.year == year)
    stmt = stmt.order_by(Cell.version_id, Cell.table_name, Cell.row_key, Cell.column_key)
    scans = _ocr_versions(session, latest_only=not all_versions)
    result = session.execute(stmt.execution_options(stream_results=True, yield_per=batch))
    for name, region_code, year_, number, template, tbl, row, column, value, text, url, report_id, vid in result:
        key = f"{tbl}/{row}/{column}"
        kind, confidence, uncertain = scans.get(vid, (None, {}, {}))
        # A mixed record: only its cells with an OCR confidence (or uncertain) came from page images.
        read_by_ocr = kind == "ocr" or key in confidence or key in uncertain
        yield {"agency": name, "region_code": region_code, "year": year_, "version": number,
               "template": template, "table": tbl, "row": row, "column": column,
               "label": fact_label(key), "value": _num(value), "text": text, "url": url,
               "report_id": report_id, "source": "ocr" if read_by_ocr else "",
               "uncertain": uncertain_label(uncertain[key]) if key in uncertain else ""}


def _ocr_versions(session: Session, *, latest_only: bool) -> dict[int, tuple[str, dict, dict]]:
    """Version id -> (source, confidence, uncertain) of the versions read wholly or partly by OCR:
    one pass over the versions, not a JSON lookup per exported cell."""
    source = Version.record["source"].as_string()
    stmt = sa.select(Version.id, source, Version.record["confidence"], Version.record["uncertain"]).where(
        source.in_(("ocr", "mixed")))
    if latest_only:
        stmt = stmt.join(Report, Report.latest_version_id == Version.id)
    return {vid: (kind, confidence or {}, uncertain or {}) for vid, kind, confidence, uncertain in session.execute(stmt)}


def _num(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
