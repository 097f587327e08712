"""The search index's SQL function, its triggers as the database holds them, and its refill.

The DDL of the index lives in the migrations that made it (``0002_search``,
``0005_search_spaced``) and nowhere else: a migration must not change when the
application does, and the application keeps no copy to drift from them. What runs on an
archive already migrated reads what it needs from the database: :func:`triggers` (the
trigger DDL from the catalog), :func:`drop_triggers`/:func:`create_triggers` (bulk loads,
tests, benchmarks: what was dropped is made again from what the drop read) and
:func:`rebuild` (refill the index through the database's own triggers and function).
:func:`register_functions` gives SQLite the SQL function its triggers call. Changing the
index takes a new migration. SQLite's ``batch_alter_table`` rebuilds a table and silently
drops its triggers (docs/web.md: what a migration that batch-alters ``reports``,
``versions`` or ``search_documents`` must do).

How the index follows the archive (both backends):

* ``reports.latest_version_id`` set (insert or update) or the latest version's ``record``
  /``text`` updated -> the report's ``search_documents`` row is upserted from that version;
  a deleted report deletes its row.
* SQLite: ``search_documents`` inserts/updates/deletes feed two FTS5 tables:
  ``search_fts`` (``trigram``, external content = ``search_documents``) for terms of 3+
  characters, and ``search_chars_fts`` (contentless, ``unicode61`` over the text spaced
  to one token per character by ``nianbao_spaced``) for terms of 1-2 characters.
* PostgreSQL: GIN indexes ``body gin_trgm_ops`` (``LIKE`` for 3+ characters) and
  ``nianbao_grams(body)`` (every 1- and 2-character substring, for short terms).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import sqlalchemy as sa


def spaced(text: str | None) -> str | None:
    """``text`` one character a token (None for NULL or empty): ``nianbao_spaced`` in SQL.

    Revisions 0002-0004 spaced text in SQL (json_each over the positions), some 2.7 ms a
    report, more than the rest of its ingest; both give the same tokens, so rows indexed
    either way are deleted alike."""
    return " ".join(text) if text else None


def register_functions(dbapi_connection) -> None:
    """Give a sqlite3 connection the functions the search triggers call (``nianbao_spaced``).

    SQLite keeps no functions in the database file: migration 0005's triggers name
    ``nianbao_spaced`` and every connection that writes ``search_documents`` must have it,
    so ``archive.db`` registers it on each connection its engines open (the migrations run
    on those too). Without it a write fails with "no such function: nianbao_spaced"."""
    dbapi_connection.create_function("nianbao_spaced", 1, spaced, deterministic=True)


class Trigger(NamedTuple):
    """A search trigger as the database holds it: its table and the DDL that makes it."""

    table: str
    ddl: str


def triggers(conn: sa.Connection) -> dict[str, Trigger]:
    """Every search trigger the database holds, by name, read from its catalog
    (``sqlite_master``; ``pg_trigger`` and ``pg_get_triggerdef``): what the migrations made
    (``db upgrade``), and so what :func:`create_triggers` makes again after a drop."""
    if conn.dialect.name == "sqlite":
        query = ("SELECT name, tbl_name, sql FROM sqlite_master "
                 "WHERE type = 'trigger' AND name LIKE :prefix ORDER BY name")
    else:
        query = ("SELECT tgname, tgrelid::regclass::text, pg_get_triggerdef(oid) FROM pg_trigger "
                 "WHERE NOT tgisinternal AND tgname LIKE :prefix ORDER BY tgname")
    rows = conn.execute(sa.text(query), {"prefix": "search%"})
    return {name: Trigger(table, ddl) for name, table, ddl in rows}


def drop_triggers(conn: sa.Connection, names: Iterable[str] | None = None) -> dict[str, Trigger]:
    """Drop the search triggers (every one, or those of ``names``) and return them, for
    :func:`create_triggers` after: call it before a bulk load, or before a batch migration
    of ``reports``, ``versions`` or ``search_documents`` on SQLite (its table rename fails on
    triggers naming a table that is momentarily missing), then :func:`create_triggers` and
    :func:`rebuild` after."""
    found = triggers(conn)
    dropped = {name: found[name] for name in (found if names is None else names) if name in found}
    for name, trigger in dropped.items():
        _drop(conn, name, trigger)
    return dropped


def create_triggers(conn: sa.Connection, made: dict[str, Trigger]) -> None:
    """(Re)create the triggers :func:`drop_triggers` returned (after a bulk load, or after
    a batch migration dropped them)."""
    for name, trigger in made.items():
        _drop(conn, name, trigger)
        conn.exec_driver_sql(trigger.ddl)


def _drop(conn: sa.Connection, name: str, trigger: Trigger) -> None:
    on = "" if conn.dialect.name == "sqlite" else f" ON {trigger.table}"
    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}{on}")


def rebuild(conn: sa.Connection) -> int:
    """Refill ``search_documents`` from every report's latest version; rebuild the indexes.

    Returns the number of reports indexed. Safe to run at any time (one transaction). The
    rows are made by the database's own triggers (SQLite) or function (PostgreSQL), the
    ones that keep the index in step: setting ``reports.latest_version_id`` fires
    ``search_reports_au``, whose upsert is the migrations'.
    """
    conn.exec_driver_sql("DELETE FROM search_documents")
    if conn.dialect.name == "sqlite":
        # The delete triggers removed the rows from both FTS tables; start them clean anyway.
        conn.exec_driver_sql("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")
        conn.exec_driver_sql("INSERT INTO search_chars_fts (search_chars_fts) VALUES ('delete-all')")
        conn.exec_driver_sql("UPDATE reports SET latest_version_id = latest_version_id "
                             "WHERE latest_version_id IS NOT NULL")
    else:
        conn.exec_driver_sql("SELECT nianbao_search_upsert(latest_version_id) FROM reports "
                             "WHERE latest_version_id IS NOT NULL")
    return conn.exec_driver_sql("SELECT count(*) FROM search_documents").scalar_one()
