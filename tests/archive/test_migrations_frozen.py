"""The migrations carry frozen copies of the search index's DDL (they import no application
code: tests/test_architecture.py); the application's copy, ``archive.search.schema``, serves
rebuilds and bulk loads on migrated archives. The two must agree at the newest revision, or
a change to the application's DDL was made without the migration that applies it."""
from __future__ import annotations

import re

import sqlalchemy as sa

from archive import db
from archive.search import schema


def _dollar_body(ddl: str) -> str:
    return ddl.split("$$")[1]


def test_the_applications_search_ddl_is_what_the_migrations_leave(db_url):
    db.upgrade(db_url)
    engine = db.engine_for(db_url)
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            triggers = dict(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all())
            assert triggers == {name: ddl.strip() for name, ddl in schema.SQLITE_TRIGGERS.items()}
            tables = dict(conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE name IN ('search_fts', 'search_chars_fts')").all())
            assert [tables["search_fts"], tables["search_chars_fts"]] == schema.SQLITE_TABLES
        else:
            triggers = {name for (name,) in conn.execute(sa.text(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'search%'"))}
            assert triggers == set(schema.POSTGRES_TRIGGERS)
            functions = dict(conn.execute(sa.text(
                "SELECT proname, prosrc FROM pg_proc WHERE proname LIKE 'nianbao%'")).all())
            expected = {re.search(r"FUNCTION (\w+)\(", ddl).group(1): _dollar_body(ddl)
                        for ddl in schema.POSTGRES_SETUP if "$$" in ddl}
            assert functions == expected
            indexes = {name: indexdef.replace("public.", "") for name, indexdef in conn.execute(sa.text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'ix_search_fts%'"))}
            assert indexes == {ddl.split()[2]: ddl for ddl in schema.POSTGRES_SETUP if ddl.startswith("CREATE INDEX")}
    engine.dispose()
