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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="nianbao")
def main(verbose: int) -> None:
    """nianbao (年报): crawl, parse and archive government information-disclosure annual reports.

    \b
    Example:
      nianbao parse report.html --json
      nianbao crawl
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


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
