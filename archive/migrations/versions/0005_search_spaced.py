"""SQLite's search triggers space text with a Python function instead of SQL.

Revision ID: 0005_search_spaced
Revises: 0004_report_owner
Create Date: 2026-11-26

Written by hand. The one-character-a-token FTS table (``search_chars_fts``) indexes the
text spaced out; revisions 0002-0004 spaced it in SQL (json_each over the positions),
some 2.7 ms a report on SQLite, more than the rest of its ingest. The archive's SQLite
connections now carry ``nianbao_spaced`` (``archive.search.schema.register_functions``,
installed by ``archive.db``) and the triggers call it. Both give the same tokens, so the
rows indexed before are deleted alike and nothing is re-indexed. PostgreSQL: nothing.
"""
from __future__ import annotations

from alembic import op

from archive.search import schema

revision = "0005_search_spaced"
down_revision = "0004_report_owner"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        schema.create_triggers(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        schema.create_triggers(conn, sqlite_spaced=schema.SQL_SPACED)
