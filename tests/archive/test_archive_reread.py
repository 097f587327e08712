"""Documents stored unread (a scan before OCR, an old .doc before LibreOffice) are read by
``nianbao db reparse`` once the reader is there: a report read so for the first time raises
``new``, never ``revised``. The readers are made unavailable by hiding them (as on a machine
without the extra / without LibreOffice), then really run."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from archive import ingest
from archive.fetched import Fetched
from archive.models import Document, Event, Report, Version
from crawler.cli import main

pytest.importorskip("parsers.api")
from parsers.formats import ocr, office  # noqa: E402

# The report generators of the parser tests (tests/parsers/layouts).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "parsers"))
import layouts as LAYOUTS  # noqa: E402


def _reparse(db_url: str) -> dict:
    result = CliRunner().invoke(main, ["db", "reparse", "--db", db_url, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _archive_unread(Session, monkeypatch, url: str, data: bytes, error: str) -> None:
    with monkeypatch.context() as m:
        m.setattr(ocr, "available", lambda: False)
        m.setattr(office, "soffice", lambda: None)
        with Session.begin() as s:
            assert ingest.archive_document(s, Fetched(url=url, data=data)) == []
    with Session() as s:
        doc = s.execute(sa.select(Document)).scalar_one()
        assert doc.report_id is None and doc.parse_error.startswith(error)


def _one_new_report(Session, report) -> None:
    with Session() as s:
        assert [k for k, in s.execute(sa.select(Event.kind))] == ["new"]
        doc = s.execute(sa.select(Document)).scalar_one()
        assert doc.parse_error is None and doc.report_id is not None
        r = s.execute(sa.select(Report)).scalar_one()
        assert (r.agency.name, r.year) == (report.agency, report.year)
        assert s.execute(sa.select(sa.func.count()).select_from(Version)).scalar_one() == 1


@pytest.mark.skipif(not office.available(), reason="LibreOffice (soffice) is not installed")
def test_an_old_doc_stored_unread_is_read_by_reparse(Session, db_url, monkeypatch, tmp_path):
    report = LAYOUTS.sample_report(41, template="2021")
    docx, _ = LAYOUTS.LAYOUTS["docx"].render(report)
    (tmp_path / "r.docx").write_bytes(docx)
    subprocess.run([office.soffice(), f"-env:UserInstallation={(tmp_path / 'p').as_uri()}", "--headless",
                    "--convert-to", "doc", "--outdir", str(tmp_path), str(tmp_path / "r.docx")],
                   check=True, capture_output=True, timeout=180)
    _archive_unread(Session, monkeypatch, "http://gov.example/nb2021.doc", (tmp_path / "r.doc").read_bytes(),
                    "UnsupportedFormat:")
    counts = _reparse(db_url)
    assert (counts["reread"], counts["unreadable"]) == (1, 0)
    _one_new_report(Session, report)
    # Again: nothing left to read, nothing raised.
    assert _reparse(db_url)["reread"] == 0
    with Session() as s:
        assert s.execute(sa.select(sa.func.count()).select_from(Event)).scalar_one() == 1


@pytest.mark.skipif(not ocr.available(), reason="the OCR extra is not installed")
def test_a_scan_stored_unread_is_read_by_reparse(sqlite_url, monkeypatch):
    from archive.db import open_archive
    from layouts.scans import misprinted_report, misprinted_scan

    Session = open_archive(sqlite_url)
    scan, first_reading = misprinted_scan()  # a scanned page (shared with the parser and web tests)
    _archive_unread(Session, monkeypatch, "http://gov.example/nb2022.pdf", scan, "ImageOnlyPDF:")
    counts = _reparse(sqlite_url)
    assert counts["reread"] == 1
    _one_new_report(Session, misprinted_report()[0])
    with Session() as s:
        record, text = s.execute(sa.select(Version.record, Version.text)).one()
    # OCR is deterministic: read again here, the bytes give the record (and text) OCR made of
    # them before, uncertain cells included, so OCR noise never raises a revised event.
    assert record["source"] == "ocr" and record["uncertain"]
    assert record == first_reading.to_dict() and text == first_reading.text


def test_a_document_still_unreadable_keeps_its_error(Session, db_url, monkeypatch):
    data = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    _archive_unread(Session, monkeypatch, "http://gov.example/scan.png", data, "UnsupportedFormat:")
    counts = _reparse(db_url)
    assert (counts["reread"], counts["unreadable"]) == (0, 1)
    with Session() as s:
        assert s.execute(sa.select(sa.func.count()).select_from(Event)).scalar_one() == 0
