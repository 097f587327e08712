"""CLI commands of the crawler: ``crawl``, ``sources list|add|check``, ``watch``, ``demo``."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import click

from archive.command import db_option, open_or_fail, user_errors
from crawler.sources import (
    Source, SourcesError, add_source, default_sources_path, load_sources, name_from_url, select,
)

logger = logging.getLogger(__name__)

_SOURCES_OPTION = click.option(
    "--sources", "sources_file", type=click.Path(dir_okay=False), envvar="NIANBAO_SOURCES",
    help="Sources file (TOML). Default: $NIANBAO_SOURCES, else the list shipped with nianbao.")


class UsageProblem(click.ClickException):
    """A usage error in one line (exit status 2, as click's own usage errors): a bad
    sources file, an unknown source name."""

    exit_code = 2


class SomeFailed(click.ClickException):
    """Exit status 1 after the work was done and reported: some sources failed (the
    lines above say which)."""

    def show(self, file=None) -> None:
        pass  # the failures were reported already, one line each


def _load(sources_file: str | None, names=()) -> list[Source]:
    try:
        return select(load_sources(sources_file), list(names))
    except SourcesError as exc:
        raise UsageProblem(str(exc)) from None


def _log_detail() -> bool:
    """Whether the user asked for the log (``-v`` / ``--log-level`` on ``nianbao``)."""
    ctx = click.get_current_context(silent=True)
    return True if ctx is None else bool(ctx.find_root().meta.get("nianbao.log_detail"))


def report_failures(summary: dict) -> list[str]:
    """One line on stderr per source that could not be crawled; the names of those sources."""
    failed = []
    for name, src in summary["sources"].items():
        if src.get("failed"):
            click.echo(f"source {name}: {src['failed']}", err=True)
            failed.append(name)
    return failed


def _parse_overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not re.fullmatch(r"[A-Z][A-Z0-9_]*", name.strip()):
            raise click.BadParameter(f"{pair!r}: expected NAME=VALUE (a Scrapy setting, e.g. DOWNLOAD_DELAY=2)",
                                     param_hint="-s")
        out[name.strip()] = value
    return out


def _state_dir() -> Path:
    from crawler.holds import state_dir

    return state_dir()


def default_jobdir(db_url: str, sources_file: str | None, names) -> Path:
    """Where a crawl of these sources into this archive keeps its frontier (for ``--resume``)."""
    key = "\n".join([db_url, str(Path(sources_file).resolve()) if sources_file else "default", *sorted(names)])
    return _state_dir() / "jobs" / hashlib.sha1(key.encode()).hexdigest()[:12]


def build_settings(*, sources_file=None, names=(), db=None, overrides=None, jobdir=None, redis_url=None,
                   redis_key="nianbao"):
    """The Scrapy settings of one crawl: crawler/settings.py, then these options, then ``-s`` pairs."""
    from scrapy.settings import Settings

    from archive.db import database_url

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    values: dict = {"NIANBAO_DB": database_url(db), "NIANBAO_SOURCE_NAMES": list(names)}
    if sources_file:
        values["NIANBAO_SOURCES_FILE"] = str(sources_file)
    if redis_url:
        from crawler.redis_scheduler import redis_settings

        values.update(redis_settings(redis_url, redis_key))
    elif jobdir:
        values["JOBDIR"] = str(jobdir)
    root = logging.getLogger().getEffectiveLevel()
    # Without -v a crawl prints one line per failed source and its summary, not Scrapy's log.
    values["LOG_LEVEL"] = (logging.getLevelName(max(min(root, logging.WARNING), logging.DEBUG)) if _log_detail()
                           else "CRITICAL")
    if not _log_detail() and not sys.stderr.isatty():
        # Progress lines only on a terminal (or with -v): a cron log gets the failures and the summary.
        values["NIANBAO_PROGRESS_INTERVAL"] = 0
    settings.setdict(values, priority="cmdline")
    overrides = overrides or {}
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    if "NIANBAO_CONTACT_URL" in overrides and "USER_AGENT" not in overrides:
        settings.set("USER_AGENT", f"nianbao/0.1 (annual-report archive; +{overrides['NIANBAO_CONTACT_URL']})",
                     priority="cmdline")
    return settings


def run_crawl(settings) -> dict:
    """Run one crawl in this process (the Twisted reactor runs once per process); its summary."""
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.reports import ReportsSpider

    # Open (and migrate) the archive first: Alembic's env.py reconfigures logging, which
    # must happen before Scrapy installs its log handler at the chosen LOG_LEVEL.
    open_or_fail(settings.get("NIANBAO_DB"))  # unreachable server, foreign file: one line, exit 1
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ReportsSpider)
    process.crawl(crawler)
    from crawler.failures import NetworkTracebackFilter

    # Scrapy (re)installs its log handler as the crawl starts; from then on: no traceback
    # for a network error, ever (the message stays).
    for handler in logging.getLogger().handlers:
        handler.addFilter(NetworkTracebackFilter())
    process.start()
    from crawler.bookkeeping import Bookkeeping

    try:
        book = crawler.get_extension(Bookkeeping)
    except RuntimeError:  # the crawl did not even start
        book = None
    summary = book.summary if book is not None else None
    if summary is None:
        raise click.ClickException("the crawl did not run to its end (run with -v to see its log)")
    summary["finish_reason"] = crawler.stats.get_value("finish_reason")
    return summary


def print_summary(summary: dict, as_json: bool) -> None:
    """The end-of-crawl summary: totals, events, and one line per source."""
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=1, default=str))
        return
    ev = summary["events"]
    click.echo(f"crawl {summary.get('finish_reason') or 'ended'}: {summary['pages']} pages, "
               f"{summary['archived']} documents archived, {summary['not_modified']} not modified (304), "
               f"{summary['not_due']} not due, {summary['parse_errors']} parse errors, {summary['errors']} errors"
               + (f", {summary['ocr_documents']} scans read by OCR ({summary.get('ocr_pages', 0)} pages)"
                  if summary.get("ocr_documents") else ""))
    click.echo("events: " + (", ".join(f"{k} {v}" for k, v in sorted(ev.items())) or "none"))
    for name, src in summary["sources"].items():
        if src["blocked"]:
            status = f"BLOCKED ({src['blocked']})"
        elif src["complete"]:
            status = "complete"
        else:
            status = f"incomplete ({src['incomplete_reason'] or 'distributed run'})"
        if src.get("failed") and not src["blocked"]:
            status = f"FAILED ({src['failed']})"
        events = ", ".join(f"{k} {v}" for k, v in sorted(src["events"].items())) or "no events"
        click.echo(f"  {name}: {src['pages']} pages, {src.get('reports', 0)} reports listed, "
                   f"{src['errors']} errors, {events} — {status}")
    failed = [name for name, src in summary["sources"].items() if src.get("failed")]
    if failed:
        click.echo(f"failed: {len(failed)} of {len(summary['sources'])} sources ({', '.join(failed)})")


@click.command()
@_SOURCES_OPTION
@click.option("--source", "names", multiple=True, metavar="NAME", help="Crawl only this source (repeatable).")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy or nianbao setting, as `scrapy crawl -s` does (repeatable).")
@db_option
@click.option("--jobdir", type=click.Path(file_okay=False), help="Keep the frontier here (resume from it if present).")
@click.option("--resume", is_flag=True, help="Resume the interrupted crawl of these sources into this archive.")
@click.option("--redis", "redis_url", metavar="URL", help="Share the frontier with other workers in Redis (scrapy-redis).")
@click.option("--redis-key", default="nianbao", show_default=True, help="Key prefix of the shared frontier in Redis.")
@click.option("--redis-fresh", is_flag=True, help="Clear the shared frontier first (once, before starting the workers).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def crawl(sources_file, names, overrides, db_url, jobdir, resume, redis_url, redis_key, redis_fresh, as_json):
    """Crawl the sources' portals: discover the annual-report columns, fetch new and changed
    reports, archive them (versions and events), and report what happened per source.

    With no arguments it crawls the sources shipped with nianbao into the default archive.
    A progress line is written to stderr, and one line per source that could not be
    crawled (`source NAME: cannot resolve host …`; the log with `nianbao -v crawl`); the
    summary to stdout (--json: per source pages, reports, events, errors, complete).
    Exit status 0 when every source was crawled, 1 when some failed, 2 for a usage error.
    An interrupted crawl can be continued with --resume. Many workers (on many machines)
    share one crawl with --redis and one PostgreSQL archive with --db.

    \b
    Examples:
      nianbao crawl
      nianbao crawl --sources my.toml --source beijing-gaj -s DOWNLOAD_DELAY=3
      nianbao crawl --resume
      nianbao crawl --redis redis://queue:6379/0 --db postgresql://archive/nianbao
    """
    from archive.db import database_url

    _load(sources_file, names)  # fail early, with one line, on a bad sources file or name
    settings_overrides = _parse_overrides(overrides)
    own_jobdir = None
    if not redis_url and not jobdir:
        own_jobdir = default_jobdir(database_url(db_url), sources_file, names)
        if own_jobdir.exists() and not resume:
            shutil.rmtree(own_jobdir)
        elif resume and not own_jobdir.exists():
            click.echo("nothing to resume: starting a new crawl", err=True)
        jobdir = own_jobdir
    if redis_url and redis_fresh:
        from crawler.redis_scheduler import reset

        reset(redis_url, redis_key)
    settings = build_settings(sources_file=sources_file, names=names, db=db_url, overrides=settings_overrides,
                              jobdir=jobdir, redis_url=redis_url, redis_key=redis_key)
    try:
        summary = run_crawl(settings)
    except SourcesError as exc:
        raise UsageProblem(str(exc)) from None
    finished = summary.get("finish_reason") == "finished"
    if own_jobdir is not None and finished:
        shutil.rmtree(own_jobdir, ignore_errors=True)
    elif own_jobdir is not None:
        click.echo(f"crawl interrupted ({summary.get('finish_reason')}): continue it with --resume", err=True)
    failed = report_failures(summary)
    print_summary(summary, as_json)
    if failed or not finished:
        raise SomeFailed("some sources failed")


@click.group()
def sources():
    """The sources file: list, add or check portals to crawl.

    \b
    Examples:
      nianbao sources list
      nianbao sources add https://gaj.example.gov.cn/ --agency 某市公安局 --sources my.toml
      nianbao sources check beijing-gaj
    """


@sources.command("list")
@_SOURCES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def sources_list(sources_file, as_json):
    """List the sources (name, agency, start URLs).

    \b
    Example:
      nianbao sources list --json
    """
    found = _load(sources_file)
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in found], ensure_ascii=False, indent=1))
        return
    click.echo(f"# {len(found)} sources from {sources_file or default_sources_path()}")
    for s in found:
        label = " · ".join(x for x in (s.agency, s.region) if x)
        click.echo(f"{s.name}\t{label or '-'}\t{' '.join(s.start_urls)}")


@sources.command("add")
@click.argument("url")
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False), envvar="NIANBAO_SOURCES",
              help="The sources file to add to (created if missing; default $NIANBAO_SOURCES).")
@click.option("--name", help="Source name (default: made from the host name).")
@click.option("--agency", help="The agency, when the whole site is one agency's.")
@click.option("--region", help="The region (e.g. 北京市).")
@click.option("--allow", multiple=True, help="URL pattern (regex) followed URLs must match (repeatable).")
@click.option("--deny", multiple=True, help="URL pattern (regex) never followed (repeatable).")
@click.option("--max-pages", type=int, help="Listing pages walked per column.")
def sources_add(url, sources_file, name, agency, region, allow, deny, max_pages):
    """Add a portal by its URL alone (a home page or its annual-report column).

    \b
    Example:
      nianbao sources add https://gaj.example.gov.cn/ --agency 某市公安局 --sources my.toml
    """
    if not sources_file:
        raise click.ClickException(
            "give the file to add to with --sources FILE or $NIANBAO_SOURCES (the list shipped with "
            "nianbao is read-only; `nianbao crawl --sources FILE` then crawls yours)")
    from crawler.sources import DEFAULT_MAX_PAGES

    source = Source(name=name or name_from_url(url), start_urls=[url], agency=agency, region=region,
                    allow=list(allow), deny=list(deny), max_pages=max_pages or DEFAULT_MAX_PAGES)
    with user_errors(SourcesError):
        add_source(sources_file, source, comment="added with `nianbao sources add` (status: unchecked)")
    click.echo(f"added {source.name} to {sources_file}; check it with: nianbao sources check {source.name} "
               f"--sources {sources_file}")


@sources.command("check")
@click.argument("targets", nargs=-1, required=True, metavar="NAME|URL...")
@_SOURCES_OPTION
@click.option("--timeout", default=30.0, show_default=True, help="Seconds to wait for each page.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def sources_check(targets, sources_file, timeout, as_json):
    """Fetch each source's start page and say what discovery found there.

    Exit status 0 when every start page led somewhere, 1 when some failed (one line each
    on stderr), 2 for a usage error.

    \b
    Examples:
      nianbao sources check beijing-gaj
      nianbao sources check https://www.example.gov.cn/zwgk/
    """
    from crawler.check import check_url

    agent = build_settings().get("USER_AGENT")
    urls: list[tuple[str, str]] = []
    known = None
    for target in targets:
        if re.match(r"https?://", target):
            urls.append((target, target))
            continue
        known = known if known is not None else {s.name: s for s in _load(sources_file)}
        if target not in known:
            raise UsageProblem(f"no source named {target!r} (see `nianbao sources list`)")
        urls += [(target, u) for u in known[target].start_urls]
    results = []
    for label, url in urls:
        result = check_url(url, agent, timeout)
        results.append((label, result))
    failed = False
    for label, r in results:
        problem = r.error or (None if (r.columns or r.reports or r.hubs) else
                              "nothing that leads to annual reports on its start page")
        if problem:
            click.echo(f"source {label}: {problem}" if label != r.url else f"{r.url}: {problem}", err=True)
            failed = True
    if as_json:
        click.echo(json.dumps([dict(r.to_dict(), source=label) for label, r in results], ensure_ascii=False, indent=1))
    else:
        _print_checks(results)
    if failed:
        raise SomeFailed("some sources failed the check")


def _print_checks(results) -> None:
    for label, r in results:
        click.echo(f"{label}: {r.url}")
        if r.error:
            click.echo(f"  ✗ {r.error}")
            continue
        click.echo(f"  HTTP {r.status}, encoding {r.encoding}")
        for heading, items in (("annual-report columns", r.columns), ("report links", r.reports),
                               ("year folders", r.year_folders), ("disclosure hubs", r.hubs),
                               ("pagination", r.pagination)):
            click.echo(f"  {heading}: {len(items)}")
            for item in items[:8]:
                click.echo(f"    {item}")
        if not (r.columns or r.reports or r.hubs):
            click.echo("  ✗ nothing that leads to annual reports: give the column's URL as start URL")


@sources.command("confirm")
@click.argument("name")
@db_option
def sources_confirm(name, db_url):
    """Release a source put on hold for adding too many new reports in one crawl.

    A person has looked at the portal and finds its reports genuine: the next crawl of
    the source goes on without the bound on new reports (once), and raises its events.

    \b
    Example:
      nianbao sources confirm wenzhou --db postgresql://archive/nianbao
    """
    from archive.db import database_url
    from crawler import holds

    entry = holds.confirm(database_url(db_url), name)
    if entry is None:
        held = ", ".join(sorted(holds.load(database_url(db_url)))) or "none"
        raise click.ClickException(f"no hold on {name!r} for this archive (sources on hold: {held})")
    click.echo(f"{name}: confirmed (on hold since {entry['since']}: {entry['reason']}); "
               "its next crawl goes on without the bound")


_EVERY = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd]?)$")


def parse_every(text: str) -> float:
    """``6h`` → 21600.0 seconds (s, m, h, d; plain numbers are seconds)."""
    match = _EVERY.match(text.strip().lower())
    if not match:
        raise click.BadParameter(f"{text!r}: expected a duration like 30m, 6h or 1d", param_hint="--every")
    value = float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    if value < 60:
        raise click.BadParameter("at least 60 seconds between crawls, to stay polite", param_hint="--every")
    return value


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--every", default="6h", show_default=True, help="Time between the starts of two crawls (30m, 6h, 1d).")
@click.option("--times", type=int, default=0, help="Stop after this many crawls (0: never).")
@click.pass_context
def watch(ctx, every, times):
    """Crawl periodically: each run is `nianbao crawl` with the other options given here.

    Each crawl runs in its own process (a failing crawl is reported and the next one
    still runs). With --times, the exit status is 1 when any of the runs failed.
    For production a cron job or systemd timer is sturdier (docs/crawling.md).

    \b
    Example:
      nianbao watch --every 6h --db postgresql://archive/nianbao
    """
    interval = parse_every(every)
    runs = failures = 0
    log_args = ctx.find_root().meta.get("nianbao.log_args", [])
    while True:
        started = time.monotonic()
        command = [sys.executable, "-c", "from crawler.cli import main; main()", *log_args, "crawl", *ctx.args]
        click.echo(f"[{time.strftime('%Y-%m-%d %H:%M:%S')}] starting a crawl", err=True)
        code = subprocess.call(command)
        if code == 2:
            raise UsageProblem("the crawl's options are wrong (see above); not repeating it")
        if code:
            failures += 1
            click.echo(f"[{time.strftime('%Y-%m-%d %H:%M:%S')}] the crawl exited with status {code} "
                       f"(some sources failed, see above); the next one runs as planned", err=True)
        runs += 1
        if times and runs >= times:
            if failures:
                raise SomeFailed("some crawls failed")
            return
        pause = max(0.0, interval - (time.monotonic() - started))
        click.echo(f"next crawl in {pause / 60:.0f} min", err=True)
        time.sleep(pause)


@click.command()
@click.option("--db", help="Archive URL (default: a fresh SQLite file in a temporary directory).")
@click.option("--json", "as_json", is_flag=True, help="Print the crawl summary as JSON.")
def demo(db, as_json):
    """Serve the bundled sample portal on 127.0.0.1, crawl it into a fresh archive, and show
    what was found — the whole job without a network.

    \b
    Example:
      nianbao demo
    """
    import tempfile

    from crawler.sample_portal import serve

    tmp = tempfile.mkdtemp(prefix="nianbao-demo-")
    db = db or f"sqlite:///{Path(tmp) / 'demo.db'}"
    server, base = serve()
    try:
        sources_file = Path(tmp) / "sources.toml"
        add_source(sources_file, Source(name="sample-portal", start_urls=[base + "/"], region="示例市"),
                   comment="the sample portal bundled with nianbao, served locally")
        click.echo(f"serving the sample portal at {base}/ — crawling it into {db}", err=True)
        settings = build_settings(sources_file=str(sources_file), db=db, jobdir=Path(tmp) / "job", overrides={
            "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0.05, "NIANBAO_PROGRESS_INTERVAL": 2,
            "NIANBAO_RETRY_BACKOFF": 0.2})
        summary = run_crawl(settings)
    finally:
        server.shutdown()
    failed = report_failures(summary)
    print_summary(summary, as_json)
    if not as_json:
        _show_reports(db)
    if failed:
        raise SomeFailed("the sample portal could not be crawled")


def _show_reports(db: str) -> None:
    """The reports now in the demo archive."""
    from archive.db import open_archive
    from archive.queries import list_reports

    with open_archive(db, readonly=True)() as session:
        reports = list_reports(session)
    click.echo(f"\nreports in the archive ({len(reports)}):")
    for record in reports:
        agency, year = record["agency"], record["year"]
        facts = record.get("facts", {})
        violations = record.get("violations", [])
        click.echo(f"  {agency} {year}: template {record.get('template')}, {len(facts)} figures, "
                   f"{len(violations)} arithmetic problems — requests received "
                   f"{facts.get('requests/new/total', '?')}")
    click.echo(f"\nexplore it: nianbao reports --db {db}")


commands = [crawl, sources, watch, demo]
