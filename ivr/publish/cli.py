"""``flask --app ivr content versions|restore|publish-seed|log|set-text|set-number|make-audio|
prune``: thin commands over Publisher, validated exactly like the console. A refused change
writes nothing, says why (with file and key) and exits 1."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from ..audio.engines import EngineError
from ..content import ContentError
from .publisher import Publisher

content_cli = AppGroup("content", help="Published versions of the line's content and audio.")

_BY = click.option(
    "--by", default=None, help="Who does this, for the audit log (default: your user name)."
)


def _publisher() -> Publisher:
    return current_app.extensions["publisher"]


def _refused(error: ContentError) -> NoReturn:
    click.echo(f"REFUSED: {len(error.problems)} problem(s); nothing was published", err=True)
    for problem in error.problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(1)


def _fail(message: str) -> NoReturn:
    click.echo(f"REFUSED: {message}; nothing was published", err=True)
    sys.exit(1)


@contextmanager
def _refusals() -> Iterator[None]:
    """Every way a change is refused, said plainly, exit status 1."""
    try:
        yield
    except ContentError as error:
        _refused(error)
    except (KeyError, ValueError, EngineError) as error:
        _fail(str(error.args[0]) if error.args else str(error))
    except sa.exc.SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        _fail(f"the database cannot be reached or refused the change ({reason})")


def _author(by: str | None) -> str:
    return by or getpass.getuser()


def _published(run: Callable[[], object]) -> None:
    with _refusals():
        version = run()
    click.echo(f"version {version.id} is live: {version.summary}")  # type: ignore[attr-defined]


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
    with _refusals():
        try:
            version = _publisher().restore_version(version_id, author=_author(by))
        except KeyError as error:
            raise click.UsageError(str(error.args[0])) from error
    click.echo(f"version {version.id} is live: {version.summary}")


@content_cli.command("publish-seed")
@_BY
def publish_seed_command(by: str | None) -> None:
    """Publish the repository's prompts/ and audio/manifest.json as a new live version
    (to deploy developers' edits once staff have published from the console)."""
    _published(lambda: _publisher().publish_seed(author=_author(by)))


@content_cli.command("log")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
def log_command(limit: int) -> None:
    """The audit log: staff actions, newest first."""
    for entry in _publisher().audit_log(limit):
        click.echo(
            f"{entry.when}  {entry.who:<12}  {entry.action:<18}  {entry.what}: {entry.summary}"
        )


@content_cli.command("set-text")
@click.argument("lang")
@click.argument("prompt_id")
@click.argument("text")
@_BY
def set_text_command(lang: str, prompt_id: str, text: str, by: str | None) -> None:
    """Publish TEXT as the words of PROMPT_ID in LANG (its audio turns stale: callers hear
    the computer voice saying it until audio is made or recorded)."""
    _published(lambda: _publisher().set_text(lang, prompt_id, text, author=_author(by)))


@content_cli.command("set-number")
@click.argument("number_id")
@click.argument("e164")
@_BY
def set_number_command(number_id: str, e164: str, by: str | None) -> None:
    """Publish E164 (+countrycode...) as the phone number NUMBER_ID of directory.yaml."""
    _published(lambda: _publisher().set_number(number_id, e164=e164, author=_author(by)))


@content_cli.command("make-audio")
@click.option("--lang", default=None, help="Only this language (default: every language).")
@_BY
def make_audio_command(lang: str | None, by: str | None) -> None:
    """Computer-voice audio for every out-of-date or missing prompt, published as one version
    (staff recordings are left alone and listed)."""
    with _refusals():
        result = _publisher().make_audio(author=_author(by), lang=lang)
    for code, prompt_id in result.staff_recorded:
        click.echo(f"left alone (a staff recording, out of date): {code} {prompt_id}")
    if not result.rebuilt:
        click.echo("nothing to make: every prompt's audio speaks its current text")
        return
    assert result.version is not None
    click.echo(
        f"version {result.version.id} is live: {len(result.rebuilt)} prompt(s) "
        "with new computer audio"
    )


@content_cli.command("prune")
@click.option(
    "--keep", type=click.IntRange(min=1), required=True, help="How many newest versions stay."
)
def prune_command(keep: int) -> None:
    """Delete old versions (never the live one) and the stored files only they used."""
    with _refusals():
        gone = _publisher().prune(keep)
    click.echo(f"{gone} old version(s) removed; the newest {keep} and the live one are kept")
