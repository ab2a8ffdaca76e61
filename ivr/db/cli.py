"""``flask --app ivr db upgrade|current|import-data-dir``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from . import Database

db_cli = AppGroup("db", help="The database: schema migrations and importing old data.")


def _db() -> Database:
    return current_app.extensions["db"]


@db_cli.command("upgrade")
def upgrade_command() -> None:
    """Create the schema, or bring it up to this code's newest migration (the release phase)."""
    database = _db()
    before = database.revision()
    database.upgrade()
    after = database.revision()
    if before == after:
        click.echo(f"database schema already at {after}")
    else:
        click.echo(f"database schema upgraded: {before or 'empty'} -> {after}")


@db_cli.command("current")
def current_command() -> None:
    """Which migration the database is at, and whether that is this code's newest."""
    database = _db()
    current, head = database.revision(), database.head()
    state = "up to date" if current == head else f"BEHIND (this code needs {head})"
    click.echo(f"{database!r}: schema {current or 'empty'}, {state}")


@db_cli.command("import-data-dir")
@click.argument(
    "path", required=False, type=click.Path(file_okay=False, exists=True, path_type=Path)
)
def import_command(path: Path | None) -> None:
    """Import an old file-based DATA_DIR (default: DATA_DIR): versions (same ids), the live
    pointer, the audit log, published audio, drafts and staff accounts. Running it again adds
    nothing."""
    from .importer import import_data_dir

    root = path or current_app.config["SETTINGS"].data_dir
    report = import_data_dir(_db(), root)
    for line in report.lines():
        click.echo(line)
