"""Small SQL helpers that behave the same on SQLite and PostgreSQL."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def _insert(session: Session, table):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database {dialect}")  # pragma: no cover


# Statements built once and reused: a reused statement object keeps its memoized cache key,
# so SQLAlchemy neither rebuilds nor re-keys it on every call (a hot-path cost at ingest).
# Only statement objects are kept here, keyed by dialect name; never sessions or engines.
_statements: dict[tuple, Any] = {}


def _insert_ignore_stmt(session: Session, table: sa.Table, conflict: list[str], returning: bool):
    key = (session.get_bind().dialect.name, table, tuple(conflict), returning)
    stmt = _statements.get(key)
    if stmt is None:
        stmt = _insert(session, table).on_conflict_do_nothing(index_elements=conflict)
        if returning:
            stmt = stmt.returning(table.c.id)
        _statements[key] = stmt
    return stmt


def insert_ignore(session: Session, model, rows: list[dict[str, Any]], conflict: list[str]) -> None:
    """``INSERT … ON CONFLICT (conflict) DO NOTHING`` for one or many rows.

    With concurrent writers the loser of a race waits for the winner's commit and then
    inserts nothing: callers select the row afterwards.
    """
    if not rows:
        return
    session.execute(_insert_ignore_stmt(session, model.__table__, conflict, False), rows)


def insert_returning_id(session: Session, model, values: dict[str, Any], conflict: list[str]) -> int | None:
    """Insert one row unless ``conflict`` columns clash; its new id, or None when it clashed."""
    # Values as parameters (not .values()): the statement's shape stays the same from call to
    # call, so SQLAlchemy reuses its compiled form.
    return session.execute(_insert_ignore_stmt(session, model.__table__, conflict, True), values).scalar()


def insert_ignore_returning(session: Session, model, rows: list[dict[str, Any]], conflict: list[str],
                            returning: tuple[str, ...]) -> list[sa.Row]:
    """``INSERT … ON CONFLICT (conflict) DO NOTHING RETURNING returning`` for many rows, in
    one statement (SQLAlchemy's "insertmanyvalues"); the rows inserted (a clash returns none)."""
    if not rows:
        return []
    table = model.__table__
    key = (session.get_bind().dialect.name, table, tuple(conflict), returning)
    stmt = _statements.get(key)
    if stmt is None:
        stmt = _statements[key] = _insert(session, table).on_conflict_do_nothing(index_elements=conflict).returning(
            *(table.c[name] for name in returning))
    return session.connection().execute(stmt, rows).all()


def get_or_create(session: Session, model, key: dict[str, Any], values: dict[str, Any] | None = None) -> int:
    """The id of the row of ``model`` with ``key`` (unique), inserted first if missing."""
    names = tuple(key)
    stmt = _statements.get((model, names))
    if stmt is None:
        stmt = _statements[(model, names)] = sa.select(model.id).where(
            *[getattr(model, k) == sa.bindparam(f"key_{k}") for k in names])
    params = {f"key_{k}": v for k, v in key.items()}
    found = session.execute(stmt, params).scalar()
    if found is not None:
        return found
    new_id = insert_returning_id(session, model, {**key, **(values or {})}, list(key))
    if new_id is not None:
        return new_id
    return session.execute(stmt, params).scalar_one()
