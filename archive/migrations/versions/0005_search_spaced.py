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

The triggers are frozen here as they were at this revision (the same as 0002's but for
the spacing): a migration must not change when the application changes
(tests/archive/test_migrations_frozen.py).
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

_UPSERT = """
    INSERT INTO search_documents (report_id, version_id, template, has_violations, body)
    SELECT v.report_id, v.id, json_extract(v.record, '$.template'),
           coalesce(json_array_length(v.record, '$.violations'), 0) > 0, coalesce(v.text, '')
    FROM versions v WHERE v.id = {version_id}
    ON CONFLICT (report_id) DO UPDATE SET version_id = excluded.version_id,
        template = excluded.template, has_violations = excluded.has_violations,
        body = excluded.body;"""


def _triggers(spaced: str) -> dict[str, str]:
    """Every SQLite search trigger, text spaced by ``spaced``, in the order they are made."""
    new, old = spaced.format(x="new.body"), spaced.format(x="old.body")
    return {
        "search_documents_ai": f"""
    CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
        INSERT INTO search_fts (rowid, body) VALUES (new.report_id, new.body);
        INSERT INTO search_chars_fts (rowid, body) VALUES (new.report_id, {new});
    END""",
        "search_documents_ad": f"""
    CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
        INSERT INTO search_fts (search_fts, rowid, body) VALUES ('delete', old.report_id, old.body);
        INSERT INTO search_chars_fts (search_chars_fts, rowid, body)
            VALUES ('delete', old.report_id, {old});
    END""",
        "search_documents_au": f"""
    CREATE TRIGGER search_documents_au AFTER UPDATE OF body ON search_documents
    WHEN old.body IS NOT new.body BEGIN
        INSERT INTO search_fts (search_fts, rowid, body) VALUES ('delete', old.report_id, old.body);
        INSERT INTO search_chars_fts (search_chars_fts, rowid, body)
            VALUES ('delete', old.report_id, {old});
        INSERT INTO search_fts (rowid, body) VALUES (new.report_id, new.body);
        INSERT INTO search_chars_fts (rowid, body) VALUES (new.report_id, {new});
    END""",
        "search_reports_ai": f"""
    CREATE TRIGGER search_reports_ai AFTER INSERT ON reports
    WHEN new.latest_version_id IS NOT NULL BEGIN {_UPSERT.format(version_id='new.latest_version_id')}
    END""",
        "search_reports_au": f"""
    CREATE TRIGGER search_reports_au AFTER UPDATE OF latest_version_id ON reports
    WHEN new.latest_version_id IS NOT NULL BEGIN {_UPSERT.format(version_id='new.latest_version_id')}
    END""",
        "search_reports_ad": """
    CREATE TRIGGER search_reports_ad AFTER DELETE ON reports BEGIN
        DELETE FROM search_documents WHERE report_id = old.id;
    END""",
        "search_versions_au": f"""
    CREATE TRIGGER search_versions_au AFTER UPDATE OF record, text ON versions
    WHEN new.id = (SELECT latest_version_id FROM reports WHERE id = new.report_id) BEGIN
        {_UPSERT.format(version_id='new.id')}
    END""",
    }


def _recreate(spaced: str) -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    for name, ddl in _triggers(spaced).items():
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        conn.exec_driver_sql(ddl)


def upgrade() -> None:
    _recreate(_SPACED)


def downgrade() -> None:
    _recreate(_SQL_SPACED)
