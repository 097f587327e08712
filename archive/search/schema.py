"""The search index's DDL as the newest migration leaves it, its SQL function and its refill.

The migrations that made the index (``0002_search``, ``0005_search_spaced``) hold their own
frozen copies of this DDL: a migration must not change when the application does. This
copy serves what runs on an archive already migrated: :func:`rebuild` (refill the index),
:func:`drop_triggers`/:func:`create_triggers` (bulk loads, tests, benchmarks) and
:func:`register_functions` (the SQL function the SQLite triggers call). Changing the DDL
here changes no database: it takes a new migration carrying the new DDL, and
``tests/archive/test_migrations_frozen.py`` checks that this copy is what the migrations
leave. SQLite's ``batch_alter_table`` rebuilds a table and silently drops its triggers
(docs/web.md: what a migration that batch-alters ``reports``, ``versions`` or
``search_documents`` must do).

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


_SQLITE_UPSERT = """
    INSERT INTO search_documents (report_id, version_id, template, has_violations, body)
    SELECT v.report_id, v.id, json_extract(v.record, '$.template'),
           coalesce(json_array_length(v.record, '$.violations'), 0) > 0, coalesce(v.text, '')
    FROM versions v WHERE v.id = {version_id}
    ON CONFLICT (report_id) DO UPDATE SET version_id = excluded.version_id,
        template = excluded.template, has_violations = excluded.has_violations,
        body = excluded.body;"""

SQLITE_TABLES = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        body, content='search_documents', content_rowid='report_id', tokenize='trigram')""",
    """CREATE VIRTUAL TABLE search_chars_fts USING fts5(
        body, content='', tokenize='unicode61 remove_diacritics 0')""",
]

SQLITE_TRIGGERS = {
    "search_documents_ai": """
    CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
        INSERT INTO search_fts (rowid, body) VALUES (new.report_id, new.body);
        INSERT INTO search_chars_fts (rowid, body) VALUES (new.report_id, nianbao_spaced(new.body));
    END""",
    "search_documents_ad": """
    CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
        INSERT INTO search_fts (search_fts, rowid, body) VALUES ('delete', old.report_id, old.body);
        INSERT INTO search_chars_fts (search_chars_fts, rowid, body)
            VALUES ('delete', old.report_id, nianbao_spaced(old.body));
    END""",
    "search_documents_au": """
    CREATE TRIGGER search_documents_au AFTER UPDATE OF body ON search_documents
    WHEN old.body IS NOT new.body BEGIN
        INSERT INTO search_fts (search_fts, rowid, body) VALUES ('delete', old.report_id, old.body);
        INSERT INTO search_chars_fts (search_chars_fts, rowid, body)
            VALUES ('delete', old.report_id, nianbao_spaced(old.body));
        INSERT INTO search_fts (rowid, body) VALUES (new.report_id, new.body);
        INSERT INTO search_chars_fts (rowid, body) VALUES (new.report_id, nianbao_spaced(new.body));
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

POSTGRES_SETUP = [
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

POSTGRES_TRIGGERS = {
    "search_reports_ai": """CREATE TRIGGER search_reports_ai AFTER INSERT ON reports
        FOR EACH ROW WHEN (NEW.latest_version_id IS NOT NULL) EXECUTE FUNCTION nianbao_search_reports()""",
    "search_reports_au": """CREATE TRIGGER search_reports_au AFTER UPDATE OF latest_version_id ON reports
        FOR EACH ROW EXECUTE FUNCTION nianbao_search_reports()""",
    "search_reports_ad": """CREATE TRIGGER search_reports_ad AFTER DELETE ON reports
        FOR EACH ROW EXECUTE FUNCTION nianbao_search_reports()""",
    "search_versions_au": """CREATE TRIGGER search_versions_au AFTER UPDATE OF record, text ON versions
        FOR EACH ROW EXECUTE FUNCTION nianbao_search_versions()""",
}
_POSTGRES_TRIGGER_TABLES = {"search_reports_ai": "reports", "search_reports_au": "reports",
                            "search_reports_ad": "reports", "search_versions_au": "versions"}

def drop_triggers(conn: sa.Connection) -> None:
    """Drop every search trigger: call it before a batch migration of ``reports``, ``versions``
    or ``search_documents`` on SQLite (its table rename fails on triggers naming a table
    that is momentarily missing), then :func:`create_triggers` and :func:`rebuild` after."""
    if conn.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for name, table in _POSTGRES_TRIGGER_TABLES.items():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")


def create_triggers(conn: sa.Connection) -> None:
    """(Re)create every search trigger (after a bulk load or a batch migration dropped them)."""
    if conn.dialect.name == "sqlite":
        for name, ddl in SQLITE_TRIGGERS.items():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
            conn.exec_driver_sql(ddl)
    else:
        for name, ddl in POSTGRES_TRIGGERS.items():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {_POSTGRES_TRIGGER_TABLES[name]}")
            conn.exec_driver_sql(ddl)


def rebuild(conn: sa.Connection) -> int:
    """Refill ``search_documents`` from every report's latest version; rebuild the indexes.

    Returns the number of reports indexed. Safe to run at any time (one transaction).
    """
    conn.exec_driver_sql("DELETE FROM search_documents")
    if conn.dialect.name == "sqlite":
        # The delete triggers removed the rows from both FTS tables; start them clean anyway.
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
    return conn.exec_driver_sql("SELECT count(*) FROM search_documents").scalar_one()
