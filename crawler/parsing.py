"""The work that runs in the worker processes of the parse pipeline: parse, then archive.

Module-level functions only (they are pickled by reference into the pool's workers).
Both steps are CPU-heavy Python (extraction ~25-100 ms a page, archiving ~15 ms): done
here, they run on every core and leave the crawling process's reactor free. Each worker
opens its own connection pool to the archive (``archive.db`` caches one per URL and
process); ``archive_document`` is the same code path as ``nianbao ingest``.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import time


_WRITE_LOCK = None  # set in each worker by init_worker (SQLite: one writer at a time)


def init_worker(lock, ocr_limits: tuple[int, float] | None = None) -> None:
    """Pool initializer: remember the crawl's write lock (``None`` on PostgreSQL), set the
    OCR limits (pages, seconds a document), and exit if the crawling process dies (a killed
    crawl must not leave workers behind)."""
    global _WRITE_LOCK
    _WRITE_LOCK = lock
    if ocr_limits is not None:
        from parsers.formats import ocr

        ocr.configure(max_pages=ocr_limits[0], budget=ocr_limits[1])
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    while True:
        time.sleep(2)
        if os.getppid() != parent:
            os._exit(1)


def warm_up(db_url: str | None = None) -> bool:
    """Import the parsers (and open the archive) in a fresh worker before real work arrives."""
    import parsers  # noqa: F401
    import parsers.api  # noqa: F401

    if db_url:
        from archive.db import open_archive

        open_archive(db_url)
    return True


def parse_job(data: bytes, name: str, content_type: str | None = None):
    """``parsers.parse``: (Record, None) or (None, a one-line error)."""
    from parsers import ParseError, parse

    try:
        return parse(data, name, content_type=content_type), None
    except ParseError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the crawl; it is recorded
        return None, f"parser failure ({type(exc).__name__}: {exc})"


def process_job(job: dict) -> dict:
    """Parse one fetched document and archive it; what happened.

    ``job``: ``db``, ``url``, ``body``, ``content_type``, ``source``, ``agency``, ``year``,
    ``etag``, ``last_modified``, ``crawl_id``, ``attachments`` (URLs the page links to) and
    ``listed_as_report`` (found by a report title). Returns ``{"events", "archived",
    "parse_error", "template"}``.
    """
    from archive.db import open_archive

    started = time.monotonic()
    record, error = parse_job(job["body"], job["url"], job["content_type"])
    parsed = time.monotonic()
    if record is not None and job["attachments"] and not record.facts and record.template != "unknown":
        # A stub page ("详见附件") names the report but holds none of its tables: the
        # report is its attachment, archived on its own; the page is kept as a document.
        record.template = "unknown"
    is_report = record is not None and record.template != "unknown"
    factory = open_archive(job["db"])
    lock = _WRITE_LOCK or contextlib.nullcontext()
    with lock:
        locked = time.monotonic()
        with factory.begin() as session:
            result = _archive(session, job, record, error, is_report)
    result.update(parse_seconds=parsed - started, lock_seconds=locked - parsed,
                  archive_seconds=time.monotonic() - locked, ocr=record is not None and record.source == "ocr")
    return result


def _archive(session, job: dict, record, error: str | None, is_report: bool) -> dict:
    """The archiving step of :func:`process_job` (inside the caller's transaction)."""
    from archive.service import archive_document, document_validators

    # A page found by a report title is kept even when it is no report itself (its
    # snapshot tells later crawls, which only get a 304 for it, which attachments it
    # lists); an attachment that is no report is kept only if the archive knows it.
    if not is_report and not job["listed_as_report"] and document_validators(session, job["url"]) is None:
        return {"events": [], "archived": False, "parse_error": error,
                "template": record.template if record else None}
    events = archive_document(
        session, url=job["url"], data=job["body"], content_type=job["content_type"], record=record,
        parse_error=error, source=job["source"], agency=job["agency"], year=job["year"], etag=job["etag"],
        last_modified=job["last_modified"], fetched_at=dt.datetime.now(dt.timezone.utc),
        crawl_id=job["crawl_id"])
    return {"events": events, "archived": True, "parse_error": error,
            "template": record.template if record else None}


def not_modified_job(db_url: str, urls: list[str]) -> list[dict]:
    """``mark_not_modified`` for a batch of 304 answers, in one transaction; the events
    (a ``restored`` when a withdrawn document answers again)."""
    from archive.db import open_archive
    from archive.service import mark_not_modified

    now = dt.datetime.now(dt.timezone.utc)
    events: list[dict] = []
    with _WRITE_LOCK or contextlib.nullcontext(), open_archive(db_url).begin() as session:
        for url in urls:
            events += mark_not_modified(session, url, at=now)
    return events
