"""The archive core: agencies, sources, crawls, documents, snapshots, reports, versions, cells, events.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-22

Written by hand from the models (archive/models.py). ``reports`` and ``documents`` refer
to each other, so the two foreign keys of ``reports`` that close the cycle
(``latest_version_id``, ``document_id``) are added after ``documents`` and ``versions``
exist (batch mode on SQLite, which rebuilds the still-empty table).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=True),
        sa.Column("level", sa.String(20), nullable=True),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("name", name=op.f("uq_agencies_name")),
    )
    op.create_index(op.f("ix_agencies_region_code"), "agencies", ["region_code"])

    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
        sa.UniqueConstraint("name", name=op.f("uq_sources_name")),
    )

    op.create_table(
        "crawls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        _ts("started_at"),
        _ts("finished_at", nullable=True),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("baseline", sa.Boolean(), nullable=False),
        sa.Column("listed", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], name=op.f("fk_crawls_source_id_sources")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawls")),
    )
    op.create_index(op.f("ix_crawls_source_id"), "crawls", ["source_id"])

    op.create_table(
        "snapshots",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("compression", sa.String(8), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_snapshots")),
    )

    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("latest_version_id", sa.Integer(), nullable=True),
        sa.Column("version_count", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        _ts("first_seen"),
        _ts("updated_at"),
        _ts("withdrawn_at", nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_reports_agency_id_agencies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("agency_id", "year", name=op.f("uq_reports_agency_id_year")),
    )
    op.create_index(op.f("ix_reports_year"), "reports", ["year"])

    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(200), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.String(100), nullable=True),
        _ts("first_seen"),
        _ts("last_seen"),
        _ts("last_checked"),
        sa.Column("last_crawl_id", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=True),
        sa.Column("parser_version", sa.String(20), nullable=True),
        sa.Column("parse_error", sa.Text(), nullable=True),
        _ts("gone_since", nullable=True),
        sa.Column("gone_status", sa.Integer(), nullable=True),
        _ts("unlisted_since", nullable=True),
        _ts("withdrawn_at", nullable=True),
        sa.ForeignKeyConstraint(["last_crawl_id"], ["crawls.id"], name=op.f("fk_documents_last_crawl_id_crawls")),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_documents_report_id_reports")),
        sa.ForeignKeyConstraint(["sha256"], ["snapshots.sha256"], name=op.f("fk_documents_sha256_snapshots")),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], name=op.f("fk_documents_source_id_sources")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("url", name=op.f("uq_documents_url")),
    )
    op.create_index(op.f("ix_documents_report_id"), "documents", ["report_id"])
    op.create_index(op.f("ix_documents_source_id"), "documents", ["source_id"])

    op.create_table(
        "document_snapshots",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        _ts("first_fetched"),
        _ts("last_fetched"),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name=op.f("fk_document_snapshots_document_id_documents")),
        sa.ForeignKeyConstraint(["sha256"], ["snapshots.sha256"], name=op.f("fk_document_snapshots_sha256_snapshots")),
        sa.PrimaryKeyConstraint("document_id", "sha256", name=op.f("pk_document_snapshots")),
    )
    op.create_index(op.f("ix_document_snapshots_sha256"), "document_snapshots", ["sha256"])

    op.create_table(
        "versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("record", _json(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("parser_version", sa.String(20), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        _ts("first_seen"),
        sa.Column("crawl_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["crawl_id"], ["crawls.id"], name=op.f("fk_versions_crawl_id_crawls")),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_versions_document_id_documents")),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_versions_report_id_reports")),
        sa.ForeignKeyConstraint(["sha256"], ["snapshots.sha256"], name=op.f("fk_versions_sha256_snapshots")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_versions")),
        sa.UniqueConstraint("report_id", "number", name=op.f("uq_versions_report_id_number")),
    )
    op.create_index(op.f("ix_versions_document_id"), "versions", ["document_id"])

    # Close the reports <-> documents/versions cycle.
    with op.batch_alter_table("reports") as batch:
        batch.create_foreign_key("fk_reports_latest_version_id_versions", "versions", ["latest_version_id"], ["id"])
        batch.create_foreign_key("fk_reports_document_id_documents", "documents", ["document_id"], ["id"])

    op.create_table(
        "version_snapshots",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        _ts("first_seen"),
        sa.ForeignKeyConstraint(["sha256"], ["snapshots.sha256"], name=op.f("fk_version_snapshots_sha256_snapshots")),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"], name=op.f("fk_version_snapshots_version_id_versions")),
        sa.PrimaryKeyConstraint("version_id", "sha256", name=op.f("pk_version_snapshots")),
    )
    op.create_index(op.f("ix_version_snapshots_sha256"), "version_snapshots", ["sha256"])

    op.create_table(
        "cells",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(32), nullable=False),
        sa.Column("row_key", sa.String(255), nullable=False),
        sa.Column("column_key", sa.String(64), nullable=False),
        sa.Column("value", sa.Float(precision=53), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"], name=op.f("fk_cells_version_id_versions"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("version_id", "table_name", "row_key", "column_key", name=op.f("pk_cells")),
        sqlite_with_rowid=False,  # clustered by version; see archive/models.py
    )

    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        _ts("at"),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("baseline", sa.Boolean(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("crawl_id", sa.Integer(), nullable=True),
        sa.Column("changes", _json(), nullable=True),
        sa.Column("detail", _json(), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_events_agency_id_agencies")),
        sa.ForeignKeyConstraint(["crawl_id"], ["crawls.id"], name=op.f("fk_events_crawl_id_crawls")),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_events_report_id_reports")),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"], name=op.f("fk_events_version_id_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index(op.f("ix_events_agency_id"), "events", ["agency_id"])
    op.create_index(op.f("ix_events_at"), "events", ["at"])
    op.create_index("ix_events_kind_at", "events", ["kind", "at"])
    op.create_index(op.f("ix_events_report_id"), "events", ["report_id"])


def downgrade() -> None:
    for table in ("events", "cells", "version_snapshots"):
        op.drop_table(table)
    with op.batch_alter_table("reports") as batch:
        batch.drop_constraint("fk_reports_latest_version_id_versions", type_="foreignkey")
        batch.drop_constraint("fk_reports_document_id_documents", type_="foreignkey")
    for table in ("versions", "document_snapshots", "documents", "reports", "snapshots", "crawls", "sources",
                  "agencies"):
        op.drop_table(table)
