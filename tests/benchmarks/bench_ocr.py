"""OCR benchmark and accuracy sweep (a script, not collected by pytest; needs the ocr extra).

    .venv/bin/python tests/benchmarks/bench_ocr.py [--reports 4] [--dpi 150 200] [--layouts pdf pdf_unruled]

Generated reports of both templates (tests/parsers/layouts) are printed as PDFs (ruled
tables, ``pdf``; tables typeset without rules, ``pdf_unruled``), scanned (each dpi; rotated
±0.2-0.6°, blurred, JPEG 50-70, see layouts/render_scan.py) and parsed back. Printed, per
layout and dpi:

- seconds per OCR page (wall clock, the engine loaded once, 2 cores) and, as the ratio to
  watch, against the same reports' text PDFs parsed in the same process;
- cells: stated as facts / uncertain / missed, and wrong facts (must be 0);
- violations raised (must be 0: the reports are consistent);
- the spread of cell confidences (what ``parsers.uncertain.THRESHOLD`` cuts);
- peak memory (RSS) of reading one scanned report in a fresh subprocess.
"""
from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "parsers"))
sys.path.insert(0, str(ROOT))

from layouts import LAYOUTS, sample_report  # noqa: E402
from layouts.render_scan import Scan, scanned_pdf  # noqa: E402
from memory_probe import parse_in_fresh_process  # noqa: E402

import parsers  # noqa: E402
from parsers.formats import ocr  # noqa: E402



def _pages(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=4, help="reports per dpi (templates alternate)")
    parser.add_argument("--dpi", type=int, nargs="+", default=[150, 200])
    parser.add_argument("--layouts", nargs="+", default=["pdf"], choices=["pdf", "pdf_unruled"])
    args = parser.parse_args()
    if not ocr.available():
        sys.exit(f"the OCR extra is not installed: {ocr.ENABLE}")

    rng = random.Random(7)
    ocr._engine()  # load the models once, outside the timings
    for layout, dpi in [(layout, dpi) for layout in args.layouts for dpi in args.dpi]:
        pages = 0
        ocr_seconds = text_seconds = 0.0
        stated = uncertain = missed = total = unscored = 0
        wrong: list[str] = []
        violations: list[str] = []
        scores: list[float] = []
        for i in range(args.reports):
            report = sample_report(100 + i, template=("2019", "2021")[i % 2])
            pdf, _ = LAYOUTS[layout].render(report)
            scan = scanned_pdf(pdf, Scan(dpi=dpi, angle=rng.uniform(0.2, 0.6) * rng.choice((-1, 1)),
                                         blur=rng.uniform(0.4, 0.8), quality=rng.randint(50, 70)))
            started = time.perf_counter()
            parsers.parse(pdf, "report.pdf")
            text_seconds += time.perf_counter() - started
            started = time.perf_counter()
            record = parsers.parse(scan, "scan.pdf")
            ocr_seconds += time.perf_counter() - started
            pages += _pages(scan)
            expected = report.expected_facts()
            total += len(expected)
            stated += len(record.facts)
            uncertain += sum(1 for k in record.uncertain if k in expected)
            missed += sum(1 for k in expected if k not in record.facts and k not in record.uncertain)
            wrong += [f"{k}: {v} (printed {expected.get(k)})" for k, v in record.facts.items() if expected.get(k) != v]
            violations += record.violations
            scores += list(record.confidence.values())
            unscored += sum(1 for k in record.facts if k not in record.confidence)
        print(f"{layout}, {dpi} dpi: {pages} pages, {ocr_seconds / pages:.2f} s per OCR page "
              f"({ocr_seconds / max(text_seconds, 1e-9):.0f}x the text PDFs' parse time)")
        print(f"  cells: {total} printed, {stated} facts ({stated / total:.2%}), {uncertain} uncertain, "
              f"{missed} missed; wrong facts: {len(wrong)}; violations: {len(violations)}; "
              f"facts without an OCR confidence: {unscored}")
        for line in wrong[:10]:
            print("   wrong", line)
        if scores:
            cuts = [0.5, 0.8, 0.9, 0.95]
            spread = ", ".join(f"<{c}: {sum(1 for s in scores if s < c)}" for c in cuts)
            print(f"  confidences: median {statistics.median(scores):.2f}, {spread} of {len(scores)}")

    report = sample_report(100, template="2019")
    pdf, _ = LAYOUTS["pdf"].render(report)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        tmp.write(scanned_pdf(pdf, Scan(dpi=200)))
        tmp.flush()
        memory = parse_in_fresh_process(tmp.name, "scan.pdf")
    print(f"peak memory reading a scanned report (200 dpi, fresh process): {memory['peak_kb'] / 1024:.0f} MB "
          f"(python + parsers before: {memory['before_kb'] / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
