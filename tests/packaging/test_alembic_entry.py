"""The checkout's alembic.ini (the `alembic` command's entry) sees the migrations nianbao runs."""
from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from archive import db

ROOT = Path(__file__).resolve().parents[2]


def test_alembic_ini_points_at_the_packaged_migrations():
    entry = ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini")))
    packaged = ScriptDirectory.from_config(db.alembic_config("sqlite://"))
    assert Path(entry.dir).resolve() == db.MIGRATIONS == Path(packaged.dir).resolve()
    assert entry.get_current_head() == packaged.get_current_head()
    assert [r.revision for r in entry.walk_revisions()] == [r.revision for r in packaged.walk_revisions()]
