"""`flask --app ivr destinations check|status|cost`."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

destinations_cli = AppGroup("destinations", help="Test calls to the transfer numbers.")


def _checks():
    return current_app.extensions["destinations"]


@destinations_cli.command("check")
@click.option("--number", "numbers", multiple=True, help="Only this directory number id.")
@click.option("--anytime", is_flag=True, help="Call now even outside the number's hours.")
def check_command(numbers: tuple[str, ...], anytime: bool) -> None:
    """Test-call each transfer number now (during its opening hours; the rest wait for the
    worker to place them when they open). Results arrive by Twilio's status callback."""
    checks = _checks()
    missing = checks.missing()
    if missing:
        click.echo(f"checks only format-check numbers until {', '.join(missing)} are set")
    now = time.time()
    asked = checks.request("command line", now, numbers or None)
    click.echo(f"checks asked for: {asked}")
    for number_id, outcome in checks.place_requested(now, anytime=anytime):
        click.echo(f"  {number_id}: {outcome}")


@destinations_cli.command("status")
def status_command() -> None:
    """Each transfer number's latest results; FLAG after two failures in a row."""
    for d in _checks().destinations():
        results = ", ".join(r.result or ("ringing" if r.placed else "waiting") for r in d.history)
        success = (
            datetime.fromtimestamp(d.last_success, UTC).date().isoformat()
            if d.last_success
            else "never"
        )
        flag = "FLAG " if d.flagged else ""
        click.echo(
            f"{flag}{d.number.id} {d.number.e164} ({d.org}): {results or 'not checked'}; "
            f"last answered {success}"
        )


@destinations_cli.command("cost")
def cost_command() -> None:
    """What a month of checks costs at Twilio's list prices (an estimate; see cost.py)."""
    from .cost import AMD_PER_CALL, PER_MINUTE, estimate

    settings = current_app.config["SETTINGS"]
    pack = current_app.extensions["content"].current()
    found = estimate(pack, settings.destination_check_hours, settings.hotline_timezone)
    numbers = ", ".join(f"{n} in {c}" for c, n in sorted(found.numbers.items()))
    calls = ", ".join(f"{n} to {c}" for c, n in sorted(found.calls.items()))
    click.echo(f"transfer numbers: {numbers}")
    click.echo(
        f"checks in 30 days (every {settings.destination_check_hours:g} h, in opening hours): "
        f"{calls}"
    )
    click.echo(
        f"prices: US ${PER_MINUTE['US']}/min, MX landline ${PER_MINUTE['MX_fixed']}/min, "
        f"MX mobile ${PER_MINUTE['MX_mobile']}/min, answering-machine detection "
        f"${AMD_PER_CALL}/call; each answered check is billed 1 minute"
    )
    click.echo(
        f"estimate if every check is answered: ${found.low:.2f} to ${found.high:.2f} a month"
    )
