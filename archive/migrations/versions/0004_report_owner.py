"""A report belongs to the portal that published it: the owner's source and host.

Revision ID: 0004_report_owner
Revises: 0003_alerts
Create Date: 2026-11-26

Written by hand. Two nullable columns on ``reports``, filled from each report's first
version: its document's source and its URL's host. A later version may come only from
that source or host (archive/ingest.py); a copy from elsewhere is a ``conflict`` event.

``owner_source_id`` names ``sources.id`` without a foreign key: on SQLite adding one
rebuilds ``reports``, which drops the search triggers and re-indexes every report; the
column is only compared, never joined for integrity. Added columns need no rebuild
(batch mode's "auto" uses ALTER TABLE ADD COLUMN), and the search triggers fire only on
``latest_version_id``, so the backfill re-indexes nothing.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_report_owner"
down_revision = "0003_alerts"
branch_labels = None
depends_on = None


def _host(url: str | None) -> str | None:
    # The same rule as archive.identity.url_host, frozen here: a migration must not change
    # with the application code.
    from urllib.parse import urlsplit

    if not url or not url.lower().startswith(("http://", "https://")):
        return None
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    return (host[4:] if host.startswith("www.") else host)[:253] or None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("owner_source_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("owner_host", sa.String(253), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT v.report_id, d.source_id, d.url FROM versions v JOIN documents d ON d.id = v.document_id "
        "WHERE v.number = 1")).all()
    update = sa.text("UPDATE reports SET owner_source_id = :source, owner_host = :host WHERE id = :id")
    params = [{"id": report_id, "source": source_id, "host": _host(url)} for report_id, source_id, url in rows]
    for start in range(0, len(params), 1000):
        conn.execute(update, params[start:start + 1000])


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place (a batch rebuild of reports would drop the search
    # triggers and fail on the tables that refer to reports).
    op.drop_column("reports", "owner_host")
    op.drop_column("reports", "owner_source_id")
