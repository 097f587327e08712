"""SQLite's search triggers space text with a Python function instead of SQL.

Revision ID: 0005_search_spaced
Revises: 0004_report_owner
Create Date: 2026-11-26

Written by hand. The one-character-a-token FTS table (``search_chars_fts``) indexes the
text spaced out; revisions 0002-0004 spaced it in SQL (json_each over the positions),
some 2.7 ms a report on SQLite, more than the rest of its ingest. The triggers now call
``nianbao_spaced(text)``, a SQL function this migration does not create: SQLite keeps no
functions in the database, so the application registers it on every connection it opens
(``archive.search.schema.register_functions``, installed by ``archive.db``'s engine), and a
connection without it cannot write ``search_documents`` ("no such function"). Both spacings
give the same tokens, so the rows indexed before are deleted alike and nothing is
re-indexed. PostgreSQL: nothing.

Only the spacing changes, and only in the three triggers of ``search_documents`` that
write ``search_chars_fts``: each is read back from the database and made again with the one
expression swapped (a trigger not as 0002 made it is an error, never a silent skip). The two
expressions are frozen here; a migration must not change when the application changes.
"""
from __future__ import annotations

from alembic import op

revision = "0005_search_spaced"
down_revision = "0004_report_owner"
branch_labels = None
depends_on = None

# ``{x}`` one character a token: from this revision, and before it (0002's SQL).
_SPACED = "nianbao_spaced({x})"
_SQL_SPACED = ("(SELECT group_concat(substr({x}, key + 1, 1), ' ') FROM json_each("
               "'[' || substr(replace(hex(zeroblob(length({x}))), '00', ',0'), 2) || ']'))")
_SPACING_TRIGGERS = ("search_documents_ai", "search_documents_ad", "search_documents_au")


def _respace(before: str, after: str) -> None:
    """Make each spacing trigger again with the spacing ``before`` replaced by ``after``."""
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    for name in _SPACING_TRIGGERS:
        ddl = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                                   (name,)).scalar_one_or_none()
        swaps = [(before.format(x=f"{row}.body"), after.format(x=f"{row}.body")) for row in ("new", "old")]
        if ddl is None or not any(old in ddl for old, _ in swaps):
            raise RuntimeError(f"search trigger {name} is not as the previous revision made it")
        for old, new in swaps:
            ddl = ddl.replace(old, new)
        conn.exec_driver_sql(f"DROP TRIGGER {name}")
        conn.exec_driver_sql(ddl)


def upgrade() -> None:
    _respace(_SQL_SPACED, _SPACED)


def downgrade() -> None:
    _respace(_SPACED, _SQL_SPACED)
