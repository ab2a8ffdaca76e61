"""`python -m ivr validate`: works even when the pack is broken (the app would refuse to start)."""

import click

from .cli import validate_command


@click.group()
def main() -> None:
    """Border hotline tools that need no running app."""


main.add_command(validate_command)

if __name__ == "__main__":
    main(prog_name="python -m ivr")
