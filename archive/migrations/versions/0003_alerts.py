"""Alerts: subscriptions, the deliveries outbox, the fan-out marks, overdue marks.

Revision ID: 0003_alerts
Revises: 0002_search
Create Date: 2026-11-22

Written by hand from archive/alerts/models.py. The tables refer to the archive core's
``events`` and ``agencies``; nothing of the core is altered.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003_alerts"
down_revision = "0002_search"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("agency", sa.String(200), nullable=True),
        sa.Column("region", sa.String(12), nullable=True),
        sa.Column("keyword", sa.String(200), nullable=True),
        sa.Column("kinds", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("since_event_id", sa.Integer(), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
    )

    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("next_attempt_at"),
        _ts("claimed_until", nullable=True),
        sa.Column("claim_token", sa.String(32), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _ts("created_at"),
        _ts("sent_at", nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_deliveries_event_id_events"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["subscription_id"], ["subscriptions.id"],
                                name=op.f("fk_deliveries_subscription_id_subscriptions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("event_id", "subscription_id", name=op.f("uq_deliveries_event_id_subscription_id")),
    )
    op.create_index(op.f("ix_deliveries_subscription_id"), "deliveries", ["subscription_id"])
    op.create_index("ix_deliveries_status_next_attempt_at", "deliveries", ["status", "next_attempt_at"])

    op.create_table(
        "alert_fanout",
        sa.Column("event_id", sa.Integer(), nullable=False),
        _ts("at"),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_alert_fanout_event_id_events"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_alert_fanout")),
    )

    op.create_table(
        "alert_overdue",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=False),
        _ts("at"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_alert_overdue_agency_id_agencies")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_alert_overdue_event_id_events"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("agency_id", "year", name=op.f("pk_alert_overdue")),
    )


def downgrade() -> None:
    op.drop_table("alert_overdue")
    op.drop_table("alert_fanout")
    op.drop_index("ix_deliveries_status_next_attempt_at", table_name="deliveries")
    op.drop_index(op.f("ix_deliveries_subscription_id"), table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_table("subscriptions")
