"""``flask --app ivr content versions|restore|publish-seed|log``: thin commands over Publisher."""

from __future__ import annotations

import getpass
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from ..content import ContentError
from .publisher import Publisher

content_cli = AppGroup("content", help="Published versions of the line's content and audio.")

_BY = click.option(
    "--by", default=None, help="Who does this, for the audit log (default: your user name)."
)


def _publisher() -> Publisher:
    return current_app.extensions["publisher"]


def _refused(error: ContentError) -> None:
    click.echo(f"REFUSED: {len(error.problems)} problem(s); nothing was published", err=True)
    for problem in error.problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(1)


@content_cli.command("versions")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
def versions_command(limit: int) -> None:
    """List published versions, newest first (* = live)."""
    versions = _publisher().versions()
    if not versions:
        click.echo("nothing published yet: the line serves prompts/ and audio/ (the seed)")
        return
    for version in versions[:limit]:
        mark = "*" if version.live else " "
        click.echo(
            f"{mark} {version.id:>5}  {version.created}  {version.author:<12}  {version.summary}"
        )


@content_cli.command("restore")
@click.argument("version_id")
@_BY
def restore_command(version_id: str, by: str | None) -> None:
    """Make VERSION_ID live again, as a new version (history is kept)."""
    try:
        version = _publisher().restore_version(version_id, author=by or getpass.getuser())
    except KeyError as error:
        raise click.UsageError(str(error.args[0])) from error
    except ContentError as error:
        _refused(error)
    click.echo(f"version {version.id} is live: {version.summary}")


@content_cli.command("publish-seed")
@_BY
def publish_seed_command(by: str | None) -> None:
    """Publish the repository's prompts/ and audio/manifest.json as a new live version
    (to deploy developers' edits once staff have published from the console)."""
    try:
        version = _publisher().publish_seed(author=by or getpass.getuser())
    except ContentError as error:
        _refused(error)
    click.echo(f"version {version.id} is live: {version.summary}")


@content_cli.command("log")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
def log_command(limit: int) -> None:
    """The audit log: staff actions, newest first."""
    for entry in _publisher().audit_log(limit):
        click.echo(
            f"{entry.when}  {entry.who:<12}  {entry.action:<18}  {entry.what}: {entry.summary}"
        )
