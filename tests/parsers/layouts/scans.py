"""Scanned reports read by OCR, made once per test process and shared by the tests that need them.

OCR costs seconds a page, so a scan and its record are made on first use and kept
(``functools.cache``): the parser, archive and web tests ask for the same scans and each
gets its own copy of the record. Every scan is really rendered, degraded and read by OCR.
"""
from __future__ import annotations

import copy
from functools import cache

from parsers.keys import key
from parsers.record import Record

from . import LAYOUTS, sample_report
from .model import SourceReport
from .render_scan import Scan, scanned_pdf

# The misprinted cell: its row sum and its column sum fail by the same one-digit slip.
MISPRINTED = key("requests", "granted", "natural_person")


def misprinted_report() -> tuple[SourceReport, int]:
    """A 2021 report whose ``MISPRINTED`` cell is printed with its tens digit wrong, and the
    number it should have been (the report's own arithmetic says so)."""
    report = sample_report(21, template="2021")
    right = int(report.values[MISPRINTED])
    tens = (right // 10) % 10
    report.values[MISPRINTED] = right + (10 if tens < 9 else -10)
    return report, right


@cache
def _misprinted_scan() -> tuple[bytes, dict]:
    import parsers

    report, _ = misprinted_report()
    pdf, _ = LAYOUTS["pdf"].render(report)
    # The first page holds the title, the active table and the requests table.
    scan = scanned_pdf(pdf, Scan(dpi=150, angle=0.3, blur=0.5, quality=60), pages=slice(0, 1))
    return scan, parsers.parse(scan, "scan.pdf").to_dict(include_text=True)


def misprinted_scan() -> tuple[bytes, Record]:
    """(image-only PDF, its OCR record) of the first page of :func:`misprinted_report`."""
    scan, record = _misprinted_scan()
    return scan, Record.from_dict(copy.deepcopy(record))
