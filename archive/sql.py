"""Small SQL helpers that behave the same on SQLite and PostgreSQL."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def _insert(session: Session, table: sa.Table):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database {dialect}")  # pragma: no cover


def insert_ignore(session: Session, model, rows: list[dict[str, Any]], conflict: list[str]) -> None:
    """``INSERT … ON CONFLICT (conflict) DO NOTHING`` for one or many rows.

    With concurrent writers the loser of a race waits for the winner's commit and then
    inserts nothing: callers select the row afterwards.
    """
    if not rows:
        return
    stmt = _insert(session, model.__table__).on_conflict_do_nothing(index_elements=conflict)
    session.execute(stmt, rows)


def insert_returning_id(session: Session, model, values: dict[str, Any], conflict: list[str]) -> int | None:
    """Insert one row unless ``conflict`` columns clash; its new id, or None when it clashed."""
    table = model.__table__
    # Values as parameters (not .values()): the statement's shape stays the same from call to
    # call, so SQLAlchemy reuses its compiled form.
    stmt = _insert(session, table).on_conflict_do_nothing(index_elements=conflict).returning(table.c.id)
    return session.execute(stmt, values).scalar()


def get_or_create(session: Session, model, key: dict[str, Any], values: dict[str, Any] | None = None) -> int:
    """The id of the row of ``model`` with ``key`` (unique), inserted first if missing."""
    where = [getattr(model, k) == v for k, v in key.items()]
    found = session.execute(sa.select(model.id).where(*where)).scalar()
    if found is not None:
        return found
    new_id = insert_returning_id(session, model, {**key, **(values or {})}, list(key))
    if new_id is not None:
        return new_id
    return session.execute(sa.select(model.id).where(*where)).scalar_one()
