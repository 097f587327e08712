"""The search index's own table (migration ``0002_search``), mirrored for Alembic and queries.

``search_documents`` holds, per report, the text and filter fields of its LATEST version.
Database triggers fill it (from ``reports.latest_version_id`` and ``versions``) and keep the
full-text indexes in step with it: SQLite FTS5 tables ``search_fts`` (trigram) and
``search_chars_fts`` (one token per character); on PostgreSQL the GIN indexes
``ix_search_fts_body_trgm`` (pg_trgm) and ``ix_search_fts_grams`` (1- and 2-character
grams). Those live only in the migration; ``archive/migrations/env.py`` leaves names with ``_fts``
to it.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from archive.models import Base


class SearchDocument(Base):
    """The searchable text of one report's latest version (maintained by triggers)."""

    __tablename__ = "search_documents"
    # Covering index for the filters: reading them from the table would read the rows that
    # hold the texts.
    __table_args__ = (sa.Index("ix_search_documents_filters", "report_id", "template", "has_violations"),)
    report_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version_id: Mapped[int]
    template: Mapped[str | None] = mapped_column(sa.String(20))
    has_violations: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(sa.Text, default="")
