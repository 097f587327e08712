"""What every command that reads or writes the archive shares: its ``--db`` option and
opening the archive, an :class:`~archive.db.ArchiveError` (no server, a foreign file, a
schema too old) shown as one line and exit status 1 instead of a traceback, the user's own
mistakes shown the same way (:func:`user_errors`), and the line the ``nianbao`` group shows
for the archive's failures met later (:func:`failure_line`).

The archive's commands, the search, alerts and web commands and the crawler's all take
these, so the option reads the same everywhere and no command opens the archive its own way.
"""
from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator

import click
from sqlalchemy.orm import Session, sessionmaker

from archive import db

DB_HELP = "Archive database URL (env NIANBAO_DB; default sqlite:///nianbao.db in the cwd)."

#: ``--db URL`` (env ``NIANBAO_DB``), passed to the command as ``db_url``.
db_option = click.option("--db", "db_url", envvar=db.ENV_VAR, metavar="URL", help=DB_HELP)


def open_or_fail(db_url: str | None, *, readonly: bool = False,
                 must_exist: bool | None = None) -> sessionmaker[Session]:
    """The archive at ``db_url`` (else ``$NIANBAO_DB``, else the default), as
    :func:`archive.db.open_archive` opens it, or a click error naming what is wrong (exit 1)."""
    try:
        return db.open_archive(db_url, readonly=readonly, must_exist=must_exist)
    except db.ArchiveError as exc:
        raise _one_line(exc) from None


def fail_on_archive_error(action, *args, **kwargs):
    """``action(*args, **kwargs)``, an :class:`~archive.db.ArchiveError` it raises shown as a
    click error (exit status 1): for what opens the archive itself (``db upgrade``)."""
    try:
        return action(*args, **kwargs)
    except db.ArchiveError as exc:
        raise _one_line(exc) from None


@contextlib.contextmanager
def user_errors(*errors: type[Exception]) -> Iterator[None]:
    """One of ``errors`` raised in the block shown as a click error of its message (exit
    status 1) instead of a traceback: for what the user can put right (an unknown agency or
    subscription, a bad filter, query or URL)."""
    try:
        yield
    except errors as exc:
        # args[0]: the message as written (str() of a LookupError's subclass may quote it).
        raise click.ClickException(str(exc.args[0]) if exc.args else str(exc)) from None


def failure_line(exc: BaseException) -> str | None:
    """The one line a command shows for an archive failure it met (a database that cannot be
    opened or is from a newer nianbao, a lost connection, a full disk); None for anything
    else, which is a bug and keeps its traceback."""
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, db.ArchiveError):
        return str(exc)
    if isinstance(exc, DBAPIError) or (isinstance(exc, OSError) and exc.errno == errno.ENOSPC):
        return f"archive: {db.error_line(exc)}"
    return None


def _one_line(exc: db.ArchiveError) -> click.ClickException:
    # A driver's message may run over lines (PostgreSQL's DETAIL, HINT): one line is read.
    return click.ClickException(" ".join(str(exc).split()))
