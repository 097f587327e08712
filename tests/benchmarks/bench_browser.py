"""The browser path's cost: the same crawl with and without Chromium, and Chromium's memory.

    .venv/bin/python tests/benchmarks/bench_browser.py [--pages 200]

Builds the TRS-style portal of ``bench_crawl.py`` (N generated report pages, ~36 KB each,
behind N/20 listing pages), serves it from a separate process, and crawls it in one run:

1. ``nianbao crawl`` as usual: plain Scrapy for every page (Chromium never starts);
2. the same site with ``render = true`` on the source: every listing page is rendered
   in Chromium (its pager walked) and every report page rendered after its plain fetch;
3. a script-built column of the same reports (an empty list filled from JSON pages by a
   script pager, ``tests/sites/scripted.py`` style): the generic browser path for lists.

Each crawl is a first crawl into a fresh SQLite archive (fetch + parse + archive), with
politeness off (a local server). Printed: reports archived a second (the same reports in
each run; the responses a second beside it), the ratio to run 1, CPU milliseconds a
report (the crawl and everything under it, Chromium included: on a shared machine the
wall clock follows the other load, CPU time does not), and the peaks of the summed RSS
and PSS (shared pages counted once) of the Chromium processes under the crawl, sampled
with psutil every 0.2 s.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_crawl import COMMON, PER_LISTING, build_site, start_server  # noqa: E402

COLUMN_SCRIPT = """<script>
function go(p) { var x = new XMLHttpRequest(); x.open('GET', 'api/list_' + p + '.json');
  x.onload = function () { var d = JSON.parse(x.responseText);
    document.getElementById('list').innerHTML = d.items.map(function (i) {
      return '<li><a href="' + i.url + '">' + i.title + '</a></li>'; }).join('');
    document.getElementById('pager').innerHTML = d.page < d.pages
      ? '<a href="javascript:;" onclick="go(' + (d.page + 1) + ')">下一页</a>' : '<span class="disabled">下一页</span>'; };
  x.send(); }
go(1);
</script>"""


def build_scripted_column(site: Path, pages: int) -> None:
    """A script-built column over the same report pages (``/zwgk/js/index.html``)."""
    items = [{"url": f"../gknb/{i // 500:03d}/t{i}.html", "title": f"示例{i}县公安局2023年政府信息公开工作年度报告"}
             for i in range(pages)]
    column = site / "zwgk" / "js"
    (column / "api").mkdir(parents=True, exist_ok=True)
    chunks = [items[i:i + PER_LISTING] for i in range(0, len(items), PER_LISTING)]
    for n, chunk in enumerate(chunks, start=1):
        (column / "api" / f"list_{n}.json").write_text(json.dumps(
            {"page": n, "pages": len(chunks), "items": chunk}, ensure_ascii=False), encoding="utf-8")
    (column / "index.html").write_text(
        '<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body>'
        '<ul id="list" class="list"></ul><div id="pager"></div>' + COLUMN_SCRIPT + "</body></html>", encoding="utf-8")


class ChromiumWatch:
    """Peaks of the summed RSS and PSS of the Chromium processes under a process (a thread samples)."""

    def __init__(self, pid: int):
        self.pid = pid
        self.peak_rss = self.peak_pss = 0
        self.seen = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from crawler.browser import chromium_memory

        while not self._stop.is_set():
            rss, pss = chromium_memory(self.pid)
            self.seen = self.seen or rss > 0
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            time.sleep(0.2)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def crawl(base: str, start: str, tmp: Path, name: str, render: bool) -> dict:
    sources = tmp / f"{name}.toml"
    sources.write_text(f'[[source]]\nname = "{name}"\nstart_urls = ["{base}{start}"]\nmax_pages = 100000\n'
                       + ("render = true\n" if render else ""), encoding="utf-8")
    db = f"sqlite:///{tmp / (name + '.db')}"
    command = [sys.executable, "-c", "from crawler.cli import main; main()", "crawl", "--sources", str(sources),
               "--db", db, "--json", *COMMON, "-s", "NIANBAO_PROGRESS_INTERVAL=0"]
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, NIANBAO_STATE_DIR=str(tmp / "state")))
    watch = ChromiumWatch(proc.pid)
    out, err = proc.communicate()
    watch.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{name} failed:\n{err[-3000:]}")
    summary = json.loads(out[out.index("{"):])
    return {"pages": summary["pages"], "elapsed": summary["elapsed"], "rate": summary["pages"] / summary["elapsed"],
            "new": summary["events"].get("new", 0), "browser": summary.get("browser", {}),
            "chromium_rss": watch.peak_rss / 2**20, "chromium_pss": watch.peak_pss / 2**20,
            "chromium_seen": watch.seen, "load": load, "cpu": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-browser-") as name:
        tmp = Path(name)
        site = tmp / "site"
        build_site(site, args.pages)
        build_scripted_column(site, args.pages)
        print(f"site: {args.pages} report pages + {args.pages // PER_LISTING} listings; {os.cpu_count()} cores")
        server, base = start_server(site)
        try:
            runs = [("plain Scrapy path", crawl(base, "/zwgk/gknb/index.html", tmp, "plain", False)),
                    ("render = true", crawl(base, "/zwgk/gknb/index.html", tmp, "render", True)),
                    ("script-built column", crawl(base, "/zwgk/js/index.html", tmp, "scripted", False))]
        finally:
            server.terminate()
        baseline = runs[0][1]["new"] / runs[0][1]["elapsed"]
        base_cpu = runs[0][1]["cpu"] / max(runs[0][1]["new"], 1)
        for label, r in runs:
            rate = r["new"] / r["elapsed"]
            cpu = r["cpu"] / max(r["new"], 1)
            memory = (f"peak RSS sum {r['chromium_rss']:.0f} MB, PSS sum {r['chromium_pss']:.0f} MB"
                      if r["chromium_seen"] else "never started")
            print(f"{label:<20} {r['new']:>4} reports in {r['elapsed']:6.1f} s = {rate:5.2f} reports/s "
                  f"({r['pages']} responses, {r['rate']:.1f}/s), ratio {rate / baseline:.2f}; "
                  f"CPU {1000 * cpu:.0f} ms a report (ratio {base_cpu / cpu:.2f}); Chromium {memory}; "
                  f"browser {r['browser']} (load average {r['load']:.1f})")

if __name__ == "__main__":
    main()
