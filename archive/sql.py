"""Small SQL helpers that behave the same on SQLite and PostgreSQL."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, model, rows: list[dict[str, Any]], conflict: list[str]) -> None:
    """``INSERT … ON CONFLICT (conflict) DO NOTHING`` for one or many rows.

    With concurrent writers the loser of a race waits for the winner's commit and then
    inserts nothing: callers select the row afterwards.
    """
    if not rows:
        return
    table = model.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt = postgresql.insert(table)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table)
    else:  # pragma: no cover - only the two supported backends
        raise NotImplementedError(dialect)
    session.execute(stmt.on_conflict_do_nothing(index_elements=conflict), rows)


def get_or_create(session: Session, model, key: dict[str, Any], values: dict[str, Any] | None = None) -> int:
    """The id of the row of ``model`` with ``key`` (unique), inserted first if missing."""
    where = [getattr(model, k) == v for k, v in key.items()]
    found = session.execute(sa.select(model.id).where(*where)).scalar()
    if found is not None:
        return found
    insert_ignore(session, model, [{**key, **(values or {})}], list(key))
    return session.execute(sa.select(model.id).where(*where)).scalar_one()
