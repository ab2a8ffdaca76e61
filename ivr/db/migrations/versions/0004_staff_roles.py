"""Staff roles: what each account may do (speaker, editor, administrator), accounts turned off
by an administrator, temporary passwords, when each was last seen, and the phone PIN's hash.

Accounts that exist when this runs could do everything before, so they become administrators;
accounts made afterwards are editors unless made otherwise.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "staff", sa.Column("role", sa.String(16), nullable=False, server_default="editor")
    )
    op.add_column("staff", sa.Column("disabled_at", sa.Float, nullable=True))
    op.add_column(
        "staff",
        sa.Column("password_temporary", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.add_column("staff", sa.Column("last_seen", sa.Float, nullable=True))
    op.add_column("staff", sa.Column("phone_pin_hash", sa.String(80), nullable=True))
    op.create_index("staff_phone_pin", "staff", ["phone_pin_hash"], unique=True)
    # Everyone could do everything until now: nobody loses a right by this upgrade.
    op.execute(sa.text("UPDATE staff SET role = 'administrator'"))


def downgrade() -> None:
    op.drop_index("staff_phone_pin", table_name="staff")
    with op.batch_alter_table("staff") as batch:  # SQLite rebuilds the table to drop columns
        for column in ("phone_pin_hash", "last_seen", "password_temporary", "disabled_at", "role"):
            batch.drop_column(column)
