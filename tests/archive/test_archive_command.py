"""archive.command: the one --db option and the one way a command opens the archive."""
from __future__ import annotations

import errno
import sqlite3

import click
import pytest
from click.testing import CliRunner

from archive import command, db
from crawler.cli import main


def _commands(group: click.Group, prefix: str = ""):
    for name, cmd in group.commands.items():
        yield f"{prefix}{name}", cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, f"{prefix}{name} ")


def test_every_command_that_opens_the_archive_takes_the_one_db_option():
    with_db = {name: next(p for p in cmd.params if "--db" in p.opts)
               for name, cmd in _commands(main) if any("--db" in p.opts for p in cmd.params)}
    # The demo's --db means something else: default a fresh file in a temporary directory.
    shared = {name: p for name, p in with_db.items() if name != "demo"}
    assert {"db upgrade", "reports", "search", "serve", "crawl", "alerts add", "sources confirm"} <= set(shared)
    for name, param in shared.items():
        assert (param.name, param.envvar, param.help) == ("db_url", db.ENV_VAR, command.DB_HELP), name


def test_a_foreign_database_is_one_line_and_exit_1(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER)")
    with pytest.raises(click.ClickException) as raised:
        command.open_or_fail(f"sqlite:///{path}")
    assert "is not a nianbao archive" in raised.value.message and "\n" not in raised.value.message
    for args in (["reports", "--db", f"sqlite:///{path}"], ["search", "公安", "--db", f"sqlite:///{path}"],
                 ["alerts", "list", "--db", f"sqlite:///{path}"], ["db", "upgrade", "--db", f"sqlite:///{path}"]):
        done = CliRunner().invoke(main, args)
        assert done.exit_code == 1, (args, done.output)
        assert "is not a nianbao archive" in done.output and "Traceback" not in done.output, args


def test_failure_line():
    assert command.failure_line(db.ArchiveError("no archive at x")) == "no archive at x"
    assert command.failure_line(OSError(errno.ENOSPC, "No space left on device")).startswith("archive: ")
    assert command.failure_line(ValueError("a bug")) is None
