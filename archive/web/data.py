"""What only the web pages and the JSON API show, read by id: the agency list and page, the
home page's counts, a report page with its versions, a version's original bytes.

Plain dicts so that the API and the HTML templates share one reading; every function takes
an open session and raises :class:`archive.queries.NotFound` for a missing id. Diffs and
events are :mod:`archive.queries`' (the CLI's reading too).
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from archive.models import Agency, Document, Report, Version
from archive.queries import NotFound, carry_over_flag, iso, key_figures


def _printable(value: str | None) -> str | None:
    """User text without control characters (PostgreSQL refuses NUL), None if nothing is left."""
    if value is None:
        return None
    return "".join(ch for ch in value if ch.isprintable() or ch == " ").strip() or None


def list_agencies(session: Session, *, name: str | None = None, region: str | None = None,
                  limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """Agencies by name (``name`` a substring, ``region`` a code prefix) with report counts."""
    name, region = _printable(name), _printable(region)
    stmt = (sa.select(Agency.id, Agency.name, Agency.region_code, sa.func.count(Report.id).label("reports"),
                      sa.func.max(Report.year).label("latest_year"))
            .outerjoin(Report, Report.agency_id == Agency.id)
            .group_by(Agency.id, Agency.name, Agency.region_code).order_by(Agency.name))
    if name:
        stmt = stmt.where(Agency.name.contains(name, autoescape=True))
    if region:
        stmt = stmt.where(Agency.region_code.startswith(region, autoescape=True))
    rows = session.execute(stmt.limit(limit).offset(offset)).mappings().all()
    return [{"id": r["id"], "name": r["name"], "region": r["region_code"], "reports": r["reports"],
             "latest_year": r["latest_year"]} for r in rows]


def agency(session: Session, agency_id: int) -> dict[str, Any]:
    """An agency with its reports year by year (latest record's key figures, violations, status)."""
    found = session.get(Agency, agency_id)
    if found is None:
        raise NotFound(f"no agency {agency_id}")
    stmt = (sa.select(Report.id, Report.year, Report.version_count, Report.withdrawn_at, Report.updated_at,
                      Version.record, Document.url)
            .join(Version, Version.id == Report.latest_version_id)
            .outerjoin(Document, Document.id == Report.document_id)
            .where(Report.agency_id == agency_id).order_by(Report.year))
    years = []
    for row in session.execute(stmt):
        record = row.record or {}
        years.append({"report_id": row.id, "year": row.year, "template": record.get("template"),
                      "published": record.get("published"), "title": record.get("title"),
                      "figures": key_figures(record.get("facts") or {}, record.get("uncertain") or ()),
                      "violations": list(record.get("violations") or []), "versions": row.version_count,
                      "status": "withdrawn" if row.withdrawn_at else "live", "url": row.url,
                      "updated_at": iso(row.updated_at), "flags": []})
    _carry_over_flags(years)
    return {"id": found.id, "name": found.name, "region": found.region_code, "level": found.level,
            "years": years, "publication": publication(session, agency_id)}


def _carry_over_flags(years: list[dict[str, Any]]) -> None:
    """The cross-year check of ``nianbao history`` on the page's years."""
    for before, year in zip(years, years[1:]):
        flag = carry_over_flag(before["year"], before["figures"].get("carried_forward"), year["year"],
                               year["figures"].get("carried_over"))
        if flag:
            year["flags"].append(flag)


def publication(session: Session, agency_id: int) -> list[dict[str, Any]]:
    """The agency's publication status year by year (archive.coverage), newest first."""
    from archive.coverage import agency_years

    return [row.as_dict() for row in reversed(agency_years(session, agency_ids=[agency_id]))]


def home(session: Session) -> dict[str, Any]:
    """What the home page shows: counts, this year's publication, regions to browse."""
    from archive.coverage import coverage

    agencies = session.execute(sa.select(sa.func.count()).select_from(Agency)).scalar_one()
    reports = session.execute(sa.select(sa.func.count()).select_from(Report)).scalar_one()
    cov = coverage(session)
    provinces = sa.func.substr(Agency.region_code, 1, 2)
    regions = [{"code": (code or "") + "0000" if code else None, "prefix": code, "agencies": n}
               for code, n in session.execute(sa.select(provinces, sa.func.count()).group_by(provinces)
                                              .order_by(provinces))]
    return {"agencies": agencies, "reports": reports, "coverage_year": cov["year"], "coverage": cov["counts"],
            "regions": regions}


def _versions(session: Session, report_id: int) -> list[dict[str, Any]]:
    stmt = (sa.select(Version.id, Version.number, Version.first_seen, Version.parser_version, Version.sha256,
                      Document.url, Document.content_type)
            .outerjoin(Document, Document.id == Version.document_id)
            .where(Version.report_id == report_id).order_by(Version.number))
    return [{"number": v.number, "first_seen": iso(v.first_seen), "parser_version": v.parser_version,
             "sha256": v.sha256, "url": v.url, "content_type": v.content_type}
            for v in session.execute(stmt)]


def report(session: Session, report_id: int, number: int | None = None) -> dict[str, Any]:
    """A report: its agency, status, versions, and the record and text of one version (default latest)."""
    found = session.get(Report, report_id)
    if found is None or found.latest_version_id is None:
        raise NotFound(f"no report {report_id}")
    where = (Version.report_id == report_id, Version.number == number) if number is not None else (
        Version.id == found.latest_version_id,)
    version = session.execute(sa.select(Version).where(*where)).scalar_one_or_none()
    if version is None:
        raise NotFound(f"report {report_id} has no version {number}")
    url = session.execute(sa.select(Document.url).where(Document.id == found.document_id)).scalar() \
        if found.document_id else None
    record = version.record or {}
    return {"id": found.id, "agency": found.agency.name, "agency_id": found.agency_id, "region": found.agency.region_code,
            "year": found.year, "status": found.status, "withdrawn_at": iso(found.withdrawn_at),
            "first_seen": iso(found.first_seen), "updated_at": iso(found.updated_at), "url": url,
            "version": version.number, "latest_version": found.version_count,
            "record": record, "text": version.text or "",
            "versions": _versions(session, report_id),
            # How it was read (a scan by OCR?), and the OCR readings not stated as facts.
            "source": record.get("source"), "ocr_pages": list(record.get("ocr_pages") or []),
            "uncertain": dict(record.get("uncertain") or {})}


def original(session: Session, report_id: int, number: int) -> tuple[bytes, str | None, str]:
    """The stored bytes of a version's snapshot, the document's content type, its URL."""
    from archive import snapshots

    row = session.execute(sa.select(Version.sha256, Document.content_type, Document.url)
                          .outerjoin(Document, Document.id == Version.document_id)
                          .where(Version.report_id == report_id, Version.number == number)).first()
    if row is None:
        raise NotFound(f"report {report_id} has no version {number}")
    try:
        data = snapshots.load(session, row.sha256)
    except snapshots.SnapshotError as exc:
        raise NotFound(str(exc)) from None
    return data, row.content_type, row.url or ""


def agency_name(session: Session, agency_id: int) -> str:
    name = session.execute(sa.select(Agency.name).where(Agency.id == agency_id)).scalar()
    if name is None:
        raise NotFound(f"no agency {agency_id}")
    return name
