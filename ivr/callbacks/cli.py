"""`flask --app ivr callbacks run|status|purge`."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from .queue import COUNT_EVENTS

callbacks_cli = AppGroup("callbacks", help="Missed-call callbacks (and the worker).")


@callbacks_cli.command("run")
@click.option("--once", is_flag=True, help="One round (due callbacks, purge, checks), then exit.")
def run_command(once: bool) -> None:
    """The worker: place due callbacks, purge, and check destinations on schedule."""
    from .worker import Worker, run_forever

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        Worker(app).tick()
        return
    run_forever(app)


@callbacks_cli.command("status")
@click.option("--hours", type=click.IntRange(min=1), default=24, show_default=True)
def status_command(hours: int) -> None:
    """Totals of the last hours (never a number), the limits and what is waiting."""
    service = current_app.extensions["callbacks"]
    now = time.time()
    limits = service.queue.limits()
    missing = service.missing()
    click.echo(
        "callbacks: " + ("OFF until " + ", ".join(missing) + " are set" if missing else "on")
    )
    click.echo(
        f"limits: paused={limits.paused} per_number_day={limits.per_number_day} "
        f"per_hour={limits.per_hour}"
    )
    click.echo(f"waiting now: {service.queue.waiting()}")
    totals = service.queue.totals(now - hours * 3600, now)
    for event in COUNT_EVENTS:
        click.echo(f"  {event}: {totals.get(event, 0)}")


@callbacks_cli.command("purge")
def purge_command() -> None:
    """Delete queue rows older than 24 hours and earlier days' per-caller counts now."""
    gone = current_app.extensions["callbacks"].queue.purge(time.time())
    click.echo(f"deleted {gone} callback(s)")
