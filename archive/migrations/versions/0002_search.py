"""Full-text search over the latest version of each report.

Revision ID: 0002_search
Revises: 0001_initial
Create Date: 2026-11-22

``search_documents`` (one row per report: its latest version's text, template and whether
it has violations) plus, on SQLite, the FTS5 tables ``search_fts`` (trigram) and
``search_chars_fts`` (one token per character) and on PostgreSQL ``pg_trgm`` and two GIN
indexes. Triggers keep it all in step with ``reports.latest_version_id`` and ``versions``
(see docs/web.md).

The DDL is frozen here as it was at this revision: a migration must not change when the
application changes (tests/archive/test_migrations_frozen.py). The application keeps no
copy: ``archive/search/schema.py`` reads the triggers back from the database; 0005 changed
the SQLite triggers.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_search"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

# SQLite has no function to space text out (one character a token, for search_chars_fts):
# json_each over a list of length(x) zeros yields the positions 0..n-1.
_SPACED = ("(SELECT group_concat(substr({x}, key + 1, 1), ' ') FROM json_each("
           "'[' || substr(replace(hex(zeroblob(length({x}))), '00', ',0'), 2) || ']'))")
_SPACED_NEW, _SPACED_OLD = _SPACED.format(x="new.body"), _SPACED.format(x="old.body")

_SQLITE_UPSERT = """
    INSERT INTO search_documents (report_id, version_id, template, has_violations, body)
    SELECT v.report_id, v.id, json_extract(v.record, '$.template'),
           coalesce(json_array_length(v.record, '$.violations'), 0) > 0, coalesce(v.text, '')
    FROM versions v WHERE v.id = {version_id}
    ON CONFLICT (report_id) DO UPDATE SET version_id = excluded.version_id,
        template = excluded.template, has_violations = excluded.has_violations,
        body = excluded.body;"""

_SQLITE_TABLES = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        body, content='search_documents', content_rowid='report_id', tokenize='trigram')""",
    """CREATE VIRTUAL TABLE search_chars_fts USING fts5(
        body, content='', tokenize='unicode61 remove_diacritics 0')""",
]

_SQLITE_TRIGGERS = {
    "search_documents_ai": f"""
    CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
        INSERT INTO search_fts (rowid, body) VALUES (new.report_id, new.body);
        INSERT INTO search_chars_fts (rowid, body) VALUES (new.report_id, {_SPACED_NEW});
    END""",
    "search_documents_ad": f"""
    CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
        INSERT INTO search_fts (search_fts, rowid, body) VALUES ('delete', old.report_id, old.body);
        INSERT INTO search_chars_fts (search_chars_fts, rowid, body)
            VALUES ('delete', old.report_id, {_SPACED_OLD});
    END""",
    "search_documents_au": f"""
    CREATE TRIGGER search_documents_au AFTER UPDATE OF body ON search_documents
    WHEN old.body IS NOT new.body BEGIN
        INSERT INTO search_fts (search_fts, rowid, body) VALUES ('delete', old.report_id, old.body);
        INSERT INTO search_chars_fts (search_chars_fts, rowid, body)
            VALUES ('delete', old.report_id, {_SPACED_OLD});
        INSERT INTO search_fts (rowid, body) VALUES (new.report_id, new.body);
        INSERT INTO search_chars_fts (rowid, body) VALUES (new.report_id, {_SPACED_NEW});
    END""",
    "search_reports_ai": f"""
    CREATE TRIGGER search_reports_ai AFTER INSERT ON reports
    WHEN new.latest_version_id IS NOT NULL BEGIN {_SQLITE_UPSERT.format(version_id='new.latest_version_id')}
    END""",
    "search_reports_au": f"""
    CREATE TRIGGER search_reports_au AFTER UPDATE OF latest_version_id ON reports
    WHEN new.latest_version_id IS NOT NULL BEGIN {_SQLITE_UPSERT.format(version_id='new.latest_version_id')}
    END""",
    "search_reports_ad": """
    CREATE TRIGGER search_reports_ad AFTER DELETE ON reports BEGIN
        DELETE FROM search_documents WHERE report_id = old.id;
    END""",
    "search_versions_au": f"""
    CREATE TRIGGER search_versions_au AFTER UPDATE OF record, text ON versions
    WHEN new.id = (SELECT latest_version_id FROM reports WHERE id = new.report_id) BEGIN
        {_SQLITE_UPSERT.format(version_id='new.id')}
    END""",
}

_POSTGRES_SETUP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # Every 1- and 2-character substring (repeats included: GIN keeps each key once). The
    # bigrams are the pairs at even offsets plus the pairs at odd offsets, cut by the C regex
    # engine: ~5 ms for 3,000 characters, where a generate_series loop took ~150 ms.
    """CREATE OR REPLACE FUNCTION nianbao_grams(t text) RETURNS text[]
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
         SELECT regexp_split_to_array(t, '')
             || ARRAY(SELECT m[1] FROM regexp_matches(t, '(..)', 'g') AS m)
             || ARRAY(SELECT m[1] FROM regexp_matches(substr(t, 2), '(..)', 'g') AS m)
       $$""",
    """CREATE OR REPLACE FUNCTION nianbao_search_upsert(vid integer) RETURNS void
       LANGUAGE sql AS $$
         INSERT INTO search_documents (report_id, version_id, template, has_violations, body)
         SELECT v.report_id, v.id, v.record ->> 'template',
                coalesce(jsonb_array_length(CASE WHEN jsonb_typeof(v.record -> 'violations') = 'array'
                                                 THEN v.record -> 'violations' END), 0) > 0,
                coalesce(v.text, '')
         FROM versions v WHERE v.id = vid
         ON CONFLICT (report_id) DO UPDATE SET version_id = excluded.version_id,
             template = excluded.template, has_violations = excluded.has_violations,
             body = excluded.body
       $$""",
    """CREATE OR REPLACE FUNCTION nianbao_search_reports() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'DELETE' THEN
           DELETE FROM search_documents WHERE report_id = OLD.id;
           RETURN OLD;
         END IF;
         IF NEW.latest_version_id IS NOT NULL THEN
           PERFORM nianbao_search_upsert(NEW.latest_version_id);
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE OR REPLACE FUNCTION nianbao_search_versions() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         IF EXISTS (SELECT 1 FROM reports WHERE id = NEW.report_id AND latest_version_id = NEW.id) THEN
           PERFORM nianbao_search_upsert(NEW.id);
         END IF;
         RETURN NEW;
       END $$""",
    "CREATE INDEX ix_search_fts_body_trgm ON search_documents USING gin (body gin_trgm_ops)",
    "CREATE INDEX ix_search_fts_grams ON search_documents USING gin (nianbao_grams(body))",
    # ANALYZE would otherwise evaluate nianbao_grams() over its whole sample and compute
    # element statistics of ~2,000-element arrays: minutes on a few thousand reports.
    "ALTER INDEX ix_search_fts_grams ALTER COLUMN 1 SET STATISTICS 0",
]

# name: (table, DDL)
_POSTGRES_TRIGGERS = {
    "search_reports_ai": ("reports", """CREATE TRIGGER search_reports_ai AFTER INSERT ON reports
        FOR EACH ROW WHEN (NEW.latest_version_id IS NOT NULL) EXECUTE FUNCTION nianbao_search_reports()"""),
    "search_reports_au": ("reports", """CREATE TRIGGER search_reports_au AFTER UPDATE OF latest_version_id ON reports
        FOR EACH ROW EXECUTE FUNCTION nianbao_search_reports()"""),
    "search_reports_ad": ("reports", """CREATE TRIGGER search_reports_ad AFTER DELETE ON reports
        FOR EACH ROW EXECUTE FUNCTION nianbao_search_reports()"""),
    "search_versions_au": ("versions", """CREATE TRIGGER search_versions_au AFTER UPDATE OF record, text ON versions
        FOR EACH ROW EXECUTE FUNCTION nianbao_search_versions()"""),
}


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("report_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(20), nullable=True),
        sa.Column("has_violations", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_search_documents")),
    )
    op.create_index("ix_search_documents_filters", "search_documents", ["report_id", "template", "has_violations"])
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    for ddl in _SQLITE_TABLES if sqlite else _POSTGRES_SETUP:
        conn.exec_driver_sql(ddl)
    if sqlite:
        for name, ddl in _SQLITE_TRIGGERS.items():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
            conn.exec_driver_sql(ddl)
    else:
        for name, (table, ddl) in _POSTGRES_TRIGGERS.items():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            conn.exec_driver_sql(ddl)
    # Fill the index from every report's latest version.
    conn.exec_driver_sql("DELETE FROM search_documents")
    if sqlite:
        conn.exec_driver_sql("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")
        conn.exec_driver_sql("INSERT INTO search_chars_fts (search_chars_fts) VALUES ('delete-all')")
        conn.exec_driver_sql("""
            INSERT INTO search_documents (report_id, version_id, template, has_violations, body)
            SELECT v.report_id, v.id, json_extract(v.record, '$.template'),
                   coalesce(json_array_length(v.record, '$.violations'), 0) > 0, coalesce(v.text, '')
            FROM reports r JOIN versions v ON v.id = r.latest_version_id""")
    else:
        conn.exec_driver_sql("SELECT nianbao_search_upsert(latest_version_id) FROM reports "
                             "WHERE latest_version_id IS NOT NULL")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for name in _SQLITE_TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        conn.exec_driver_sql("DROP TABLE IF EXISTS search_fts")
        conn.exec_driver_sql("DROP TABLE IF EXISTS search_chars_fts")
    else:
        for name, (table, _ddl) in _POSTGRES_TRIGGERS.items():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for fn in ("nianbao_search_reports()", "nianbao_search_versions()", "nianbao_search_upsert(integer)"):
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {fn}")
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_search_fts_grams")
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_search_fts_body_trgm")
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS nianbao_grams(text)")
    op.drop_index("ix_search_documents_filters", table_name="search_documents")
    op.drop_table("search_documents")
