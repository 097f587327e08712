"""Benchmark the report engine (build_record: rows, labels, tables, recognition, arithmetic).

    .venv/bin/python tests/benchmarks/bench_parse_engine.py

Prints ms per report for the five seeds and generated text layouts, cold (label and
value caches cleared before each report) and warm, and the ratio to a baseline run in
the same process: decoding and normalising the same bytes with the text reader.
Target: a text report in < 5 ms.
"""
from __future__ import annotations

import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from parsers.api import build_record  # noqa: E402
from parsers.cells import read_cell  # noqa: E402
from parsers.formats import read_document  # noqa: E402
from parsers.labels import classify  # noqa: E402
from tests.parsers.layouts import LAYOUTS, sample_report  # noqa: E402


def best(fn, number: int = 20, repeat: int = 5) -> float:
    """Best time per call in seconds."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def cold(doc) -> None:
    classify.cache_clear()
    read_cell.cache_clear()
    build_record(doc)


def main() -> None:
    cases = [(p.name, p.read_bytes()) for p in sorted((ROOT / "tests/data/seeds").glob("*.txt"))]
    for name in ("text_tabs", "text_pipes_markdown", "text_cells", "text_cells_blank_lines"):
        data, filename = LAYOUTS[name].render(sample_report(7))
        cases.append((f"{name}/{filename}", data))
    print(f"{'case':44} {'cold ms':>8} {'warm ms':>8} {'reader ms':>9} {'cold/reader':>11}")
    totals = [0.0, 0.0, 0.0]
    for name, data in cases:
        doc = read_document(data, name)
        reader = best(lambda: read_document(data, name))
        c, w = best(lambda: cold(doc)), best(lambda: build_record(doc))
        totals = [totals[0] + c, totals[1] + w, totals[2] + reader]
        print(f"{name:44} {c * 1000:8.2f} {w * 1000:8.2f} {reader * 1000:9.3f} {c / reader:10.1f}x")
    n = len(cases)
    print(f"{'mean':44} {totals[0] / n * 1000:8.2f} {totals[1] / n * 1000:8.2f} {totals[2] / n * 1000:9.3f}"
          f" {totals[0] / totals[2]:10.1f}x")


if __name__ == "__main__":
    main()
