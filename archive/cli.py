"""Archive commands: `db upgrade|reparse`, `ingest`, `reports`, `history`, `diff`, `events`, `export`."""
from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from archive import db, labels, links
from archive.command import db_option, fail_on_archive_error, open_or_fail, user_errors
from archive.fetched import Fetched
from parsers.errors import ParseError

if TYPE_CHECKING:
    from parsers.record import Record

log = logging.getLogger(__name__)

MAX_DOWNLOAD = 64 * 1024 * 1024
FETCH_TIMEOUT = 30.0
# Database failures in a row after which `ingest` stops: the archive is down, not one file bad.
MAX_DATABASE_FAILURES = 5

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def _dump(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=1, default=str))


@contextlib.contextmanager
def _text_out(path: str):
    """A text file to write CSV to (newline="" as the csv module wants), or stdout for '-'."""
    if path == "-":
        with click.open_file("-", "w") as out:  # stdout, not closed after
            yield out
        return
    try:
        out = open(path, "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise click.ClickException(f"{path}: {exc.strerror}") from None
    with out:
        yield out


def region_option(help_text: str):
    """``--region CODE``: a prefix of an administrative code, checked."""
    def check(_ctx, _param, value: str | None) -> str | None:
        value = (value or "").strip() or None
        if value is not None and not (value.isdigit() and len(value) <= 12):
            raise click.BadParameter(f"{value!r} is not an administrative code prefix (digits, e.g. 11 or 110108)")
        return value
    return click.option("--region", callback=check, metavar="CODE", help=help_text)


# --- db ---------------------------------------------------------------------------------

@click.group("db")
def db_group() -> None:
    """Manage the archive database (schema upgrades, re-parsing).

    \b
    Example:
      nianbao db upgrade --db postgresql://postgres@127.0.0.1/nianbao
    """


@db_group.command("upgrade")
@db_option
def db_upgrade(db_url: str | None) -> None:
    """Create or upgrade the archive's tables to the newest schema (Alembic `upgrade head`).

    \b
    Example:
      NIANBAO_DB=sqlite:///archive.db nianbao db upgrade
    """
    url = db.database_url(db_url)
    fail_on_archive_error(db.upgrade, url)
    click.echo(f"archive at {db._safe(url)} is up to date")


@db_group.command("reparse")
@db_option
@click.option("--all", "everything", is_flag=True, help="Re-parse every version, not only older parsers' ones.")
@json_option
def db_reparse(db_url: str | None, everything: bool, as_json: bool) -> None:
    """Re-parse stored snapshots with the current parser; records are updated in place.

    Versions made by an older parser version get new records, text and cells; no
    `revised` events are made (the report did not change, the parser did). Documents
    stored unread (a scan before OCR was installed, an old .doc before LibreOffice) are
    read again; a report read so for the first time raises `new`.

    \b
    Example:
      nianbao db reparse --db sqlite:///nianbao.db
    """
    from archive import reparse

    Session = open_or_fail(db_url)
    show = not as_json and sys.stderr.isatty()

    def progress(counts: dict[str, int]) -> None:
        if show:
            click.echo(f"\r{counts['versions']} versions, {counts['documents']} documents", err=True, nl=False)

    counts = reparse.reparse(Session, everything=everything, progress=progress)
    if show:
        click.echo(err=True)
    if as_json:
        _dump(counts)
    else:
        click.echo(f"re-parsed {counts['versions']} versions, {counts['documents']} documents"
                   f" ({counts['failed']} failed); {counts['reread']} unread documents read now"
                   f" ({counts['unreadable']} still unreadable)")


# --- ingest ----------------------------------------------------------------------------------

def _fetch(url: str) -> tuple[bytes, str | None, str | None, str | None]:
    """GET ``url`` (timeout, size limit); bytes, content type, ETag, Last-Modified."""
    import httpx

    try:
        with httpx.stream("GET", url, timeout=FETCH_TIMEOUT, follow_redirects=True,
                          headers={"User-Agent": "nianbao (+https://github.com/nianbao)"}) as response:
            if response.status_code >= 400:
                raise click.ClickException(f"{url}: HTTP {response.status_code}")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_DOWNLOAD:
                    raise click.ClickException(f"{url}: larger than {MAX_DOWNLOAD:,} bytes")
                chunks.append(chunk)
            headers = response.headers
            return b"".join(chunks), headers.get("content-type"), headers.get("etag"), headers.get("last-modified")
    except httpx.HTTPError as exc:
        raise click.ClickException(f"{url}: {type(exc).__name__}: {exc}") from None


def _inputs(targets: tuple[str, ...]) -> list[str]:
    out = []
    for target in targets:
        if target.startswith(("http://", "https://")):
            out.append(target)
            continue
        path = Path(target)
        if path.is_dir():
            out.extend(str(p) for p in sorted(path.rglob("*")) if p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            out.append(str(path))
        else:
            raise click.ClickException(f"{target}: no such file, directory or http(s) URL")
    return out


# Documents archived in one transaction by `ingest` (a commit each cost more than the rest of a
# small document's archiving on PostgreSQL), and the longest it collects them before writing
# (real PDFs parse in seconds: the user sees results as they come, not at the end).
INGEST_BATCH = 50
INGEST_BATCH_SECONDS = 5.0


@dataclass
class _Prepared:
    """One target read and parsed, ready to archive."""

    target: str
    fetched: Fetched
    record: Record | None
    parse_error: str | None


def _prepare(target: str, *, agency: str | None, year: int | None, source: str | None) -> _Prepared:
    """Read (or download) and parse one target; a ClickException when it cannot be read."""
    from parsers import parse

    etag = last_modified = content_type = None
    if target.startswith(("http://", "https://")):
        data, content_type, etag, last_modified = _fetch(target)
        url = target
    else:
        path = Path(target)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise click.ClickException(f"{target}: {exc.strerror}") from None
        url = path.resolve().as_uri()
    record = parse_error = None
    try:
        record = parse(data, url)
    except ParseError as exc:
        parse_error = f"{type(exc).__name__}: {exc}"
    if record is not None:
        # Given on the command line, agency and year are the user's word: they override.
        if agency:
            record.agency = agency
        if year is not None:
            record.year = year
    fetched = Fetched(url=url, data=data, content_type=content_type, etag=etag, last_modified=last_modified,
                      source=source, agency=agency, year=year)
    return _Prepared(target, fetched, record, parse_error)


def _archive_prepared(Session, items: list[_Prepared]) -> list[tuple[list[dict], str | None]]:
    """Archive prepared targets in one transaction, in order; for each, its events and why
    it made no report (if so). Any failure rolls all of them back."""
    import sqlalchemy as sa

    from archive import ingest
    from archive.models import Document

    with Session.begin() as session:
        # Through the module's attribute, looked up at each call: the one code path of every
        # document (and the point where tests inject a fault into one document).
        made = [ingest.archive_document(session, item.fetched, record=item.record, parse_error=item.parse_error)
                for item in items]
        urls = [item.fetched.url for item in items]
        rows = {row.url: row for row in session.execute(
            sa.select(Document.url, Document.report_id, Document.parse_error)
            .where(Document.url.in_(sa.bindparam("urls", expanding=True))), {"urls": urls})}
    return [(events, rows[url].parse_error if rows[url].report_id is None else None)
            for events, url in zip(made, urls)]


def ingest_one(Session, target: str, *, agency: str | None, year: int | None,
               source: str | None = None) -> tuple[list[dict], str | None]:
    """Archive one file or URL in its own transaction; its events, and why it made no report (if so)."""
    item = _prepare(target, agency=agency, year=year, source=source)
    [(events, no_report)] = _archive_prepared(Session, [item])
    if item.parse_error:
        raise ParseError(f"{target}: {item.parse_error} (stored as a document)")
    return events, no_report


class _IngestRun:
    """What `ingest` has done so far: the counts, the events, and the lines it prints."""

    def __init__(self, as_json: bool):
        self.as_json = as_json
        self.events: list[dict] = []
        self.unparsed = self.failed = self.database_failures = 0

    def error(self, target: str, exc: Exception) -> None:
        """A target that was not archived: one line; stop once the database fails again and again."""
        if isinstance(exc, click.ClickException):  # not read or not downloaded: counted as unparsed
            self.unparsed += 1
            click.echo(f"error: {exc.format_message()}", err=True)
            return
        # A lost connection, a full disk, a bug on one hostile file: one line, and the next
        # file is tried (a dropped connection is opened again).
        from sqlalchemy.exc import DBAPIError

        self.failed += 1
        is_database = isinstance(exc, (DBAPIError, db.ArchiveError, OSError))
        self.database_failures = self.database_failures + 1 if is_database else 0
        click.echo(f"error: {target}: {db.error_line(exc) if is_database else _bug_line(exc)}", err=True)
        if not is_database:
            log.debug("ingest of %s failed", target, exc_info=(type(exc), exc, exc.__traceback__))
        if self.database_failures >= MAX_DATABASE_FAILURES:
            raise click.ClickException(f"stopped after {self.database_failures} database failures in a row "
                                       f"({db.error_line(exc)})") from None

    def archived(self, item: _Prepared, events: list[dict], no_report: str | None) -> None:
        self.database_failures = 0
        if item.parse_error:
            self.unparsed += 1
            click.echo(f"error: {item.target}: {item.parse_error} (stored as a document)", err=True)
            return
        self.events.extend(events)
        if no_report:
            hint = "; give --agency/--year" if "no agency" in no_report or "no year" in no_report else ""
            click.echo(f"warning: {item.target}: stored, no report: {no_report}{hint}", err=True)
        elif not self.as_json:
            if events:
                for e in events:
                    click.echo(f"{e['kind']:<9} {e['agency']} {e['year']}  {item.target}")
            else:
                click.echo(f"{'unchanged':<9} {item.target}")

    def write(self, Session, items: list[_Prepared]) -> None:
        """Archive ``items`` in one transaction; should it fail, each in its own, so that one
        bad document costs only itself (and says so in one line)."""
        if not items:
            return
        try:
            results = _archive_prepared(Session, items)
        except Exception as exc:  # noqa: BLE001 - redone one at a time below
            if len(items) == 1:
                self.error(items[0].target, exc)
                return
            log.info("a batch of %d documents failed (%s); archiving them one at a time", len(items),
                     db.error_line(exc) if isinstance(exc, db.ArchiveError) else type(exc).__name__)
            for item in items:
                self.write(Session, [item])
            return
        for item, (events, no_report) in zip(items, results):
            self.archived(item, events, no_report)


@click.command("ingest")
@click.argument("targets", nargs=-1, required=True, metavar="PATH|URL...")
@click.option("--agency", help="The issuing agency (overrides what the parser found).")
@click.option("--year", type=int, help="The year the report covers (overrides what the parser found).")
@click.option("--source", help="Name of the source to file the documents under.")
@db_option
@json_option
def ingest(targets: tuple[str, ...], agency: str | None, year: int | None, source: str | None,
           db_url: str | None, as_json: bool) -> None:
    """Archive report files or URLs: parsed, versioned, evented (in transactions of up to 50).

    A directory is archived file by file. Re-archiving an unchanged document does nothing.

    \b
    Example:
      nianbao ingest report.pdf --agency 北京市公安局 --year 2020
      nianbao ingest https://www.example.gov.cn/xxgk/2023nb.html --json
    """
    Session = open_or_fail(db_url)
    inputs = _inputs(targets)
    run = _IngestRun(as_json)
    show_progress = len(inputs) > 1 and sys.stderr.isatty()
    pending: list[_Prepared] = []
    started = 0.0
    with click.progressbar(inputs, label="ingesting", file=sys.stderr, hidden=not show_progress) as bar:
        for target in bar:
            try:
                item = _prepare(target, agency=agency, year=year, source=source)
            except Exception as exc:  # noqa: BLE001 - one file's failure must not stop the others
                run.error(target, exc)
                continue
            if not pending:
                started = time.monotonic()
            pending.append(item)
            if len(pending) >= INGEST_BATCH or time.monotonic() - started >= INGEST_BATCH_SECONDS:
                run.write(Session, pending)
                pending = []
        run.write(Session, pending)
    all_events, unparsed, failed = run.events, run.unparsed, run.failed
    if as_json:
        _dump(all_events)
    if unparsed or failed:
        parts = [f"{unparsed} could not be parsed (stored as documents)"] if unparsed else []
        parts += [f"{failed} failed (not archived)"] if failed else []
        raise click.ClickException(f"{unparsed + failed} of {len(inputs)} documents: {', '.join(parts)}")


def _bug_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())[:300]
    return f"internal error ({type(exc).__name__}: {text}); run with -vv for the traceback"


# --- reading ------------------------------------------------------------------------------------

def _lookup(fn, *args, **kwargs):
    from archive.queries import NotFound

    with user_errors(NotFound, ValueError):
        return fn(*args, **kwargs)


@click.command("reports")
@click.option("--agency", help="Only this agency (full name, or a unique part of it).")
@click.option("--year", type=int, help="Only this year.")
@db_option
@json_option
def reports(agency: str | None, year: int | None, db_url: str | None, as_json: bool) -> None:
    """List archived reports: the latest record of each, with url, versions and status.

    \b
    Example:
      nianbao reports --agency 北京市公安局 --json
    """
    from archive.queries import list_reports

    with open_or_fail(db_url, readonly=True)() as session:
        rows = _lookup(list_reports, session, agency=agency, year=year)
    if as_json:
        _dump(rows)
        return
    for r in rows:
        facts = r.get("facts") or {}
        template = labels.TEMPLATE_LABELS.get(r.get("template") or "unknown", r.get("template"))
        requests = labels.UNCERTAIN_MARK if "requests/new/total" in (r.get("uncertain") or {}) else \
            labels.number(facts.get("requests/new/total"))
        click.echo(f"{r['agency']}\t{r['year']} 年度\t{template}\t{labels.FIGURE_LABELS['requests']} "
                   f"{requests}\t版本 {r['versions']}\t{labels.status_label(r['status'])}"
                   f"\t{r['url'] or ''}")
    if not rows:
        click.echo("no reports", err=True)


@click.command("history")
@click.argument("agency", metavar="AGENCY")
@db_option
@json_option
def history(agency: str, db_url: str | None, as_json: bool) -> None:
    """An agency's record year by year: key figures, violations, versions, cross-year checks.

    Flags a year whose carried-over requests differ from last year's carried-forward.

    \b
    Example:
      nianbao history 北京市公安局
    """
    from archive.queries import history as agency_history

    with open_or_fail(db_url, readonly=True)() as session:
        data = _lookup(agency_history, session, agency)
    if as_json:
        _dump(data)
        return
    click.echo(data["agency"])
    names = ("requests", "granted", "partially_granted", "denied", "unavailable", "not_processed", "other", "total",
             "carried_forward", "reviews", "litigation")
    click.echo("年度\t" + "\t".join(labels.FIGURE_LABELS[n] for n in names) + "\t版本\t状态\t勾稽问题")
    for y in data["years"]:
        problems = "；".join(labels.violation_label(v) for v in y["violations"]) or "-"
        click.echo(f"{y['year']}\t" + "\t".join(labels.number(y[n]) for n in names)
                   + f"\t{y['versions']}\t{labels.status_label(y['status'])}\t{problems}")
        for flag in y["flags"]:
            click.echo(f"  ! {flag['message']}")


@click.command("diff")
@click.argument("agency")
@click.argument("year", type=int)
@click.option("--from", "from_number", type=int, help="Old version number (default: the one before --to).")
@click.option("--to", "to_number", type=int, help="New version number (default: the latest).")
@db_option
@json_option
def diff(agency: str, year: int, from_number: int | None, to_number: int | None, db_url: str | None,
         as_json: bool) -> None:
    """What changed between two versions of a report: facts old → new, paragraphs.

    \b
    Example:
      nianbao diff 北京市公安局 2020 --from 1 --to 2
    """
    from archive.queries import diff as version_diff

    with open_or_fail(db_url, readonly=True)() as session:
        data = _lookup(version_diff, session, agency, year, from_number=from_number, to_number=to_number)
    if as_json:
        _dump(data)
        return
    click.echo(f"{data['agency']} {data['year']} 年度报告：版本 {data['from']} → {data['to']}"
               f"（{labels.china_time(data['from_seen'])} → {labels.china_time(data['to_seen'])}）")
    for key, (old, new) in data["changes"].items():
        click.echo(f"  {labels.fact_label(key)}：{labels.number(old)} → {labels.number(new)}")
    for name, (old, new) in data["fields"].items():
        click.echo(f"  {labels.FIELD_LABELS.get(name, name)}：{labels.field_value(name, old)} → "
                   f"{labels.field_value(name, new)}")
    for title in data["sections"]["removed"]:
        click.echo(f"  - 删除章节：{title}")
    for title in data["sections"]["added"]:
        click.echo(f"  + 新增章节：{title}")
    for hunk in data["paragraphs"]:
        click.echo(f"  @ 第 {hunk['at'] + 1} 段")
        for p in hunk["old"]:
            click.echo(f"  - {p}")
        for p in hunk["new"]:
            click.echo(f"  + {p}")
    if data["from"] == data["to"]:
        click.echo("  （只有一个版本）")


def _since(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"not an ISO date/time: {value!r}", param_hint="--since") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


@click.command("events")
@click.option("--since", help="Only events at or after this ISO date/time (UTC unless a zone is given).")
@click.option("--kind", type=click.Choice(labels.EVENT_KINDS))
@click.option("--agency", help="Only this agency's events (full name, or a unique part of it).")
@db_option
@json_option
def events(since: str | None, kind: str | None, agency: str | None, db_url: str | None, as_json: bool) -> None:
    """Change events oldest first: new, revised (with changes), withdrawn, restored, overdue.

    \b
    Example:
      nianbao events --since 2026-01-01 --kind revised --json
    """
    from archive.queries import events as list_events

    with open_or_fail(db_url, readonly=True)() as session:
        rows = _lookup(list_events, session, since=_since(since), kind=kind, agency=agency)
    if as_json:
        _dump(rows)
        return
    for e in rows:
        extra = f"（{len(e.get('changes') or {})} 处数据变化）" if e["kind"] == "revised" else ""
        base = "（首次收录）" if e["baseline"] else ""
        year = f"{e['year']} 年度" if e["year"] else ""
        url = links.original_url(e["url"]) or ""
        click.echo(f"{labels.china_time(e['at'])}\t{labels.kind_label(e['kind'])}{base}\t{e['agency'] or '未知机关'}"
                   f"\t{year}\t{url}{extra}")


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "xlsx"]), default="csv", show_default=True,
              help="csv and jsonl for programs (keys as headers); xlsx for spreadsheets (Chinese headers).")
@click.option("--excel", is_flag=True, help="CSV for Excel: UTF-8 BOM, CRLF and Chinese headers.")
@click.option("--table", type=click.Choice(["active", "requests", "reviews"]), help="Only this table.")
@click.option("--agency", help="Only this agency (full name, or a unique part of it).")
@region_option("Only agencies whose region code starts with this (11 Beijing, 110108 海淀区).")
@click.option("--year", type=click.IntRange(1990, 2100), help="Only this report year.")
@click.option("--all-versions", is_flag=True, help="Every version's cells, not only the latest.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="Output file (default stdout; xlsx needs a file or a pipe).")
@db_option
def export(fmt: str, excel: bool, table: str | None, agency: str | None, region: str | None, year: int | None,
           all_versions: bool, output: str, db_url: str | None) -> None:
    """Export the table cells as rows: agency, region, year, version, table, row, column,
    its Chinese label, value, text, URL.

    Streamed: safe on large archives. `--excel` (or `--format xlsx`) for people with
    spreadsheets: Chinese headers, and Excel reads the Chinese right.

    \b
    Example:
      nianbao export --format csv --table requests -o requests.csv
      nianbao export --excel --region 11 --year 2023 -o 北京2023.csv
      nianbao export --format xlsx --agency 北京市公安局 -o 北京市公安局.xlsx
    """
    from archive.queries import EXPORT_COLUMNS, export_cells
    from archive.spreadsheets import write_csv, write_xlsx

    if excel and fmt != "csv":
        raise click.UsageError("--excel is a kind of CSV: use it without --format, or with --format csv")
    if fmt == "xlsx" and output == "-" and sys.stdout.isatty():
        raise click.UsageError("an xlsx file is binary: give -o FILE.xlsx (or pipe the output)")
    keys = [k for k, _ in EXPORT_COLUMNS]
    people = excel or fmt == "xlsx"
    header = [label for _, label in EXPORT_COLUMNS] if people else keys
    with open_or_fail(db_url, readonly=True)() as session:
        rows = export_cells(session, table=table, all_versions=all_versions, agency=agency, region=region,
                            year=year)
        first = _lookup(next, rows, None) if agency else None  # resolve --agency before writing anything
        rows = itertools.chain([first], rows) if first is not None else rows
        try:
            if fmt == "xlsx":
                import io

                target = io.BytesIO() if output == "-" else output
                write_xlsx(target, "单元格", header, ([r[k] for k in keys] for r in rows))
                if output == "-":
                    sys.stdout.buffer.write(target.getvalue())
            elif fmt == "csv":
                with _text_out(output) as out:
                    write_csv(out, header, ([r[k] for k in keys] for r in rows), bom=excel)
            else:
                with _text_out(output) as out:
                    for row in rows:
                        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise click.ClickException(f"{output}: {exc.strerror or exc}") from None


# --- coverage ------------------------------------------------------------------------------

@click.command("coverage")
@click.option("--year", type=click.IntRange(1990, 2100), help="Report year (default: last year).")
@region_option("Only agencies whose region code starts with this (11 Beijing, 110108 海淀区).")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, writable=True, allow_dash=True),
              help="Also write the list as CSV (Chinese headers, BOM for Excel) to this file ('-' for stdout).")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), hidden=True,
              help="Judge as on this day (for checks and tests; default today in China).")
@db_option
@json_option
def coverage_command(year: int | None, region: str | None, csv_file: str | None, today, db_url: str | None,
                     as_json: bool) -> None:
    """Who published a year's annual report: on time, late (已补发), not yet due, overdue.

    Per agency the archive follows: the legal deadline (31 Jan; 31 Mar for a people's
    government's own report), the report's date and when the archive first saw it.
    Counts by status, by region and by level, then the list.

    \b
    Example:
      nianbao coverage --year 2024 --region 11
      nianbao coverage --year 2024 --csv coverage-2024.csv
      nianbao coverage --json
    """
    from archive.coverage import CSV_COLUMNS, coverage
    from archive.spreadsheets import write_csv

    with open_or_fail(db_url, readonly=True)() as session:
        data = coverage(session, year=year, region=region, today=today.date() if today else None)
    if csv_file:
        with _text_out(csv_file) as out:
            write_csv(out, [label for _, label in CSV_COLUMNS],
                      ([row.get(key) if key != "level" else labels.level_label(row.get(key)) for key, _ in CSV_COLUMNS]
                       for row in data["rows"]), bom=True)
        if csv_file == "-":
            return
    if as_json:
        _dump(data)
        return
    _print_coverage(data)


def _print_coverage(data: dict) -> None:
    click.echo(f"{data['year']} 年度报告发布情况（截至 {data['today']}）")
    click.echo("　".join(f"{labels.COVERAGE_LABELS[k]} {n}" for k, n in data["counts"].items()))
    for title, groups, name in (("按地区", data["by_region"], lambda c: c or "未知地区"),
                                ("按层级", data["by_level"], lambda c: labels.level_label(c) or "未知层级")):
        if len(groups) > 1:
            click.echo(title + "：")
            for group, counts in groups.items():
                click.echo(f"  {name(group)}　" + "　".join(f"{labels.COVERAGE_LABELS[k]} {n}" for k, n in counts.items() if n))
    if not data["rows"]:
        click.echo("没有需要发布该年度报告的机关", err=True)
        return
    click.echo("机关\t地区代码\t层级\t状态\t法定期限\t落款日期\t首次发现")
    for r in data["rows"]:
        click.echo(f"{r['agency']}\t{r['region_code'] or '-'}\t{labels.level_label(r['level']) or '-'}\t{r['label']}"
                   f"\t{r['deadline']}\t{r['published'] or '-'}\t{r['first_seen'] or '-'}")


commands: list[click.Command] = [db_group, ingest, reports, history, diff, events, export, coverage_command]
