"""Hostile documents: worst parse time and peak memory (a script, not collected by pytest).

    .venv/bin/python tests/benchmarks/bench_hostile.py

Each document of tests/parsers/hostile.py is parsed in a fresh process (so that its peak
RSS is its own); the figures are the parse time (imports excluded) and the process's
peak RSS, against a baseline process that parses one ordinary generated HTML report.
Target (issue 10): every one within 30 s and well under 1 GB.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHILD = r"""
import json, resource, sys, time
sys.path[:0] = [{root!r}, {tests!r}]
import parsers
from parsers.formats import html  # noqa: F401 - imports paid before the clock starts
import trafilatura, docx, pdfplumber, pypdfium2  # noqa: F401,E401
name = sys.argv[1]
if name == "baseline":
    from layouts import LAYOUTS, sample_report
    data, file_name = LAYOUTS["html_utf8"].render(sample_report(1))
else:
    from hostile import HOSTILE
    data, file_name = HOSTILE[name]()
started = time.perf_counter()
try:
    record = parsers.parse(data, file_name)
    outcome = "record (" + record.template + ")"
except parsers.ParseError as exc:
    outcome = type(exc).__name__
seconds = time.perf_counter() - started
print(json.dumps(dict(bytes=len(data), seconds=seconds, outcome=outcome,
                      rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""


def run(name: str) -> dict:
    code = CHILD.format(root=str(ROOT), tests=str(ROOT / "tests" / "parsers"))
    done = subprocess.run([sys.executable, "-c", code, name], capture_output=True, text=True, timeout=300)
    if done.returncode:
        return dict(bytes=0, seconds=float("nan"), outcome=f"CRASH {done.stderr.strip()[-200:]}", rss_mb=float("nan"))
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    sys.path.insert(0, str(ROOT / "tests" / "parsers"))
    from hostile import HOSTILE

    base = run("baseline")
    print(f"{'baseline (one HTML report)':28s} {base['bytes']:>11,} B {base['seconds'] * 1000:8.1f} ms "
          f"{base['rss_mb']:7.1f} MB  {base['outcome']}")
    results = {}
    for name in HOSTILE:
        r = results[name] = run(name)
        print(f"{name:28s} {r['bytes']:>11,} B {r['seconds'] * 1000:8.1f} ms {r['rss_mb']:7.1f} MB  {r['outcome']}",
              flush=True)
    worst_time = max(results, key=lambda n: results[n]["seconds"])
    worst_rss = max(results, key=lambda n: results[n]["rss_mb"])
    print(f"\n{len(results)} hostile documents; worst time {results[worst_time]['seconds']:.2f} s ({worst_time}), "
          f"worst peak RSS {results[worst_rss]['rss_mb']:.0f} MB ({worst_rss}; baseline process "
          f"{base['rss_mb']:.0f} MB, ratio {results[worst_rss]['rss_mb'] / base['rss_mb']:.2f}); target 30 s, 1 GB")


if __name__ == "__main__":
    main()
