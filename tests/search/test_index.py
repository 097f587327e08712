"""The index follows the archive: new versions, in-place re-parses, rebuilds, batch migrations."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from archive.models import Report, Version
from archive.search import schema, search
from fill import add


def names(hits):
    return sorted((h.agency, h.year) for h in hits)


def test_reparse_in_place_and_old_versions(Session):
    with Session.begin() as s:
        add(s, "甲市审计局", 2021, "第一版：审计公开。")
        add(s, "甲市审计局", 2021, "第二版：审计整改。")
    with Session.begin() as s:
        report = s.execute(sa.select(Report)).scalar_one()
        v1, v2 = s.execute(sa.select(Version).order_by(Version.number)).scalars().all()
        assert report.latest_version_id == v2.id
        v1.text = "旧版本改写：不应被搜到的词汇甲乙丙"      # not the latest: index unchanged
        v2.text = "重新解析后的正文：复议两件。"             # the latest, re-parsed in place
        v2.record = {**v2.record, "violations": ["requests.row_sum:new"], "template": "2019"}
    with Session() as s:
        assert search(s, "甲乙丙") == []
        assert search(s, "整改") == []
        [hit] = search(s, "复议")
        assert hit.template == "2019" and hit.has_violations is True
        assert search(s, "复议", has_violations=False) == []


def test_empty_text_and_rebuild(Session):
    with Session.begin() as s:
        add(s, "乙县民政局", 2020, "")
        add(s, "乙县民政局", 2021, "民政公开：低保。")
    with Session.begin() as s:
        assert schema.rebuild(s.connection()) == 2
    with Session() as s:
        assert names(search(s, "低保")) == [("乙县民政局", 2021)]
        assert names(search(s, "民政")) == [("乙县民政局", 2021)]  # the empty text matches nothing


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_fts_integrity_after_changes(Session):
    with Session.begin() as s:
        for i in range(5):
            add(s, f"丙市{i}局", 2021, f"第{i}份报告：公安复议{i}。")
        add(s, "丙市0局", 2021, "改版：只剩信访。")
    with Session.begin() as s:
        s.execute(sa.text("INSERT INTO search_fts (search_fts, rank) VALUES ('integrity-check', 1)"))
        s.execute(sa.text("INSERT INTO search_chars_fts (search_chars_fts) VALUES ('integrity-check')"))
    with Session() as s:
        assert len(search(s, "复议")) == 4 and names(search(s, "信访")) == [("丙市0局", 2021)]
        assert len(search(s, "公")) == 4


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_batch_alter_with_drop_and_create_triggers(Session):
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    with Session.begin() as s:
        add(s, "丁市财政局", 2021, "预算公开。")
    with Session.begin() as s:
        conn = s.connection()
        schema.drop_triggers(conn)  # the recipe of docs/web.md for a batch migration
        with Operations.context(MigrationContext.configure(conn)) as op:
            with op.batch_alter_table("search_documents", recreate="always"):
                pass
        triggers = {r[0] for r in conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))}
        assert not any(t.startswith("search_") for t in triggers)
        schema.create_triggers(conn)
        assert schema.rebuild(conn) == 1
    with Session.begin() as s:
        add(s, "丁市财政局", 2021, "决算公开。")
    with Session() as s:
        assert names(search(s, "决算")) == [("丁市财政局", 2021)]
        assert search(s, "预算") == []


def test_migration_down_and_up_again(db_url):
    from alembic import command

    from archive import db

    url = db.database_url(db_url)
    Session = db.open_archive(url)
    with Session.begin() as s:
        add(s, "戊市统计局", 2021, "统计公开。")
    engine = db.engine_for(url)
    cfg = db.alembic_config(url)
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001_initial")
        conn.commit()
        assert "search_documents" not in sa.inspect(conn).get_table_names()
        command.upgrade(cfg, "head")  # re-creates and backfills the index from the latest versions
        conn.commit()
    with Session() as s:
        assert names(search(s, "统计")) == [("戊市统计局", 2021)]
    engine.dispose()
