"""`nianbao serve`: the web interface and JSON API over an archive."""
from __future__ import annotations

import click

from archive.db import ArchiveError, database_url, open_archive


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--db", "db_url", envvar="NIANBAO_DB", help="Archive URL (default $NIANBAO_DB, else sqlite:///nianbao.db).")
def serve(host: str, port: int, db_url: str | None) -> None:
    """Serve the web interface (search, agencies, reports, diffs, events, Atom feeds) and the JSON API.

    The OpenAPI schema is at /openapi.json.

    \b
    Example:
      nianbao serve --port 8000 --db sqlite:///nianbao.db
    """
    import uvicorn

    from archive.web import create_app

    try:
        Session = open_archive(database_url(db_url), must_exist=True)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"serving on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    uvicorn.run(create_app(Session), host=host, port=port, log_level="info")


commands = [serve]
