"""The search index's DDL lives in the migrations alone (frozen there, importing no
application code: tests/test_architecture.py). The application keeps no copy: it reads
the triggers back from the database (``archive.search.schema.triggers``), so dropping them
and making them again must leave the schema exactly as the migrations left it."""
from __future__ import annotations

import sqlalchemy as sa

from archive import db
from archive.search import schema

# The names the migrations give the triggers (docs/web.md): what the application finds.
SQLITE_TRIGGERS = {"search_documents_ai", "search_documents_ad", "search_documents_au", "search_reports_ai",
                   "search_reports_au", "search_reports_ad", "search_versions_au"}
POSTGRES_TRIGGERS = {"search_reports_ai", "search_reports_au", "search_reports_ad", "search_versions_au"}


def _schema_dump(conn: sa.Connection) -> list[tuple]:
    """Everything the database says of its schema: SQLite's ``sqlite_master``; PostgreSQL's
    triggers (definition, whether enabled), functions, indexes and index statistics targets."""
    if conn.dialect.name == "sqlite":
        return sorted(conn.exec_driver_sql("SELECT type, name, tbl_name, sql FROM sqlite_master").all())
    return sorted(conn.exec_driver_sql("""
        SELECT 'trigger', tgname::text, pg_get_triggerdef(oid) || ' ' || tgenabled::text FROM pg_trigger WHERE NOT tgisinternal
        UNION ALL SELECT 'function', proname::text, pg_get_functiondef(p.oid) FROM pg_proc p
            JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()
        UNION ALL SELECT 'index', indexname::text, indexdef FROM pg_indexes WHERE schemaname = current_schema()
        UNION ALL SELECT 'statistics', c.relname || '.' || a.attname, a.attstattarget::text FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND a.attnum > 0""").all())


def test_the_search_triggers_are_made_again_as_the_migrations_made_them(db_url):
    db.upgrade(db_url)
    engine = db.engine_for(db_url)
    with engine.begin() as conn:
        before = _schema_dump(conn)
        found = schema.triggers(conn)
        assert set(found) == (SQLITE_TRIGGERS if conn.dialect.name == "sqlite" else POSTGRES_TRIGGERS)
        dropped = schema.drop_triggers(conn)
        assert dropped == found and schema.triggers(conn) == {}
        assert _schema_dump(conn) != before
        schema.create_triggers(conn, dropped)
        assert schema.triggers(conn) == found
        assert _schema_dump(conn) == before
    engine.dispose()


def test_0005_swaps_only_the_spacing_and_refuses_a_trigger_it_does_not_know(tmp_path):
    """0005 remakes the three spacing triggers from what the database holds: down and up
    again leaves the schema as it was, and a trigger 0002 did not make stops the upgrade."""
    import pytest
    from alembic import command

    url = f"sqlite:///{tmp_path / 'a.db'}"
    db.upgrade(url)
    with db.engine_for(url).connect() as conn:
        head = _schema_dump(conn)
    command.downgrade(db.alembic_config(url), "0004_report_owner")
    with db.engine_for(url).begin() as conn:
        spaced = conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE sql LIKE '%nianbao_spaced%'")
        assert spaced.scalar_one() == 0
    db.upgrade(url)
    with db.engine_for(url).begin() as conn:
        assert _schema_dump(conn) == head
    command.downgrade(db.alembic_config(url), "0004_report_owner")
    with db.engine_for(url).begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER search_documents_ad")
        conn.exec_driver_sql("CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN SELECT 1; END")
    db.dispose(url)
    with pytest.raises(Exception, match="search_documents_ad is not as the previous revision made it"):
        db.upgrade(url)
