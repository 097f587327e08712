"""A scanned report read by OCR, in the archive: the pages, the API, the exports and the CLI say
it was read by OCR, and show each uncertain cell as such, never as a plain figure.

The record is real: a generated report printed with a one-digit misprint, scanned, read by
OCR (tests/parsers/layouts/scans.py, shared with the parser tests) and archived through
``archive_document``, on SQLite and on PostgreSQL.
"""
from __future__ import annotations

import csv
import io
import json
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import db
from archive.fetched import Fetched
from archive.ingest import archive_document
from crawler.cli import main
from parsers.formats import ocr
from web_archive import fill

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "parsers"))
from layouts.scans import MISPRINTED, misprinted_report, misprinted_scan  # noqa: E402

pytestmark = pytest.mark.skipif(not ocr.available(), reason="the OCR extra is not installed")
URL = "http://gov.example/scan/2022.pdf"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def scanned(request, tmp_path_factory):
    """(TestClient, database URL, report id, the OCR record) of an archive holding the scanned report."""
    from fastapi.testclient import TestClient

    from archive.web import create_app

    scan, record = misprinted_scan()
    with fill.fresh_database(request.param, tmp_path_factory.mktemp("scan")) as url:
        Session, report_id = _archived(url, scan, record)
        with TestClient(create_app(Session)) as client:
            yield client, url, report_id, record


def _archived(url: str, scan: bytes, record):
    """(session factory, report id) of the archive at ``url`` once the scan and its record are in it."""
    from archive.models import Report

    Session = db.open_archive(url)
    with Session.begin() as s:
        archive_document(s, Fetched(url=URL, data=scan, content_type="application/pdf"), record=record)
    with Session() as s:  # closed before the app reads: SQLite's write lock
        return Session, s.query(Report.id).scalar()


def test_the_record_under_test_has_the_misprint_uncertain(scanned):
    _, _, _, record = scanned
    report, right = misprinted_report()
    assert record.source == "ocr"
    assert record.uncertain[MISPRINTED]["read"] == report.values[MISPRINTED]
    assert right in record.uncertain[MISPRINTED]["alternatives"]
    assert MISPRINTED not in record.facts and record.violations == []


def _cell(html: str, key: str) -> str:
    match = re.search(rf'<td data-key="{re.escape(key)}"[^>]*>[^<]*</td>', html)
    assert match, key
    return match.group(0)


def test_report_page_says_ocr_and_marks_uncertain_cells(scanned):
    client, _, report_id, record = scanned
    html = client.get(f"/reports/{report_id}").text
    assert "扫描件，经 OCR 识别" in html
    read = record.uncertain[MISPRINTED]["read"]
    cell = _cell(html, MISPRINTED)
    assert 'class="uncertain"' in cell and ">存疑</td>" in cell
    assert f"OCR 读作“{read}”" in cell and "与本表勾稽关系不符" in cell  # in the title, not as the figure
    assert f">{read}</td>" not in cell
    # Every uncertain cell is marked in the tables and listed, with its label.
    listed = html[html.index('id="uncertain"'):html.index("</div>", html.index('id="uncertain"'))]
    for key in record.uncertain:
        assert 'class="uncertain"' in _cell(html, key)
        assert f'data-key="{key}"' in listed
    assert "依申请公开 · 予以公开 · 自然人" in listed
    # A sure fact is shown as a plain figure.
    sure = next(k for k in sorted(record.facts) if k.startswith("requests/"))
    assert re.search(rf'<td data-key="{re.escape(sure)}">{record.facts[sure]}</td>', html)


def test_api_exposes_source_and_uncertain(scanned):
    client, _, report_id, record = scanned
    body = client.get(f"/api/reports/{report_id}").json()
    assert body["source"] == "ocr" and body["record"]["source"] == "ocr"
    assert body["uncertain"] == record.uncertain and body["uncertain"][MISPRINTED]["why"] == "arithmetic"
    assert MISPRINTED not in body["record"]["facts"]
    schema = client.get("/openapi.json").json()["components"]["schemas"]["ReportOut"]["properties"]
    assert {"source", "uncertain", "ocr_pages"} <= set(schema)


def test_agency_figures_never_sum_over_an_uncertain_cell(scanned):
    client, _, report_id, record = scanned
    agency_id = client.get(f"/api/reports/{report_id}").json()["agency_id"]
    year = client.get(f"/api/agencies/{agency_id}").json()["years"][0]
    # 予以公开 is the uncertain total itself: unknown, not a number the report never printed.
    assert "requests/granted/total" in record.uncertain and year["figures"]["granted"] is None
    assert year["figures"]["requests"] == record.facts["requests/new/total"]


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_export_marks_uncertain_cells_and_states_no_reading(scanned, tmp_path):
    _, url, _, record = scanned
    rows = list(csv.DictReader(io.StringIO(_run("export", "--db", url, "--format", "csv"))))
    by_key = {f"{r['table']}/{r['row']}/{r['column']}": r for r in rows}
    read = record.uncertain[MISPRINTED]["read"]
    unsure = by_key[MISPRINTED]
    assert unsure["value"] == "" and unsure["text"] == ""
    assert unsure["uncertain"].startswith("存疑：") and f"OCR 读作“{read}”" in unsure["uncertain"]
    assert set(record.uncertain) <= set(by_key)
    assert {r["source"] for r in rows} == {"ocr"}
    facts = {k: r for k, r in by_key.items() if k not in record.uncertain}
    assert all(r["uncertain"] == "" for r in facts.values())
    assert {k for k, r in facts.items() if r["value"]} == set(record.facts)
    # jsonl and the people's spreadsheet say the same (Chinese headers)
    cells = [json.loads(line) for line in _run("export", "--db", url, "--format", "jsonl").splitlines()]
    assert next(c for c in cells if f"{c['table']}/{c['row']}/{c['column']}" == MISPRINTED)["value"] is None
    book = tmp_path / "cells.xlsx"
    _run("export", "--db", url, "--format", "xlsx", "-o", str(book))
    from openpyxl import load_workbook

    values = list(load_workbook(book, read_only=True).active.values)
    header = values[0]
    assert header[-2:] == ("来源", "存疑")
    mine = next(v for v in values[1:] if (v[5], v[6], v[7]) == tuple(MISPRINTED.split("/")))
    assert mine[header.index("数值")] is None and mine[-1].startswith("存疑：")


def test_cli_reports_do_not_state_uncertain_figures(scanned):
    _, url, _, record = scanned
    listing = _run("reports", "--db", url)
    assert f"本年新收申请 {record.facts['requests/new/total']}" in listing
    history = json.loads(_run("history", record.agency, "--db", url, "--json"))
    assert history["years"][0]["granted"] is None


def test_a_mixed_record_marks_only_its_ocr_cells(tmp_path):
    """A text PDF with a scanned page: the page says which pages OCR read, and the export
    marks as ``ocr`` only the cells read from them (those with a confidence, or uncertain)."""
    from fastapi.testclient import TestClient

    from archive.web import create_app

    scan, record = misprinted_scan()
    record.source, record.ocr_pages = "mixed", [2]
    record.confidence = {k: v for k, v in record.confidence.items() if k.startswith("requests/")}
    url = f"sqlite:///{tmp_path / 'mixed.db'}"
    Session, report_id = _archived(url, scan, record)
    with TestClient(create_app(Session)) as client:
        html = client.get(f"/reports/{report_id}").text
    assert "第 2 页为扫描图像，经 OCR 识别" in html
    rows = list(csv.DictReader(io.StringIO(_run("export", "--db", url, "--format", "csv"))))
    ocr_read = {f"{r['table']}/{r['row']}/{r['column']}" for r in rows if r["source"] == "ocr"}
    assert ocr_read == set(record.confidence) | set(record.uncertain)
    assert any(r["table"] == "active" and r["source"] == "" and r["value"] for r in rows)
