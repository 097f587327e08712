"""Scanned (image-only) PDF reports read by OCR, and how honest their records are.

The OCR tests render generated reports of both templates, scan them (150 and 200 dpi,
slightly rotated, blurred, JPEG-compressed) into image-only PDFs and parse them back: no
number may be stated wrongly as a fact (uncertain is allowed), the arithmetic must hold,
and nearly every cell must come back. They need the ``ocr`` extra and skip without it.
OCR is CPU-heavy (seconds a page): eight pages here, scans shared through
``layouts/scans.py``; the sweep is ``tests/benchmarks/bench_ocr.py``. That OCR of the same
bytes gives the same record is checked where it matters, in the archive
(tests/archive/test_archive_reread.py: a scan re-read by ``db reparse``). What OCR'd pages become
(tables without rules, image pages in text PDFs) is tested fast in test_ocr_pages.py.

The review of OCR readings (confidence, arithmetic, uncertain cells) is tested without
OCR, on documents whose cells carry made-up confidences.
"""
from __future__ import annotations

import pytest
from layouts import LAYOUTS, expand, sample_report, shapes_only_pdf, tables
from layouts.render_scan import Scan, mixed_pdf, scanned_pdf
from layouts.scans import MISPRINTED, misprinted_report, misprinted_scan

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
# Each real OCR costs seconds a page: the scans are made and read once per process
# (layouts/scans.py) and every claim about them reads what it needs from there.

SCANS = [
    pytest.param(21, "2019", Scan(dpi=150, angle=0.4, blur=0.5, quality=65), id="2019-150dpi"),
    pytest.param(22, "2021", Scan(dpi=200, angle=-0.3, blur=0.7, quality=55), id="2021-200dpi"),
]


def _no_wrong_fact(record, printed: dict, *, every_page_ocr: bool = True) -> None:
    wrong = {k: (v, printed.get(k)) for k, v in record.facts.items() if printed.get(k) != v}
    assert wrong == {}, "a wrong number stated as a fact"
    assert record.violations == []
    if every_page_ocr:
        assert set(record.confidence) >= set(record.facts)


@needs_ocr
@pytest.mark.parametrize(("seed", "template", "scan"), SCANS)
def test_scanned_report_reads_back(seed, template, scan):
    report = sample_report(seed, template=template)
    pdf, _ = LAYOUTS["pdf"].render(report)
    record = parsers.parse(scanned_pdf(pdf, scan), "scan.pdf")
    expected = report.expected_facts()
    assert record.source == "ocr" and record.ocr_pages == [1, 2]
    assert (record.agency, record.year, record.template) == (report.agency, report.year, report.template)
    _no_wrong_fact(record, expected)
    read = len(record.facts) + sum(1 for k in record.uncertain if k in expected)
    assert read >= 0.99 * len(expected), "nearly every cell is read, as a fact or as uncertain"
    assert len(record.facts) >= 0.97 * len(expected), record.uncertain


@needs_ocr
def test_a_misprint_in_a_scan_is_uncertain_not_a_violation():
    """The report's own slip (a digit off, its sums fail) and a misread look alike: not stated."""
    _, record = misprinted_scan()
    report, right = misprinted_report()
    assert record.source == "ocr"
    assert record.uncertain[MISPRINTED]["read"] == report.values[MISPRINTED]
    assert right in record.uncertain[MISPRINTED]["alternatives"]
    _no_wrong_fact(record, report.expected_facts())


def _page(pdf: bytes, index: int) -> bytes:
    """Page ``index`` of ``pdf`` alone, as a PDF."""
    import io

    import pypdfium2 as pdfium

    source, out = pdfium.PdfDocument(pdf), pdfium.PdfDocument.new()
    out.import_pages(source, [index])
    buffer = io.BytesIO()
    out.save(buffer)
    source.close()
    out.close()
    return buffer.getvalue()


@needs_ocr
def test_an_unruled_scan_reads_what_its_text_layer_says_with_per_cell_confidence():
    """A table typeset without rules, scanned: its cells come from the OCR boxes' positions, each
    with its confidence (the uncertain rule applies as on ruled tables); the page's record is
    what the text PDF's own page gives, less what is uncertain."""
    report = sample_report(32, template="2021")
    first = _page(LAYOUTS["pdf_unruled"].render(report)[0], 0)  # title, active table, requests' first rows
    text = parsers.parse(first, "page.pdf")
    record = parsers.parse(scanned_pdf(first, Scan(dpi=200, angle=0.3, blur=0.6, quality=60)), "scan.pdf")
    assert record.source == "ocr" and len(text.facts) >= 40
    _no_wrong_fact(record, report.expected_facts())
    assert all(record.confidence[k] >= 0.9 or _vouched(record, k) for k in record.facts)
    assert set(record.facts) | set(record.uncertain) >= set(text.facts) - set(record.uncertain)
    assert len(record.facts) >= 0.97 * len(text.facts)


def _vouched(record, key: str) -> bool:
    from parsers.arithmetic import rules

    return any(key in r.cells() and r.holds(record.facts) for r in rules(record.facts, record.template))


@needs_ocr
def test_a_text_pdf_with_a_scanned_page_reads_both():
    """Page 2 (the end of the requests table, the reviews table, the signature) put in as a scan:
    OCR reads it, the text page keeps its text, the table across the break is stitched."""
    report = sample_report(22, template="2021")
    pdf, _ = LAYOUTS["pdf"].render(report)
    record = parsers.parse(mixed_pdf(pdf, Scan(dpi=150, angle=0.3, blur=0.5, quality=60)), "mixed.pdf")
    expected = report.expected_facts()
    assert record.source == "mixed" and record.ocr_pages == [2]
    _no_wrong_fact(record, expected, every_page_ocr=False)
    assert len(record.facts) + len(record.uncertain) >= 0.99 * len(expected)
    assert {k for k in record.facts if k.startswith("reviews/")} <= set(record.confidence)
    assert not any(k.startswith("active/") for k in record.confidence)  # page 1: the file's own text


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
