"""Scanned (image-only) PDF reports read by OCR, and how honest their records are.

The OCR tests render generated reports of both templates, scan them (150 and 200 dpi,
slightly rotated, blurred, JPEG-compressed) into image-only PDFs and parse them back: no
number may be stated wrongly as a fact (uncertain is allowed), the arithmetic must hold,
and nearly every cell must come back. They need the ``ocr`` extra and skip without it.
OCR is CPU-heavy: four pages here; the sweep is ``tests/benchmarks/bench_ocr.py``.

The review of OCR readings (confidence, arithmetic, uncertain cells) is tested without
OCR, on documents whose cells carry made-up confidences.
"""
from __future__ import annotations

import pytest
from layouts import LAYOUTS, expand, sample_report, shapes_only_pdf, tables
from layouts.render_scan import Scan, scanned_pdf

import parsers
from parsers.api import build_record
from parsers.document import Document
from parsers.errors import ImageOnlyPDF
from parsers.formats import ocr, read_document
from parsers.formats.ocr import Reading

needs_ocr = pytest.mark.skipif(not ocr.available(), reason="the OCR extra is not installed: pip install 'nianbao[ocr]'")


# --- the review of readings (no OCR engine) ----------------------------------------------------

def _ocr_document(report, scores: dict[str, float] | None = None, misread: dict[str, str] | None = None) -> Document:
    """The report's tables as an OCR reader would hand them over: every cell a Reading (0.99),
    some with another score or another text (``misread``: cell text -> what OCR made of it)."""
    scores, misread = scores or {}, misread or {}
    grids = []
    for table in tables(report).values():
        grid = []
        for row in expand(table):
            grid.append([Reading(misread.get(text, text), scores.get(text, 0.99)) for text in row])
        grids.append(grid)
    text = f"{report.title}\n" + "\n".join("\t".join(row) for grid in grids for row in grid)
    return Document(text=text, tables=grids, format="pdf", source="ocr")


def _cell(report, key: str) -> str:
    return report.cell_text(key)


def test_sure_readings_are_facts_with_their_confidence():
    report = sample_report(11, template="2021")
    record = build_record(_ocr_document(report))
    assert record.source == "ocr"
    assert record.facts == report.expected_facts()
    assert record.uncertain == {}
    assert record.violations == []
    assert set(record.confidence) >= set(record.facts)
    assert set(record.confidence.values()) == {0.99}


def _unique_cell(report, table: str) -> str:
    """A key of ``table`` whose printed text appears in no other cell (so a made-up score hits only it)."""
    texts = [report.cell_text(k) for k in report.expected_facts()]
    for key in sorted(report.expected_facts()):
        text = report.cell_text(key)
        if key.startswith(table + "/") and texts.count(text) == 1 and len(text) >= 3:
            return key
    raise AssertionError("no unique cell")


def test_an_unsure_reading_nothing_vouches_for_is_uncertain_not_a_fact():
    report = sample_report(12, template="2019")
    key = _unique_cell(report, "active")  # no arithmetic covers the active table
    record = build_record(_ocr_document(report, scores={_cell(report, key): 0.62}))
    assert key not in record.facts
    assert record.uncertain[key] == {"read": report.expected_facts()[key], "confidence": 0.62, "why": "confidence"}
    assert {k: v for k, v in report.expected_facts().items() if k != key} == record.facts


def test_an_unsure_reading_the_arithmetic_vouches_for_stays_a_fact():
    report = sample_report(13, template="2021")
    key = _unique_cell(report, "requests")
    record = build_record(_ocr_document(report, scores={_cell(report, key): 0.7}))
    assert record.facts[key] == report.expected_facts()[key]
    assert record.confidence[key] == 0.7
    assert record.uncertain == {}


def test_a_misread_digit_that_breaks_the_sums_is_uncertain_and_raises_no_violation():
    report = sample_report(14, template="2019")
    facts = report.expected_facts()
    key = next(k for k in sorted(facts) if k.startswith("requests/granted/") and not k.endswith("total")
               and facts[k] >= 10 and report.cell_text(k) == str(facts[k])
               and list(map(report.cell_text, facts)).count(report.cell_text(k)) == 1)
    printed = report.cell_text(key)
    wrong = printed[:-1] + ("8" if printed[-1] != "8" else "3")
    record = build_record(_ocr_document(report, misread={printed: wrong}))
    assert key not in record.facts
    assert record.uncertain[key]["why"] == "arithmetic"
    assert record.uncertain[key]["read"] == int(wrong)
    assert facts[key] in record.uncertain[key]["alternatives"]
    assert record.violations == []
    # Every number still stated is the printed one.
    assert all(facts[k] == v for k, v in record.facts.items())


def test_a_text_record_is_not_touched():
    report = sample_report(15)
    data, name = LAYOUTS["html_utf8"].render(report)
    record = parsers.parse(data, name)
    assert record.source is None and record.uncertain == {} and record.confidence == {}


def test_without_the_extra_the_named_error_says_how_to_enable_ocr(monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)
    with pytest.raises(ImageOnlyPDF) as info:
        read_document(shapes_only_pdf(), "scan.pdf")
    assert "pip install 'nianbao[ocr]'" in str(info.value)
    assert "\n" not in str(info.value)


@needs_ocr
def test_the_page_limit_is_kept(monkeypatch):
    monkeypatch.setattr(ocr, "MAX_PAGES", 0)
    with pytest.raises(ImageOnlyPDF) as info:
        read_document(shapes_only_pdf(), "scan.pdf")
    assert "2 not read" in str(info.value)


# --- real OCR of scanned reports ---------------------------------------------------------------

SCANS = [
    pytest.param(21, "2019", Scan(dpi=150, angle=0.4, blur=0.5, quality=65), id="2019-150dpi"),
    pytest.param(22, "2021", Scan(dpi=200, angle=-0.3, blur=0.7, quality=55), id="2021-200dpi"),
]


@needs_ocr
@pytest.mark.parametrize(("seed", "template", "scan"), SCANS)
def test_scanned_report_reads_back(seed, template, scan):
    report = sample_report(seed, template=template)
    pdf, _ = LAYOUTS["pdf"].render(report)
    record = parsers.parse(scanned_pdf(pdf, scan), "scan.pdf")
    expected = report.expected_facts()
    assert record.source == "ocr"
    assert (record.agency, record.year, record.template) == (report.agency, report.year, report.template)
    wrong = {k: (v, expected.get(k)) for k, v in record.facts.items() if expected.get(k) != v}
    assert wrong == {}, "a wrong number stated as a fact"
    assert record.violations == []
    read = len(record.facts) + sum(1 for k in record.uncertain if k in expected)
    assert read >= 0.99 * len(expected), "nearly every cell is read, as a fact or as uncertain"
    assert len(record.facts) >= 0.97 * len(expected), record.uncertain
    assert set(record.confidence) >= set(record.facts)


@needs_ocr
def test_ocr_is_deterministic():
    """The same bytes read twice give the same record: OCR noise never makes a revised event."""
    report = sample_report(23, template="2021")
    pdf, _ = LAYOUTS["pdf"].render(report)
    scan = scanned_pdf(pdf, Scan(dpi=150), pages=slice(-1, None))  # the last page: reviews table, signature
    first = parsers.parse(scan, "scan.pdf")
    second = parsers.parse(scan, "scan.pdf")
    assert first.to_dict(include_text=True) == second.to_dict(include_text=True)
    assert first.text.strip()


def test_parse_summary_marks_uncertain_cells_and_the_source():
    from parsers.cli import summary

    report = sample_report(12, template="2019")
    key = _unique_cell(report, "active")
    record = build_record(_ocr_document(report, scores={_cell(report, key): 0.62}))
    text = summary(record)
    assert "source:    ocr" in text
    read = report.expected_facts()[key]
    assert f"?({read})" in text  # the reading, marked, where the figure would be
    assert f"{key}: read {read}, confidence 0.62 (confidence)" in text
