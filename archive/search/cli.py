"""`nianbao search`: full-text search of the archived reports from the command line."""
from __future__ import annotations

import json

import click

from archive.command import db_option, open_or_fail, user_errors
from parsers.keys import TEMPLATES


@click.command("search")
@click.argument("query")
@click.option("--agency", help="Only this agency (full name, or a unique part of it).")
@click.option("--region", help="Only agencies whose region code starts with this (e.g. 11, 110105).")
@click.option("--year", type=click.IntRange(1900, 2100), help="Only reports on this year.")
@click.option("--template", type=click.Choice(TEMPLATES), help="Only this template.")
@click.option("--violations/--no-violations", default=None,
              help="Only reports whose arithmetic fails (or, with --no-violations, holds).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 200), help="How many hits.")
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
@db_option
def search_command(query: str, agency, region, year, template, violations, limit: int, as_json: bool, db_url) -> None:
    """Find reports whose latest text contains every word of QUERY, best first, with a snippet.

    Words are separated by spaces; "quoted words" are one phrase. Two-character words
    such as 公安 or 复议 work; input is searched literally (no operators or wildcards).

    \b
    Example:
      nianbao search 行政复议 --year 2021 --violations
      nianbao search "公安 复议" --region 11 --json
    """
    from archive.queries import NotFound, find_agency
    from archive.search import QueryError, search

    Session = open_or_fail(db_url, readonly=True)
    with user_errors(QueryError, NotFound), Session() as session:
        agency_id = find_agency(session, agency).id if agency else None
        hits = search(session, query, region=region, year=year, template=template,
                      has_violations=violations, limit=limit, agency_id=agency_id)
    if as_json:
        click.echo(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
        return
    for h in hits:
        flag = "  [勾稽问题]" if h.has_violations else ""
        click.echo(f"{h.agency}\t{h.year}\t{h.template or '-'}\t{h.score:.2f}{flag}\t{h.url or ''}")
        click.echo("    " + h.snippet_obj.marked())
    if not hits:
        click.echo("no reports found", err=True)


commands = [search_command]
