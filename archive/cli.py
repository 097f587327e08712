"""Archive commands: `db upgrade|reparse`, `ingest`, `reports`, `history`, `diff`, `events`, `export`."""
from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import sys
from pathlib import Path

import click

from archive import db
from parsers.errors import ParseError

log = logging.getLogger(__name__)

MAX_DOWNLOAD = 64 * 1024 * 1024
FETCH_TIMEOUT = 30.0

db_option = click.option("--db", "db_url", envvar=db.ENV_VAR, metavar="URL",
                         help="Archive database URL (env NIANBAO_DB; default sqlite:///nianbao.db in the cwd).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def _open(db_url: str | None, *, readonly: bool = False):
    try:
        return db.open_archive(db_url, readonly=readonly)
    except db.ArchiveError as exc:
        raise click.ClickException(str(exc)) from None


def _dump(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=1, default=str))


def _num(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


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
    try:
        db.upgrade(url)
    except db.ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
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
    from archive import service

    Session = _open(db_url)
    show = not as_json and sys.stderr.isatty()

    def progress(counts: dict[str, int]) -> None:
        if show:
            click.echo(f"\r{counts['versions']} versions, {counts['documents']} documents", err=True, nl=False)

    counts = service.reparse(Session, everything=everything, progress=progress)
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


def ingest_one(Session, target: str, *, agency: str | None, year: int | None,
               source: str | None = None) -> tuple[list[dict], str | None]:
    """Archive one file or URL in its own transaction; its events, and why it made no report (if so)."""
    import sqlalchemy as sa

    from archive.models import Document
    from archive.service import archive_document
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
    with Session.begin() as session:
        events = archive_document(session, url=url, data=data, content_type=content_type, record=record,
                                  parse_error=parse_error, source=source, agency=agency, year=year,
                                  etag=etag, last_modified=last_modified)
        row = session.execute(sa.select(Document.report_id, Document.parse_error).where(Document.url == url)).one()
    if parse_error:
        raise ParseError(f"{target}: {parse_error} (stored as a document)")
    return events, (row.parse_error if row.report_id is None else None)


@click.command("ingest")
@click.argument("targets", nargs=-1, required=True, metavar="PATH|URL...")
@click.option("--agency", help="The issuing agency (overrides what the parser found).")
@click.option("--year", type=int, help="The year the report covers (overrides what the parser found).")
@click.option("--source", help="Name of the source to file the documents under.")
@db_option
@json_option
def ingest(targets: tuple[str, ...], agency: str | None, year: int | None, source: str | None,
           db_url: str | None, as_json: bool) -> None:
    """Archive report files or URLs: parsed, versioned, evented (one transaction each).

    A directory is archived file by file. Re-archiving an unchanged document does nothing.

    \b
    Example:
      nianbao ingest report.pdf --agency 北京市公安局 --year 2020
      nianbao ingest https://www.example.gov.cn/xxgk/2023nb.html --json
    """
    Session = _open(db_url)
    inputs = _inputs(targets)
    all_events: list[dict] = []
    failures = 0
    show_progress = len(inputs) > 1 and sys.stderr.isatty()
    with click.progressbar(inputs, label="ingesting", file=sys.stderr, hidden=not show_progress) as bar:
        for target in bar:
            try:
                events, no_report = ingest_one(Session, target, agency=agency, year=year, source=source)
            except (ParseError, click.ClickException) as exc:
                failures += 1
                message = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
                click.echo(f"error: {message}", err=True)
                continue
            except db.ArchiveError as exc:
                raise click.ClickException(str(exc)) from None
            all_events.extend(events)
            if no_report:
                hint = "; give --agency/--year" if "no agency" in no_report or "no year" in no_report else ""
                click.echo(f"warning: {target}: stored, no report: {no_report}{hint}", err=True)
            elif not as_json:
                if events:
                    for e in events:
                        click.echo(f"{e['kind']:<9} {e['agency']} {e['year']}  {target}")
                else:
                    click.echo(f"{'unchanged':<9} {target}")
    if as_json:
        _dump(all_events)
    if failures:
        raise click.ClickException(f"{failures} of {len(inputs)} documents could not be parsed (stored as documents)")


# --- reading ------------------------------------------------------------------------------------

def _lookup(fn, *args, **kwargs):
    from archive.queries import NotFound

    try:
        return fn(*args, **kwargs)
    except (NotFound, ValueError) as exc:
        raise click.ClickException(str(exc).strip("'\"")) from None


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

    with _open(db_url, readonly=True)() as session:
        rows = _lookup(list_reports, session, agency=agency, year=year)
    if as_json:
        _dump(rows)
        return
    for r in rows:
        facts = r.get("facts") or {}
        click.echo(f"{r['agency']}\t{r['year']}\t{r.get('template')}\trequests={_num(facts.get('requests/new/total'))}"
                   f"\tv{r['versions']}\t{r['status']}\t{r['url'] or ''}")
    if not rows:
        click.echo("no reports", err=True)


@click.command("history")
@click.argument("agency")
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

    with _open(db_url, readonly=True)() as session:
        data = _lookup(agency_history, session, agency)
    if as_json:
        _dump(data)
        return
    click.echo(data["agency"])
    names = ("requests", "granted", "denied", "unavailable", "not_processed", "total", "carried_forward",
             "reviews", "litigation")
    click.echo("year\t" + "\t".join(names) + "\tversions\tstatus\tviolations")
    for y in data["years"]:
        click.echo(f"{y['year']}\t" + "\t".join(_num(y[n]) for n in names)
                   + f"\t{y['versions']}\t{y['status']}\t{','.join(y['violations']) or '-'}")
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

    with _open(db_url, readonly=True)() as session:
        data = _lookup(version_diff, session, agency, year, from_number=from_number, to_number=to_number)
    if as_json:
        _dump(data)
        return
    click.echo(f"{data['agency']} {data['year']}: version {data['from']} → {data['to']}")
    for key, (old, new) in data["changes"].items():
        click.echo(f"  {key}: {_num(old)} → {_num(new)}")
    for name, (old, new) in data["fields"].items():
        click.echo(f"  {name}: {old} → {new}")
    for title in data["sections"]["removed"]:
        click.echo(f"  - section {title}")
    for title in data["sections"]["added"]:
        click.echo(f"  + section {title}")
    for hunk in data["paragraphs"]:
        click.echo(f"  @ paragraph {hunk['at'] + 1}")
        for p in hunk["old"]:
            click.echo(f"  - {p}")
        for p in hunk["new"]:
            click.echo(f"  + {p}")
    if data["from"] == data["to"]:
        click.echo("  (only one version)")


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
@click.option("--kind", type=click.Choice(["new", "revised", "withdrawn", "restored", "overdue"]))
@click.option("--agency", help="Only this agency's events.")
@db_option
@json_option
def events(since: str | None, kind: str | None, agency: str | None, db_url: str | None, as_json: bool) -> None:
    """Change events oldest first: new, revised (with changes), withdrawn, restored, overdue.

    \b
    Example:
      nianbao events --since 2026-01-01 --kind revised --json
    """
    from archive.queries import list_events

    with _open(db_url, readonly=True)() as session:
        rows = _lookup(list_events, session, since=_since(since), kind=kind, agency=agency)
    if as_json:
        _dump(rows)
        return
    for e in rows:
        extra = f" ({len(e.get('changes') or {})} cells changed)" if e["kind"] == "revised" else ""
        base = " [baseline]" if e["baseline"] else ""
        click.echo(f"{e['at']}\t{e['kind']}{base}\t{e['agency']}\t{e['year'] or ''}\t{e['url'] or ''}{extra}")


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("--table", type=click.Choice(["active", "requests", "reviews"]), help="Only this table.")
@click.option("--all-versions", is_flag=True, help="Every version's cells, not only the latest.")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-", help="Output file (default stdout).")
@db_option
def export(fmt: str, table: str | None, all_versions: bool, output, db_url: str | None) -> None:
    """Export the table cells as rows: agency, year, version, table, row, column, value, text.

    Streamed: safe on large archives.

    \b
    Example:
      nianbao export --format csv --table requests -o requests.csv
    """
    from archive.queries import EXPORT_COLUMNS, export_cells

    with _open(db_url, readonly=True)() as session:
        rows = export_cells(session, table=table, all_versions=all_versions)
        if fmt == "csv":
            writer = csv.DictWriter(output, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow(row)
        else:
            for row in rows:
                output.write(json.dumps(row, ensure_ascii=False) + "\n")


commands: list[click.Command] = [db_group, ingest, reports, history, diff, events, export]
