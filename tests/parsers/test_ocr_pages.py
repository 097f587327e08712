"""What OCR'd pages become, with the OCR engine stood in for by the characters of the text PDF
the scan was made from (their real positions, made-up confidences): tables without rules get
per-cell confidence like ruled ones, and a text PDF with an image page reads that page by OCR
and keeps its text pages' text. Fast; the real engine on the same kinds of scans is in
tests/parsers/test_ocr.py.
"""
from __future__ import annotations

import pytest
from layouts import LAYOUTS, sample_report
from layouts.render_scan import Scan, mixed_pdf, scanned_pdf

import parsers
from parsers.formats import ocr

FAST_SCAN = Scan(dpi=36, angle=0, blur=0, quality=30)  # the pixels are not read here


@pytest.fixture
def engine(monkeypatch):
    """Stand in for OCR: page ``i`` read by OCR gives the characters of page ``i`` of ``engine.source``
    (pdfplumber's, in points), each with confidence ``engine.score(char text, cell text around)``."""
    import numpy as np
    import pdfplumber

    class Engine:
        source: bytes = b""
        low: dict[str, float] = {}  # printed text -> the confidence of its characters (else 0.99)
        current = 0  # the page being read

        def chars(self) -> list[ocr.Char]:
            import io

            with pdfplumber.open(io.BytesIO(self.source)) as pdf:
                page = pdf.pages[self.current]
                words = page.extract_words()
                out = []
                for ch in page.chars:
                    word = next((w["text"] for w in words if w["x0"] - 0.1 <= ch["x0"] and ch["x1"] <= w["x1"] + 0.1
                                 and abs(w["top"] - ch["top"]) < 1), "")
                    out.append(ocr.Char(ch["top"], ch["bottom"], ch["x0"], ch["x1"], ch["text"],
                                        self.low.get(word, 0.99), 0))
                return out

    stand_in = Engine()
    read_page = ocr.PageReader.read_page

    def tracking(self, page, index, height):
        stand_in.current = index
        return read_page(self, page, index, height)

    monkeypatch.setattr(ocr, "available", lambda: True)
    monkeypatch.setattr(ocr.PageReader, "read_page", tracking)
    monkeypatch.setattr(ocr, "render", lambda page, dpi=ocr.DPI: np.full(
        (int(page.get_height() * dpi / 72), int(page.get_width() * dpi / 72)), 255, np.uint8))
    monkeypatch.setattr(ocr, "recognize", lambda gray, scale: stand_in.chars())
    return stand_in


def _unique_number(report, prefix: str) -> str:
    texts = [report.cell_text(k) for k in report.expected_facts()]
    return next(k for k in sorted(report.expected_facts()) if k.startswith(prefix)
                and texts.count(report.cell_text(k)) == 1 and len(report.cell_text(k)) >= 3)


def test_an_unruled_scan_gets_per_cell_confidence_and_the_uncertain_rule(engine):
    report = sample_report(31, template="2019")
    source = LAYOUTS["pdf_unruled"].render(report)[0]
    active = _unique_number(report, "active/")  # no arithmetic covers the active table
    vouched = _unique_number(report, "requests/granted/")  # its row and column sums hold
    engine.source = source
    engine.low = {report.cell_text(active): 0.62, report.cell_text(vouched): 0.7}
    record = parsers.parse(scanned_pdf(source, FAST_SCAN), "scan.pdf")
    expected = report.expected_facts()
    assert record.source == "ocr" and record.ocr_pages == [1, 2, 3]
    assert record.uncertain == {active: {"read": expected[active], "confidence": 0.62, "why": "confidence"}}
    assert record.facts == {k: v for k, v in expected.items() if k != active}
    assert record.confidence[vouched] == 0.7 and set(record.confidence) >= set(record.facts)
    assert record.violations == []


def test_a_text_pdf_with_an_image_page_reads_that_page_by_ocr(engine):
    report = sample_report(22, template="2021")
    source = LAYOUTS["pdf"].render(report)[0]
    engine.source = source
    record = parsers.parse(mixed_pdf(source, FAST_SCAN, scanned=(1,)), "mixed.pdf")
    assert record.source == "mixed" and record.ocr_pages == [2]
    assert record.facts == report.expected_facts() and record.violations == []
    # Only the cells of the OCR'd page carry a confidence: the reviews table is on page 2.
    assert {k.split("/")[0] for k in record.confidence} <= {"requests", "reviews"}
    assert {k for k in record.facts if k.startswith("reviews/")} <= set(record.confidence)
    assert not any(k.startswith("active/") for k in record.confidence)


def test_a_misprint_on_a_text_page_is_a_violation_on_an_ocr_page_uncertain(engine):
    """The text layer is what the file says: its misprint is the report's own, a violation.
    The same slip on the OCR'd page may be a misread: uncertain, no violation."""
    report = sample_report(22, template="2021")
    key = next(k for k in (f"reviews/review/{c}" for c in ("upheld", "corrected", "other", "pending"))
               if report.values[k] >= 10 and report.values[k] // 10 % 10 < 9)
    report.values[key] += 10  # one digit off: reading it back one digit lower would make its row add up
    source = LAYOUTS["pdf"].render(report)[0]
    engine.source = source
    as_text = parsers.parse(source, "report.pdf")
    assert as_text.source is None and "reviews.row_sum:review" in as_text.violations
    scanned = parsers.parse(mixed_pdf(source, FAST_SCAN, scanned=(1,)), "mixed.pdf")
    assert scanned.source == "mixed" and scanned.violations == []
    assert key in scanned.uncertain and key not in scanned.facts
    assert all(k.startswith("reviews/review/") for k in scanned.uncertain)
    # The same slip on page 1 (text): stated as printed, and a violation, in the mixed record too.
    report = sample_report(22, template="2021")
    first = "requests/new/natural_person"
    report.values[first] += 10
    source = LAYOUTS["pdf"].render(report)[0]
    engine.source = source
    mixed = parsers.parse(mixed_pdf(source, FAST_SCAN, scanned=(1,)), "mixed.pdf")
    assert mixed.source == "mixed" and mixed.facts[first] == report.values[first]
    assert first not in mixed.uncertain and "requests.row_sum:new" in mixed.violations


def test_without_ocr_the_image_page_is_left_out_with_a_warning(monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)
    report = sample_report(22, template="2021")
    source = LAYOUTS["pdf"].render(report)[0]
    record = parsers.parse(mixed_pdf(source, FAST_SCAN, scanned=(1,)), "mixed.pdf")
    assert record.source is None and record.ocr_pages == []
    assert record.warnings == ["page(s) 2 are images without text (a scan?), not read: OCR is not installed: "
                               "pip install 'nianbao[ocr]'"]
    assert not any(k.startswith("reviews/") for k in record.facts)


def test_a_text_pdf_is_read_once_and_never_reaches_ocr(monkeypatch):
    """A crawl of ordinary portals costs what it did: text PDFs (ruled, unruled, with page
    furniture) are read in one pass and OCR is never started."""
    from parsers.formats import pdf

    def no_ocr(*args, **kwargs):
        raise AssertionError("OCR started on a text PDF")

    monkeypatch.setattr(ocr, "page_reader", no_ocr)
    monkeypatch.setattr(ocr, "_engine", no_ocr)
    passes = []
    original = pdf._read
    monkeypatch.setattr(pdf, "_read", lambda *a, **k: passes.append(a[2:]) or original(*a, **k))
    for n, layout in enumerate(("pdf", "pdf_unruled", "pdf_page_furniture", "pdf_word_export")):
        report = sample_report(50 + n)
        passes.clear()
        record = parsers.parse(LAYOUTS[layout].render(report)[0], "report.pdf")
        assert passes == [()] and record.source is None and record.confidence == {}, layout
