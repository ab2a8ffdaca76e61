"""`flask --app ivr staff add|list|passwd|remove`: the only way staff accounts are made."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import NoReturn

import click
from flask import current_app
from flask.cli import AppGroup

from .accounts import AccountError, StaffAccounts

staff_cli = AppGroup("staff", help="Staff console accounts.")


def _accounts() -> StaffAccounts:
    return current_app.extensions["staff"]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        # For scripts: the first line of stdin, so the password never sits in shell history.
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")


def _fail(exc: AccountError) -> NoReturn:
    click.echo(f"error: {exc}", err=True)
    sys.exit(1)


@staff_cli.command("add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def add(name: str, password_stdin: bool) -> None:
    """Create a staff account NAME (asks for the password twice)."""
    try:
        account = _accounts().add(name, _read_password(password_stdin))
    except AccountError as exc:
        _fail(exc)
    click.echo(f"staff account {account.name!r} created; log in at /admin")


@staff_cli.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def passwd(name: str, password_stdin: bool) -> None:
    """Set a new password for NAME (logs out its open sessions)."""
    try:
        _accounts().set_password(name, _read_password(password_stdin))
    except AccountError as exc:
        _fail(exc)
    click.echo(f"password of {name.strip().lower()!r} changed")


@staff_cli.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    """Delete the staff account NAME (its sessions end at their next request)."""
    try:
        _accounts().remove(name)
    except AccountError as exc:
        _fail(exc)
    click.echo(f"staff account {name.strip().lower()!r} removed")


@staff_cli.command("list")
def list_accounts() -> None:
    """Every staff account and when it was created."""
    for account in _accounts().list():
        created = datetime.fromtimestamp(account.created, UTC).strftime("%Y-%m-%d %H:%M UTC")
        click.echo(f"{account.name}\tcreated {created}")
