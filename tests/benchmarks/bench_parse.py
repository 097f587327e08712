"""Parser benchmark (a script, not collected by pytest).

    .venv/bin/python tests/benchmarks/bench_parse.py [--reports 60] [--pages 60]

Measured in one run, on generated reports (tests/parsers/layouts):

- text reports: ms per report and reports/s for ``parsers.parse``;
- HTML pages: ``parsers.parse`` against bare ``trafilatura.extract(page, include_tables=True)``
  on the same decoded pages — the ratio is the figure to watch (target ≤ 2);
- PDF (ruled and unruled tables) and DOCX reports: ms per report;
- peak memory (RSS) of parsing a long PDF report (narrative pages) and a PDF with a
  ruled table on every page, each in a fresh subprocess.
"""
from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "parsers"))
sys.path.insert(0, str(ROOT))

from layouts import LAYOUTS, sample_report  # noqa: E402
from memory_probe import parse_in_fresh_process  # noqa: E402

import parsers  # noqa: E402



def _time(fn, items, repeat: int = 1) -> float:
    """Best-of-``repeat`` total seconds of ``fn`` over all items."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - start)
    return best


def bench_text(n: int) -> None:
    docs = [LAYOUTS["text_tabs"].render(sample_report(i)) for i in range(n)]
    parsers.parse(*docs[0])  # warm-up: imports
    seconds = _time(lambda d: parsers.parse(*d), docs, repeat=3)
    print(f"text reports   : {n} reports, {seconds / n * 1000:7.2f} ms/report, {n / seconds:7.1f} reports/s")


def bench_html(n: int) -> None:
    import trafilatura

    pages = [LAYOUTS["html_utf8"].render(sample_report(i)) for i in range(n)]
    strings = [data.decode("utf-8") for data, _ in pages]
    parsers.parse(*pages[0])
    trafilatura.extract(strings[0], include_tables=True)
    # Interleave the two measurements so machine load affects both alike.
    ours, theirs = [], []
    for _ in range(3):
        theirs.append(_time(lambda s: trafilatura.extract(s, include_tables=True), strings))
        ours.append(_time(lambda d: parsers.parse(*d), pages))
    ours_s, theirs_s = min(ours), min(theirs)
    size = sum(len(d) for d, _ in pages) / n / 1024
    print(f"HTML pages     : {n} pages of ~{size:.0f} KB")
    print(f"  parsers.parse            {ours_s / n * 1000:7.2f} ms/page, {n / ours_s:7.1f} pages/s")
    print(f"  trafilatura.extract      {theirs_s / n * 1000:7.2f} ms/page (include_tables=True, same pages)")
    print(f"  ratio parse / trafilatura {ours_s / theirs_s:6.2f}  (target <= 2)")


def bench_binary(layout: str, n: int) -> None:
    docs = [LAYOUTS[layout].render(sample_report(i)) for i in range(n)]
    parsers.parse(*docs[0])
    seconds = _time(lambda d: parsers.parse(*d), docs)
    print(f"{layout:<15}: {n} reports, {seconds / n * 1000:7.1f} ms/report")


def _tables_pdf(pages: int) -> bytes:
    """A PDF whose every page carries a ruled requests table (the worst case for pdfplumber)."""
    import io

    from layouts import tables
    from layouts.render_pdf import _layout_table, _paint_table, _Pen, _register
    from reportlab.pdfgen.canvas import Canvas

    _register()
    buffer = io.BytesIO()
    pen = _Pen(Canvas(buffer))
    table = tables(sample_report(2))["requests"]
    for page in range(pages):
        if page:
            pen.new_page()
        _paint_table(pen, _layout_table(pen, table))
    pen.canvas.showPage()
    pen.canvas.save()
    return buffer.getvalue()


def bench_pdf_memory(pages: int, *, tables_everywhere: bool = False) -> None:
    from layouts.render_pdf import pdf_bytes

    data = _tables_pdf(pages) if tables_everywhere else pdf_bytes(sample_report(1), extra_pages=pages - 2)
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as handle:
        handle.write(data)
        path = handle.name
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        n_pages = len(pdf.pages)
    start = time.perf_counter()
    parsers.parse(data, "long.pdf")
    in_process = time.perf_counter() - start
    start = time.perf_counter()
    result = parse_in_fresh_process(path, "long.pdf", preload="import parsers.api, parsers.formats.pdf, pdfplumber, pypdfium2")
    seconds = time.perf_counter() - start
    Path(path).unlink()
    kind = "table PDF " if tables_everywhere else "long PDF  "
    print(f"{kind}     : {n_pages} pages, {len(data) / 1024:.0f} KB, parsed in {in_process:.2f} s "
          f"({in_process / n_pages * 1000:.0f} ms/page; memory probe subprocess {seconds:.1f} s incl. imports), "
          f"{result['facts']} facts, {result['chars']} chars")
    print(f"  peak RSS {result['peak_kb'] / 1024:6.1f} MB (target < 300 MB); RSS after imports "
          f"{result['before_kb'] / 1024:.1f} MB, after parsing {result['after_kb'] / 1024:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=40, help="text/HTML reports per measurement")
    parser.add_argument("--binary", type=int, default=5, help="PDF/DOCX reports per measurement")
    parser.add_argument("--pages", type=int, default=60, help="pages of the long PDF")
    args = parser.parse_args()
    bench_text(args.reports)
    bench_html(args.reports)
    bench_binary("pdf", args.binary)
    bench_binary("pdf_unruled", args.binary)
    bench_binary("docx", args.binary)
    bench_pdf_memory(args.pages)
    bench_pdf_memory(args.pages, tables_everywhere=True)


if __name__ == "__main__":
    main()
