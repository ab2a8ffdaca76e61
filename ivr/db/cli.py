"""``flask --app ivr db upgrade|current`` (plus whatever the app factory adds from above, such
as ``import-data-dir`` from :mod:`ivr.publish.importer`)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from . import Database


def _db() -> Database:
    return current_app.extensions["db"]


@click.command("upgrade")
@with_appcontext
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


@click.command("current")
@with_appcontext
def current_command() -> None:
    """Which migration the database is at, and whether that is this code's newest."""
    database = _db()
    current, head = database.revision(), database.head()
    state = "up to date" if current == head else f"BEHIND (this code needs {head})"
    click.echo(f"{database!r}: schema {current or 'empty'}, {state}")


def db_cli(*more: click.Command) -> AppGroup:
    """The ``db`` command group: upgrade, current, and ``more`` commands from higher floors
    (a new group each time, so no app's commands leak into another's)."""
    group = AppGroup("db", help="The database: schema migrations and importing old data.")
    for command in (upgrade_command, current_command, *more):
        group.add_command(command)
    return group
