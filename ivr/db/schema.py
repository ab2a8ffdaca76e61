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
    # What the account may do in the console: 'speaker', 'editor' or 'administrator'
    # (ivr/console/roles.py). Accounts made before roles existed became administrators.
    sa.Column("role", sa.String(16), nullable=False, server_default="editor"),
    # Seconds since the epoch when an administrator turned the account off; NULL: it works.
    sa.Column("disabled_at", sa.Float, nullable=True),
    # Set by an administrator (a new account, a reset): the person must choose their own.
    sa.Column("password_temporary", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("last_seen", sa.Float, nullable=True),  # the latest login or page, roughly
    # HMAC-SHA256 of the phone PIN keyed with SECRET_KEY (a PIN names its account, so unique).
    sa.Column("phone_pin_hash", sa.String(80), nullable=True),
    sa.Index("staff_phone_pin", "phone_pin_hash", unique=True),
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

# -- reaching callers who cannot pay, and numbers that answer (issue 18) -----------------------

# Missed-call callbacks waiting to be placed (ivr/callbacks). The ONLY place a caller's
# number is kept: the row goes when the callback is answered or given up, and after 24 hours
# whatever happens. `number` is unique: one pending callback per caller.
callback_queue = sa.Table(
    "callback_queue",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("number", sa.String(20), nullable=False),  # E.164 of the caller
    sa.Column("line", sa.String(20), nullable=False),  # the number they dialed: the callback's From
    sa.Column("state", sa.String(12), nullable=False),  # waiting | calling
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("due", sa.Float, nullable=False),  # seconds since the epoch
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("claimed", sa.Float, nullable=True),  # when a worker took it to call
    sa.Column("call_sid", sa.String(34), nullable=True),  # Twilio's CallSid of the attempt
    sa.UniqueConstraint("number", name="callback_queue_number"),
    sa.Index("callback_queue_due", "state", "due"),
)

# At most CALLBACK_PER_NUMBER_DAY callbacks per caller per day, counted under a keyed hash of
# the day and the number (as sms_quota): the number itself is never in this table.
callback_quota = sa.Table(
    "callback_quota",
    metadata,
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("count", sa.Integer, nullable=False, server_default="0"),
)

# Totals only: per UTC hour ("2026-12-01T14") how many callbacks were asked, queued, placed,
# answered, given up, refused by a limit... (the per-hour limit counts `queued` here).
callback_counts = sa.Table(
    "callback_counts",
    metadata,
    sa.Column("hour", sa.String(13), primary_key=True),
    sa.Column("event", sa.String(24), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False, server_default="0"),
)

# One row (id 1) when an administrator paused callbacks or set the limits from the console;
# NULL limits (or no row) mean the environment's CALLBACK_* values.
callback_settings = sa.Table(
    "callback_settings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("per_number_day", sa.Integer, nullable=True),
    sa.Column("per_hour", sa.Integer, nullable=True),
    sa.Column("updated_by", sa.String(80), nullable=False),
    sa.Column("updated", sa.String(32), nullable=False),
)

# Test calls to the transfer numbers (ivr/destinations): one row per check, kept as history
# (they hold only the line's own directory numbers). result: human | machine | busy |
# no_answer | failed | invalid; NULL while requested or ringing.
destination_checks = sa.Table(
    "destination_checks",
    metadata,
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
    sa.Index("destination_checks_number", "number_id", "id"),
)

# -- human voices (ivr/publish/take_store.py; phone PINs are staff.phone_pin_hash) ---------

# Takes of a recording session: one clip's words (ivr/audio/splice.py) said by one speaker,
# checked and converted for the phone. 'pending' (a phone take waiting for "1 keep"), 'draft'
# (kept, not yet heard by callers) or 'published' (in the version ``version_id`` made).
voice_takes = sa.Table(
    "voice_takes",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("lang", sa.String(16), nullable=False),
    sa.Column("clip", sa.String(16), nullable=False),  # splice.clip_key(lang, words)
    sa.Column("words", sa.Text, nullable=False),  # the spoken words it says
    sa.Column("author", sa.String(40), nullable=False),
    sa.Column("via", sa.String(8), nullable=False),  # 'browser' | 'phone'
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("created", sa.String(32), nullable=False),
    sa.Column("duration", sa.Float, nullable=False),
    sa.Column("checks", sa.JSON, nullable=False),
    sa.Column("version_id", sa.Integer, nullable=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Index("voice_takes_clip", "lang", "clip"),
    sa.Index("voice_takes_author", "author", "lang", "status"),
)

# Where a speaker's session of one language stands, on any device: the clips they skipped.
voice_progress = sa.Table(
    "voice_progress",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("lang", sa.String(16), primary_key=True),
    sa.Column("skipped", sa.JSON, nullable=False),
    sa.Column("updated", sa.String(32), nullable=False),
)
