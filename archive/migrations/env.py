"""Alembic environment: migrates the app's own database URL.

The URL is the one the app uses (``archive.db.database_url``: ``--db``, ``$NIANBAO_DB``,
default ``sqlite:///nianbao.db``); ``nianbao db upgrade`` passes its open connection in
``config.attributes["connection"]``. SQLite migrations run in batch mode.
"""
from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from archive import db
from archive.models import Base
import archive.search.models  # noqa: F401,E402  (registers search_documents, migration 0002)
import archive.alerts.models  # noqa: F401,E402  (registers the alert tables, migration 0003)

config = context.config
if config.config_file_name is not None and config.attributes.get("connection") is None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def include_name(name, type_, parent_names) -> bool:
    """Leave full-text index tables (SQLite FTS5 and their shadow tables) to their migrations."""
    if type_ in ("table", "index") and name and ("_fts" in name):
        return False
    return True


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or db.database_url(None)


def run_migrations_offline() -> None:
    url = _url()
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=url.startswith("sqlite"), include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with db.engine_for(db.database_url(_url())).connect() as connection:
        _run(connection)
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
