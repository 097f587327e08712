"""The checkout's `alembic/` entry (alembic.ini → alembic/env.py) sees and runs the migrations nianbao runs."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from archive import db

ROOT = Path(__file__).resolve().parents[2]


def _entry() -> Config:
    return Config(str(ROOT / "alembic.ini"))


def test_alembic_ini_points_at_the_packaged_migrations():
    entry = ScriptDirectory.from_config(_entry())
    packaged = ScriptDirectory.from_config(db.alembic_config("sqlite://"))
    # The entry is the top-level alembic/ folder; its revisions are the package's files.
    assert Path(entry.dir).resolve() == ROOT / "alembic"
    assert [Path(p).resolve() for p in entry.version_locations] == [db.MIGRATIONS / "versions"]
    assert entry.get_current_head() == packaged.get_current_head()
    assert [r.revision for r in entry.walk_revisions()] == [r.revision for r in packaged.walk_revisions()]
    assert (ROOT / "alembic" / "script.py.mako").read_text() == (db.MIGRATIONS / "script.py.mako").read_text()


def test_alembic_upgrade_from_the_checkout_builds_the_archive(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'dev.db'}"
    monkeypatch.setenv("NIANBAO_DB", url)
    command.upgrade(_entry(), "head")
    head = ScriptDirectory.from_config(db.alembic_config(url)).get_current_head()
    with sqlite3.connect(tmp_path / "dev.db") as conn:
        assert conn.execute("select version_num from alembic_version").fetchone() == (head,)
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
    assert {"agencies", "reports", "versions", "events"} <= tables
    db.dispose(url)
