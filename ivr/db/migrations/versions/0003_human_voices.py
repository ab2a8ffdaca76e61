"""Human voices: recording-session takes and each speaker's progress (phone PINs are the
``staff.phone_pin_hash`` column of revision 0004).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voice_takes",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("lang", sa.String(16), nullable=False),
        sa.Column("clip", sa.String(16), nullable=False),
        sa.Column("words", sa.Text, nullable=False),
        sa.Column("author", sa.String(40), nullable=False),
        sa.Column("via", sa.String(8), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created", sa.String(32), nullable=False),
        sa.Column("duration", sa.Float, nullable=False),
        sa.Column("checks", sa.JSON, nullable=False),
        sa.Column("version_id", sa.Integer, nullable=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_index("voice_takes_clip", "voice_takes", ["lang", "clip"])
    op.create_index("voice_takes_author", "voice_takes", ["author", "lang", "status"])
    op.create_table(
        "voice_progress",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("lang", sa.String(16), primary_key=True),
        sa.Column("skipped", sa.JSON, nullable=False),
        sa.Column("updated", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("voice_progress")
    op.drop_index("voice_takes_author", table_name="voice_takes")
    op.drop_index("voice_takes_clip", table_name="voice_takes")
    op.drop_table("voice_takes")
