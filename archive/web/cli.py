"""`nianbao serve`: the web interface and JSON API over an archive."""
from __future__ import annotations

import click

from archive.command import db_option, open_or_fail


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@db_option
@click.option("--base-url", envvar="NIANBAO_BASE_URL", metavar="URL",
              help="The site's public address for feed and page links (env NIANBAO_BASE_URL; "
                   "default http://HOST:PORT). Never taken from the request's Host header.")
def serve(host: str, port: int, db_url: str | None, base_url: str | None) -> None:
    """Serve the web interface (search, agencies, reports, diffs, events, Atom feeds) and the JSON API.

    The OpenAPI schema is at /openapi.json.

    \b
    Example:
      nianbao serve --port 8000 --db sqlite:///nianbao.db
      NIANBAO_BASE_URL=https://nianbao.example.org nianbao serve --host 0.0.0.0
    """
    import uvicorn

    from archive.web import create_app

    # Read-only: pages never take the write lock, so a crawl writing never makes them wait.
    Session = open_or_fail(db_url, readonly=True, must_exist=True)
    shown = f"[{host}]" if ":" in host else host
    try:
        app = create_app(Session, base=base_url or f"http://{shown}:{port}")
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--base-url") from None
    click.echo(f"serving on http://{shown}:{port}/ (Ctrl-C to stop)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="info")


commands = [serve]
