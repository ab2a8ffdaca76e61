"""Staff and operator commands: thin wrappers over plain functions (`flask --app ivr ...`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask

from .config import ROOT
from .content import ContentError, load_pack
from .content.validate import unused_prompts
from .content.wording import review_notes


def validate_pack(root: Path) -> list[str]:
    """Human-readable lines for the validate command; raises ContentError when refused."""
    pack = load_pack(root)
    lines = [
        f"content OK: {root} (version {pack.version})",
        f"  languages: {', '.join(f'{lang.code} (key {lang.key})' for lang in pack.languages)}",
        f"  nodes: {len(pack.flow.nodes)}, prompts per language: {len(pack.prompt_ids())}",
        f"  organizations: {len(pack.organizations)}, phone numbers: {len(pack.numbers)}",
    ]
    for lang, ids in unused_prompts(pack).items():
        if ids:
            lines.append(f"  warning: text/{lang}.yaml has prompts no node uses: {', '.join(ids)}")
    lines += [f"  to review: {note}" for note in review_notes(pack)]
    return lines


@click.command("validate")
@click.option(
    "--content", "content_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Content pack folder (default: CONTENT_DIR, i.e. prompts/).",
)
def validate_command(content_dir: Path | None) -> None:
    """Check the content pack; print every problem with its file and key."""
    root = content_dir or ROOT / "prompts"
    try:
        for line in validate_pack(root):
            click.echo(line)
    except ContentError as exc:
        click.echo(f"content REFUSED: {len(exc.problems)} problem(s) in {root}", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(validate_command)

