"""Full-text search over the latest version of each report.

Revision ID: 0002_search
Revises: 0001_initial
Create Date: 2026-11-22

``search_documents`` (one row per report: its latest version's text, template and whether
it has violations) plus, on SQLite, the FTS5 tables ``search_fts`` (trigram) and
``search_chars_fts`` (one token per character) and on PostgreSQL ``pg_trgm`` and two GIN
indexes. Triggers keep it all in step with ``reports.latest_version_id`` and ``versions``;
the DDL lives in ``archive/search/schema.py`` because later batch migrations on SQLite
must recreate the triggers (see docs/web.md).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from archive.search import schema

revision = "0002_search"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("report_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(20), nullable=True),
        sa.Column("has_violations", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_search_documents")),
    )
    op.create_index("ix_search_documents_filters", "search_documents", ["report_id", "template", "has_violations"])
    schema.upgrade(op.get_bind(), sqlite_spaced=schema.SQL_SPACED)  # as at this revision (0005 changed it)


def downgrade() -> None:
    schema.downgrade(op.get_bind())
    op.drop_index("ix_search_documents_filters", table_name="search_documents")
    op.drop_table("search_documents")
