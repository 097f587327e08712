"""Crawl throughput and memory: nianbao's full crawl vs plain Scrapy on the same local site.

    .venv/bin/python tests/benchmarks/bench_crawl.py [--pages 2000] [--memory-pages 20000]

Builds a TRS-style portal of N report pages (generated consistent reports, ~30 KB each)
behind one annual-report column of N/20 listing pages, serves it from a separate process,
and measures in one run:

1. plain Scrapy fetching every page with no processing (the baseline, run before and
   after the first crawls: their mean is the baseline, the two say how much the load drifted);
2. ``nianbao crawl`` first crawl: fetch + parse (process pool) + archive (SQLite), with
   one write transaction a document (``NIANBAO_ARCHIVE_BATCH=1``) and as configured
   (batched), each into a fresh archive; the ratio to plain Scrapy's pages/s is the
   figure issue 12 sets a target for (>= 0.3);
3. ``nianbao crawl`` again, unchanged: conditional requests, 304s, nothing parsed;
4. peak RSS of the crawling process at N pages and at ``--memory-pages`` pages of a
   light site (one-paragraph pages: fast to parse, so that 20,000 pages take minutes;
   parsing runs in the worker processes and does not grow with the crawl), frontier on
   disk in JOBDIR.

Pages/s are the crawl's own figures (spider open to close, over all responses). The
politeness settings are turned off for both (a local server): the ratio is the cost of
the processing, not of the delays. On a shared machine wall-clock rates follow the other
load (the load average is printed with each run); CPU milliseconds a page (the crawl
process and its parse workers, not the server) do not, so the CPU ratio is printed too.
The workers' CPU milliseconds of parsing and archiving are printed beside their wall-clock
ones (the difference is waiting for a core), and the whole command's wall time (start-up,
the archive's migration and the parsers' imports for the forked workers come before the
spider opens, outside its pages/s).

Compile the project's bytecode first (``python -m compileall crawler archive parsers``) when
``PYTHONDONTWRITEBYTECODE`` is set: otherwise every process compiles the sources it imports.
Issue 12's runs (Nov 2026, 2 shared cores, load 1.3-2.1, alternating with the code before the
forked parse pool): batched first crawl 0.28-0.33 before, 0.32-0.40 after; docs/crawling.md.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "parsers"))
PER_LISTING = 20
COMMON = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS=16",
          "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "LOG_LEVEL=WARNING"]


LIGHT_PAGE = ('<html><head><meta charset="utf-8"><title>示例市公安局2023年政府信息公开工作年度报告</title></head>'
              "<body><h1>示例市公安局2023年政府信息公开工作年度报告</h1><p>本报告正文见附件（示例）。</p></body></html>")


def build_site(root: Path, pages: int, light: bool = False) -> None:
    """A column of ``pages`` reports: 40 rendered layouts, agency names varied per page.

    ``light``: one-paragraph pages instead of full reports (parsed in a few ms, archived as
    documents that are no report), to measure the crawl's own memory over many pages fast.
    """
    from layouts import sample_report
    from layouts.render_html import html_bytes

    bases = []
    for seed in range(40):
        report = sample_report(seed, template="2021", agency="示例市公安局", year=2023)
        bases.append(LIGHT_PAGE if light else html_bytes(report).decode("utf-8"))
    column = root / "zwgk" / "gknb"
    column.mkdir(parents=True, exist_ok=True)
    items = []
    for i in range(pages):
        agency = f"示例{i}县公安局"
        folder = column / f"{i // 500:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"t{i}.html").write_text(bases[i % 40].replace("示例市公安局", agency), encoding="utf-8")
        title = f"{agency}2023年政府信息公开工作年度报告"
        items.append(f'<li><a href="./{i // 500:03d}/t{i}.html" title="{title}">{title}</a><span>2024-01-20</span></li>')
    listings = [items[i:i + PER_LISTING] for i in range(0, len(items), PER_LISTING)]
    for n, chunk in enumerate(listings):
        name = "index.html" if n == 0 else f"index_{n}.html"
        (column / name).write_text(
            '<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body><ul class="list">'
            + "".join(chunk) + f'</ul><script>createPageHTML({len(listings)}, {n}, "index", "html");</script>'
            "</body></html>", encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /admin/\n", encoding="utf-8")


def start_server(root: Path) -> tuple[subprocess.Popen, str]:
    code = ("import sys,time;from crawler.sample_portal import serve;"
            f"s,b=serve(r'{root}');print(b,flush=True);time.sleep(10**6)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


PLAIN_SPIDER = '''
import json, sys, time
import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor

class Plain(scrapy.Spider):
    """Fetch the column, its listing pages and every report page; no processing at all."""
    name = "plain"
    start_urls = [sys.argv[1]]
    links = LinkExtractor(allow=r"/zwgk/gknb/")

    def parse(self, response):
        if "/index" in response.url:
            import re
            m = re.search(r"createPageHTML\\((\\d+), 0,", response.text)
            if m:
                for n in range(1, int(m.group(1))):
                    yield response.follow(f"index_{n}.html")
            for link in self.links.extract_links(response):
                yield response.follow(link.url)

settings = {"ROBOTSTXT_OBEY": True, "LOG_LEVEL": "WARNING", "REMOTE_CONTROL_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0,
            "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 16}
process = CrawlerProcess(settings)
crawler = process.create_crawler(Plain)
process.crawl(crawler)
process.start()
stats = crawler.stats.get_stats()
print(json.dumps({"pages": stats.get("response_received_count", 0), "elapsed": stats["elapsed_time_seconds"]}))
'''


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


LAST_WALL = [0.0]  # wall-clock seconds of the last command run, start-up and exit included


def run(command: list[str], env: dict | None = None) -> tuple[str, float, int]:
    """Run a command; (stdout, CPU seconds of it and its children, peak RSS in MB of the crawling process)."""
    cpu = _cpu()
    started = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, **(env or {})))
    out, err = proc.communicate()
    LAST_WALL[0] = time.monotonic() - started
    if proc.returncode:
        raise SystemExit(f"{command[:4]} failed:\n{err[-3000:]}")
    return out, _cpu() - cpu, _peak_rss(err)


def _peak_rss(stderr: str) -> int:
    match = re.findall(r"PEAK_RSS_MB=(\d+)", stderr)
    return int(match[-1]) if match else 0


# Reports the crawling process's own VmHWM (peak RSS) at exit, to stderr.
RSS_HOOK = ("import atexit,sys\n"
            "def _r():\n"
            "    for l in open('/proc/self/status'):\n"
            "        if l.startswith('VmHWM'): sys.stderr.write('PEAK_RSS_MB=%d\\n' % (int(l.split()[1])//1024))\n"
            "atexit.register(_r)\n")


def plain(base: str) -> dict:
    load = os.getloadavg()[0]
    out, cpu, rss = run([sys.executable, "-c", RSS_HOOK + PLAIN_SPIDER, base + "/zwgk/gknb/index.html"])
    result = json.loads(out.strip().splitlines()[-1])
    result.update(rate=result["pages"] / result["elapsed"], rss=rss, cpu_ms=1000 * cpu / result["pages"], load=load)
    return result


def nianbao(base: str, db: str, tmp: Path, extra: list[str] = ()) -> dict:
    sources = tmp / "bench.toml"
    sources.write_text(f'[[source]]\nname = "bench"\nstart_urls = ["{base}/zwgk/gknb/index.html"]\n'
                       "max_pages = 100000\nmax_new_reports = 1000000\n", encoding="utf-8")
    command = [sys.executable, "-c", RSS_HOOK + "from crawler.cli import main; main()", "crawl",
               "--sources", str(sources), "--db", db, "--json", *COMMON, "-s", "NIANBAO_PROGRESS_INTERVAL=0", *extra]
    load = os.getloadavg()[0]
    out, cpu, rss = run(command, env={"NIANBAO_STATE_DIR": str(tmp / "state")})
    summary = json.loads(out[out.index("{"):])
    return {"pages": summary["pages"], "elapsed": summary["elapsed"], "rate": summary["pages"] / summary["elapsed"],
            "rss": rss, "cpu_ms": 1000 * cpu / summary["pages"], "load": load, "wall": LAST_WALL[0],
            "events": summary["events"], "not_modified": summary["not_modified"],
            "archived": summary["archived"], "parse_errors": summary["parse_errors"],
            "work": summary.get("work_seconds", {})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--memory-pages", type=int, default=20000, help="0: skip the large memory run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as name:
        tmp = Path(name)
        site = tmp / "site"
        t = time.monotonic()
        build_site(site, args.pages)
        print(f"site: {args.pages} report pages + {args.pages // PER_LISTING} listings "
              f"(built in {time.monotonic() - t:.0f} s); {os.cpu_count()} cores")
        server, base = start_server(site)
        try:
            before = plain(base)
            print(f"plain Scrapy:          {before['pages']} pages in {before['elapsed']:.1f} s = "
                  f"{before['rate']:.1f} pages/s, {before['cpu_ms']:.1f} ms CPU a page, peak RSS "
                  f"{before['rss']} MB (load average {before['load']:.1f})")
            firsts = {}
            for label, extra in (("one document a transaction", ["-s", "NIANBAO_ARCHIVE_BATCH=1"]),
                                 ("batched", [])):
                db = f"sqlite:///{tmp / ('bench-' + str(len(firsts)) + '.db')}"
                first = firsts[label] = nianbao(base, db, tmp, extra)
                first["db"] = db
                print(f"nianbao first crawl, {label}: {first['pages']} pages in {first['elapsed']:.1f} s = "
                      f"{first['rate']:.1f} pages/s, {first['cpu_ms']:.1f} ms CPU a page, peak RSS {first['rss']} MB "
                      f"(events {first['events']}, parse errors {first['parse_errors']}, load average "
                      f"{first['load']:.1f}; the whole command {first['wall']:.1f} s)")
                work = first["work"]
                if work and first["archived"]:
                    n = first["archived"]
                    print(f"  per document in the workers: parse {1000 * work['parse'] / n:.0f} ms "
                          f"({1000 * work.get('parse_cpu', 0) / n:.0f} ms CPU), archive "
                          f"{1000 * work['archive'] / n:.0f} ms ({1000 * work.get('archive_cpu', 0) / n:.0f} ms "
                          f"CPU), waiting for the SQLite write lock {1000 * work['lock'] / n:.0f} ms")
            after = plain(base)
            print(f"plain Scrapy again:    {after['pages']} pages in {after['elapsed']:.1f} s = "
                  f"{after['rate']:.1f} pages/s (load average {after['load']:.1f})")
            base_rate = (before["rate"] + after["rate"]) / 2
            base_cpu = (before["cpu_ms"] + after["cpu_ms"]) / 2
            for label, first in firsts.items():
                print(f"first crawl / plain Scrapy, {label}: {first['rate'] / base_rate:.2f} pages/s ratio "
                      f"(target >= 0.3), CPU ratio {base_cpu / first['cpu_ms']:.2f}")
            again = nianbao(base, firsts["batched"]["db"], tmp)
            print(f"nianbao re-crawl:      {again['pages']} pages in {again['elapsed']:.1f} s = {again['rate']:.1f} "
                  f"pages/s ({again['not_modified']} not modified, {again['archived']} archived, events "
                  f"{again['events']}, {again['cpu_ms']:.1f} ms CPU a page, load average {again['load']:.1f}) "
                  f"— ratio {again['rate'] / base_rate:.2f} (CPU ratio {base_cpu / again['cpu_ms']:.2f})")
        finally:
            server.terminate()
        if args.memory_pages:
            # Memory as the crawl grows: the same light site at --pages and at --memory-pages.
            for n in (args.pages, args.memory_pages):
                light = tmp / f"light{n}"
                build_site(light, n, light=True)
                server, base = start_server(light)
                try:
                    run_ = nianbao(base, f"sqlite:///{tmp / f'light{n}.db'}", tmp)
                finally:
                    server.terminate()
                print(f"light pages, {run_['pages']:>6} pages: {run_['rate']:.1f} pages/s, peak RSS of the crawling "
                      f"process {run_['rss']} MB (frontier on disk in JOBDIR)")


if __name__ == "__main__":
    main()
