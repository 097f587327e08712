"""Re-parsing stored snapshots in place with the current parser (``nianbao reparse``), and
reading again the documents an older parser could not read."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.orm import Session

from archive import snapshots
from archive.ingest import apply_record
from archive.models import Document, Version, utcnow
from archive.versions import parse, refingerprint, reparse_version
from parsers.errors import ParseError
from parsers.record import PARSER_VERSION

log = logging.getLogger(__name__)


def reparse(session_factory, *, everything: bool = False, batch: int = 100,
            progress=None) -> dict[str, int]:
    """Re-parse stored snapshots made by older parsers (or all, ``everything``) in place.

    Versions get new records, text and cells without ``revised`` events; documents get
    fingerprints comparable with the current parser. Works in batches of ``batch`` rows,
    one transaction each (a stopped run keeps what it did; rerun to go on). ``progress``
    is called with the counts after each batch. Returns the counts.
    """
    counts = {"versions": 0, "documents": 0, "failed": 0, "reread": 0, "unreadable": 0}
    for model, step in ((Version, _reparse_version_batch), (Document, _refingerprint_batch)):
        after = 0
        while True:
            with session_factory.begin() as session:
                stmt = sa.select(model).where(model.id > after).order_by(model.id).limit(batch)
                if model is Document:
                    stmt = stmt.where(Document.sha256.is_not(None), Document.report_id.is_not(None))
                if not everything:
                    stmt = stmt.where(model.parser_version != PARSER_VERSION)
                rows = session.execute(stmt).scalars().all()
                if not rows:
                    break
                step(session, rows, counts)
                after = rows[-1].id
            if progress:
                progress(dict(counts))
    _reread_unreadable(session_factory, batch, counts, progress)
    return counts


# Documents stored without a record because the parser could not read their format then
# (a scan before OCR was installed, an old .doc before LibreOffice): worth another look.
_REREADABLE = ("ImageOnlyPDF:", "UnsupportedFormat:")


def _reread_unreadable(session_factory, batch: int, counts: dict[str, int], progress) -> None:
    """Parse again the stored snapshots of documents that had a format error; a report read
    now for the first time raises ``new`` (``counts["reread"]``), one still unreadable keeps
    its (updated) error (``counts["unreadable"]``)."""
    after = 0
    while True:
        with session_factory.begin() as session:
            rows = session.execute(
                sa.select(Document).where(Document.id > after, Document.report_id.is_(None),
                                          Document.sha256.is_not(None),
                                          sa.or_(*(Document.parse_error.startswith(p) for p in _REREADABLE)))
                .order_by(Document.id).limit(batch)).scalars().all()
            if not rows:
                return
            for doc in rows:
                counts["reread" if _reread(session, doc) else "unreadable"] += 1
            after = rows[-1].id
        if progress:
            progress(dict(counts))


def _reread(session: Session, doc: Document) -> bool:
    """Archive the record of a document's stored snapshot, as if just fetched; read now?"""
    try:
        record = parse(snapshots.load(session, doc.sha256), doc.url)
    except snapshots.SnapshotError as exc:
        log.warning("cannot re-read %s: %s", doc.url, exc)
        return False
    except ParseError as exc:
        doc.parse_error = f"{type(exc).__name__}: {exc}"
        return False
    events: list[dict] = []
    with session.no_autoflush:
        apply_record(session, doc, record, agency=None, year=None, digest=doc.sha256, previous_sha=doc.sha256,
                     at=utcnow(), crawl=None, events=events)
    session.flush()
    return doc.report_id is not None


def _reparse_version_batch(session: Session, versions: list[Version], counts: dict[str, int]) -> None:
    for version in versions:
        counts["versions" if reparse_version(session, version) else "failed"] += 1


def _refingerprint_batch(session: Session, docs: list[Document], counts: dict[str, int]) -> None:
    for doc in docs:
        fp = refingerprint(session, doc.sha256, doc.url, PARSER_VERSION)
        if fp is not None:
            doc.fingerprint, doc.parser_version = fp, PARSER_VERSION
            counts["documents"] += 1

