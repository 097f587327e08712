"""The `nianbao` command: one click group gathering every package's commands.

It lives in `crawler` because the crawler is the top layer: it may import `archive`
and `parsers`, neither of which may import it.
"""
from __future__ import annotations

import importlib
import logging

import click

# Modules that each define `commands: list[click.Command]`, in the order of `--help`.
COMMAND_MODULES = (
    "parsers.cli",
    "archive.cli",
    "archive.search.cli",
    "archive.alerts.cli",
    "archive.web.cli",
    "crawler.commands",
)


class _Nianbao(click.Group):
    """The group, turning the archive's failures into one line (exit code 1) wherever a
    command meets them: a database that cannot be opened or is from a newer nianbao, a
    full disk, a lost PostgreSQL connection. Anything else is a bug and keeps its traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except Exception as exc:  # noqa: BLE001 - re-raised unless it is the archive's
            from archive.command import failure_line

            line = failure_line(exc)
            if line is None:
                raise
            raise click.ClickException(line) from None


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@click.group(cls=_Nianbao, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-v: the crawl's log, -vv: debug).")
@click.option("--log-level", type=click.Choice(LOG_LEVELS, case_sensitive=False),
              help="Log at this level (instead of -v); a crawl then shows its log, not only one line per failure.")
@click.version_option(package_name="nianbao")
@click.pass_context
def main(ctx: click.Context, verbose: int, log_level: str | None) -> None:
    """nianbao (年报): crawl, parse and archive government information-disclosure annual reports.

    \b
    Example:
      nianbao parse report.html --json
      nianbao crawl
      nianbao -v crawl --source beijing-gaj
    """
    level = getattr(logging, log_level.upper()) if log_level else logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # Whether the user asked for details: without, a crawl prints one line per failed
    # source and its summary; with, Scrapy's log at this level (crawler.commands).
    ctx.meta["nianbao.log_detail"] = bool(verbose or log_level)
    ctx.meta["nianbao.log_args"] = (["--log-level", log_level] if log_level else
                                    ["-" + "v" * verbose] if verbose else [])


def _register() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue  # that part is not built yet
            raise
        for command in getattr(module, "commands", ()):
            main.add_command(command)


_register()
