"""Which migration a database is at, and this code's newest, without importing Alembic.

Every web worker asks both once, when it starts (the embedded file is upgraded if behind; a
shared database that is behind is refused, ivr.wsgi). Alembic and Mako cost a worker ~10 MB
it would never use again, so these read Alembic's own ``alembic_version`` table and the
revision ids written in ``migrations/versions/*.py``; :mod:`ivr.db.migrate` (Alembic itself)
runs only when there is something to upgrade. tests/test_db_schema.py checks both answers
against Alembic's.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import sqlalchemy as sa

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's default, which ivr/db/migrations/env.py keeps


def current_revision(conn: sa.Connection) -> str | None:
    """The revision recorded in the database; None for an empty database."""
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return None
    heads = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(heads) > 1:
        raise RuntimeError(f"the database is at several heads: {sorted(heads)}")
    return heads[0] if heads else None


@cache
def head_revision(folder: Path = MIGRATIONS / "versions") -> str:
    """The one revision no other revises (the scripts' ``revision``/``down_revision``)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for script in sorted(folder.glob("*.py")):
        values = _assignments(script)
        if "revision" not in values:
            continue
        revisions.add(values["revision"])
        down = values.get("down_revision")
        revised.update([down] if isinstance(down, str) else down or ())
    heads = revisions - revised
    if len(heads) != 1:
        raise RuntimeError(f"{folder} must have exactly one head revision, not {sorted(heads)}")
    return heads.pop()


def _assignments(script: Path) -> dict[str, object]:
    found: dict[str, object] = {}
    for node in ast.parse(script.read_text(encoding="utf-8"), str(script)).body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and node.value is not None:
                    try:
                        found[target.id] = ast.literal_eval(node.value)
                    except ValueError:
                        pass  # not a literal: not one of the ids
    return found
