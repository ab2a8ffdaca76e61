"""Every table of the round-3 contract: staff, sessions, throttling, content, audit, audio.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("language", sa.String(16), nullable=False, server_default="es"),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "name",
            sa.String(40),
            sa.ForeignKey("staff.name", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("last_seen", sa.Float, nullable=False),
    )
    op.create_index("staff_sessions_name", "staff_sessions", ["name"])
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("last_failure", sa.Float, nullable=False),
        sa.Column("locked_until", sa.Float, nullable=False),
    )
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("created", sa.String(32), nullable=False),
        sa.Column("author", sa.String(80), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("parent_id", sa.Integer, nullable=True),
        sa.Column("files", sa.JSON, nullable=False),
        sa.Column("manifest", sa.JSON, nullable=False),
    )
    live = op.create_table(
        "live",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version_id", sa.Integer, nullable=True),
        sa.Column("serial", sa.Integer, nullable=False, server_default="0"),
    )
    # The one row publishers lock (SELECT ... FOR UPDATE) and every worker polls.
    op.bulk_insert(live, [{"id": 1, "version_id": None, "serial": 0}])
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("who", sa.String(80), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("what", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("version_id", sa.Integer, nullable=True),
    )
    op.create_table(
        "audio",
        sa.Column("lang", sa.String(16), primary_key=True),
        sa.Column("file", sa.String(200), primary_key=True),
        sa.Column("created", sa.String(32), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "drafts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("lang", sa.String(16), nullable=False),
        sa.Column("prompt_id", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("duration", sa.Float, nullable=False),
        sa.Column("author", sa.String(80), nullable=False),
        sa.Column("original", sa.Text, nullable=False),
        sa.Column("created", sa.String(32), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "text_drafts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("lang", sa.String(16), nullable=True),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("author", sa.String(80), nullable=False),
        sa.Column("created", sa.String(32), nullable=False),
    )
    op.create_table(
        "reviews",
        sa.Column("lang", sa.String(16), primary_key=True),
        sa.Column("prompt_id", sa.String(200), primary_key=True),
        sa.Column("text_sha256", sa.String(64), primary_key=True),
        sa.Column("reviewer", sa.String(80), nullable=False),
        sa.Column("reviewed_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "counts",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("lang", sa.String(16), primary_key=True),
        sa.Column("node", sa.String(200), primary_key=True),
        sa.Column("event", sa.String(40), primary_key=True),
        sa.Column("detail", sa.String(200), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "sms_quota",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("count", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    for table in (
        "sms_quota",
        "counts",
        "reviews",
        "text_drafts",
        "drafts",
        "audio",
        "audit",
        "live",
        "versions",
        "blobs",
        "login_failures",
        "staff_sessions",
        "staff",
    ):
        op.drop_table(table)
