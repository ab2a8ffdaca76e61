"""Missed-call callbacks (queue, quota, counts, settings) and destination checks (issue 18).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "callback_queue",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("line", sa.String(20), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("due", sa.Float, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("claimed", sa.Float, nullable=True),
        sa.Column("call_sid", sa.String(34), nullable=True),
        sa.UniqueConstraint("number", name="callback_queue_number"),
    )
    op.create_index("callback_queue_due", "callback_queue", ["state", "due"])
    op.create_table(
        "callback_quota",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("count", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "callback_counts",
        sa.Column("hour", sa.String(13), primary_key=True),
        sa.Column("event", sa.String(24), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "callback_settings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("per_number_day", sa.Integer, nullable=True),
        sa.Column("per_hour", sa.Integer, nullable=True),
        sa.Column("updated_by", sa.String(80), nullable=False),
        sa.Column("updated", sa.String(32), nullable=False),
    )
    op.create_table(
        "destination_checks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("number_id", sa.String(200), nullable=False),
        sa.Column("e164", sa.String(20), nullable=False),
        sa.Column("requested", sa.Float, nullable=False),
        sa.Column("requested_by", sa.String(80), nullable=False),
        sa.Column("placed", sa.Float, nullable=True),
        sa.Column("finished", sa.Float, nullable=True),
        sa.Column("result", sa.String(16), nullable=True),
        sa.Column("answered_by", sa.String(24), nullable=True),
        sa.Column("call_sid", sa.String(34), nullable=True),
    )
    op.create_index("destination_checks_number", "destination_checks", ["number_id", "id"])


def downgrade() -> None:
    op.drop_index("destination_checks_number", table_name="destination_checks")
    op.drop_table("destination_checks")
    op.drop_table("callback_settings")
    op.drop_table("callback_counts")
    op.drop_table("callback_quota")
    op.drop_index("callback_queue_due", table_name="callback_queue")
    op.drop_table("callback_queue")
