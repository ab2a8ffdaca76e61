"""Every table the hotline keeps, as SQLAlchemy Core (no ORM): the one source of the schema.

Migrations (``ivr/db/migrations``) create exactly these (tests/test_db_schema.py). Times are
either ISO 8601 UTC strings (what staff read: versions, audit, audio, drafts) or seconds since
the epoch (what code compares: sessions, login failures).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

staff = sa.Table(
    "staff",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("language", sa.String(16), nullable=False, server_default="es"),
)

staff_sessions = sa.Table(
    "staff_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # sha256 of the cookie's random token
    sa.Column(
        "name", sa.String(40), sa.ForeignKey("staff.name", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("last_seen", sa.Float, nullable=False),
    sa.Index("staff_sessions_name", "name"),
)

login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),  # 'user:<name>' or 'addr:<address>'
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("last_failure", sa.Float, nullable=False),
    sa.Column("locked_until", sa.Float, nullable=False),
)

# Content-addressed pack files and audio-manifest parts: sha256 of the raw bytes, stored
# zlib-compressed. A version lists the hashes it uses, so a text edit adds one small blob.
blobs = sa.Table(
    "blobs",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size", sa.Integer, nullable=False),  # of the raw (uncompressed) bytes
    sa.Column("data", sa.LargeBinary, nullable=False),
)

versions = sa.Table(
    "versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("created", sa.String(32), nullable=False),
    sa.Column("author", sa.String(80), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("parent_id", sa.Integer, nullable=True),  # not a foreign key: prune may drop it
    sa.Column("files", sa.JSON, nullable=False),  # pack file name -> blob sha256
    sa.Column("manifest", sa.JSON, nullable=False),  # language -> blob sha256 of its part
)

live = sa.Table(
    "live",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),  # always 1
    sa.Column("version_id", sa.Integer, nullable=True),  # NULL: the seed is served
    sa.Column("serial", sa.Integer, nullable=False, server_default="0"),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("who", sa.String(80), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("what", sa.Text, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("version_id", sa.Integer, nullable=True),
)

audio = sa.Table(
    "audio",
    metadata,
    sa.Column("lang", sa.String(16), primary_key=True),
    sa.Column("file", sa.String(200), primary_key=True),
    sa.Column("created", sa.String(32), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

drafts = sa.Table(
    "drafts",
    metadata,
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

text_drafts = sa.Table(
    "text_drafts",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # 'text' | 'number'
    sa.Column("target", sa.String(200), nullable=False),
    sa.Column("lang", sa.String(16), nullable=True),
    sa.Column("value", sa.JSON, nullable=False),
    sa.Column("author", sa.String(80), nullable=False),
    sa.Column("created", sa.String(32), nullable=False),
)

reviews = sa.Table(
    "reviews",
    metadata,
    sa.Column("lang", sa.String(16), primary_key=True),
    sa.Column("prompt_id", sa.String(200), primary_key=True),
    sa.Column("text_sha256", sa.String(64), primary_key=True),
    sa.Column("reviewer", sa.String(80), nullable=False),
    sa.Column("reviewed_at", sa.String(32), nullable=False),
)

counts = sa.Table(
    "counts",
    metadata,
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("lang", sa.String(16), primary_key=True),
    sa.Column("node", sa.String(200), primary_key=True),
    sa.Column("event", sa.String(40), primary_key=True),
    sa.Column("detail", sa.String(200), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False, server_default="0"),
)

sms_quota = sa.Table(
    "sms_quota",
    metadata,
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("count", sa.Integer, nullable=False, server_default="0"),
)
