"""`flask --app ivr staff add|list|passwd|role|disable|enable|pin|remove`: staff accounts from
the server's command line. The first account is made here (always an administrator); the
others here or by an administrator in the console. Every change is in the audit log as made
by "command line"."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import NoReturn

import click
from flask import current_app
from flask.cli import AppGroup

from .account_rules import ROLES, AccountError
from .accounts import StaffAccounts

staff_cli = AppGroup("staff", help="Staff console accounts.")

# Who the audit log names for a change made here (no staff name has a space).
BY = "command line"


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
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default=None,
    help="What the account may do (default: editor; the first account is always administrator).",
)
def add(name: str, password_stdin: bool, role: str | None) -> None:
    """Create a staff account NAME (asks for the password twice)."""
    try:
        account = _accounts().add(name, _read_password(password_stdin), role, by=BY)
    except AccountError as exc:
        _fail(exc)
    note = " (the first account always is)" if role and role != account.role else ""
    click.echo(f"staff account {account.name!r} created as {account.role}{note}; log in at /admin")


@staff_cli.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def passwd(name: str, password_stdin: bool) -> None:
    """Set a new password for NAME (logs out its open sessions)."""
    try:
        _accounts().set_password(name, _read_password(password_stdin), by=BY)
    except AccountError as exc:
        _fail(exc)
    click.echo(f"password of {name.strip().lower()!r} changed")


@staff_cli.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
def change_role(name: str, role: str) -> None:
    """Make NAME a speaker, an editor or an administrator."""
    try:
        account = _accounts().set_role(name, role, by=BY)
    except AccountError as exc:
        _fail(exc)
    click.echo(f"{account.name!r} is now {account.role}")


@staff_cli.command("disable")
@click.argument("name")
def disable(name: str) -> None:
    """Turn NAME's account off (its sessions end; it can log in again once enabled)."""
    try:
        _accounts().disable(name, by=BY)
    except AccountError as exc:
        _fail(exc)
    click.echo(f"staff account {name.strip().lower()!r} turned off")


@staff_cli.command("enable")
@click.argument("name")
def enable(name: str) -> None:
    """Turn NAME's account on again."""
    try:
        _accounts().enable(name, by=BY)
    except AccountError as exc:
        _fail(exc)
    click.echo(f"staff account {name.strip().lower()!r} turned on")


@staff_cli.command("pin")
@click.argument("name")
@click.option("--pin-stdin", is_flag=True, help="Read a chosen PIN (4-8 digits) from stdin.")
@click.option("--clear", is_flag=True, help="Remove NAME's phone PIN.")
def phone_pin(name: str, pin_stdin: bool, clear: bool) -> None:
    """Give NAME a phone PIN for the staff recording line (a random one unless --pin-stdin),
    printed once; or remove it (--clear)."""
    try:
        if clear:
            _accounts().clear_pin(name, by=BY)
            click.echo(f"{name.strip().lower()!r} has no phone PIN now")
            return
        chosen = sys.stdin.readline().strip() if pin_stdin else None
        made = _accounts().set_pin(name, chosen, by=BY)
    except AccountError as exc:
        _fail(exc)
    click.echo(f"phone PIN of {name.strip().lower()!r}: {made}" if not pin_stdin else "PIN set")


@staff_cli.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    """Delete the staff account NAME (its sessions end at their next request)."""
    try:
        _accounts().remove(name, by=BY)
    except AccountError as exc:
        _fail(exc)
    click.echo(f"staff account {name.strip().lower()!r} removed")


@staff_cli.command("list")
def list_accounts() -> None:
    """Every staff account: its role, when it was created, and whether it is turned off."""
    for account in _accounts().list():
        created = datetime.fromtimestamp(account.created, UTC).strftime("%Y-%m-%d %H:%M UTC")
        state = "\tturned off" if account.disabled else ""
        click.echo(f"{account.name}\t{account.role}\tcreated {created}{state}")
