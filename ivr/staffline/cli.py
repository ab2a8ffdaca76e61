"""Commands of the recording session, added to the existing groups:

flask --app ivr content codes [--lang es]     every prompt's code (9 + code by phone)
flask --app ivr audio coverage [--lang ht]    share of call time in a human voice
flask --app ivr staff set-pin NAME [--pin-stdin]   (the same command as ``staff pin``)
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..publish.recording_session import NUMBERS_CODE, prompt_codes


@click.command("codes")
@with_appcontext
@click.option("--lang", default=None, help="Show the words in this language (default: the first).")
def codes_command(lang: str | None) -> None:
    """Every prompt's code, in session order: on the staff recording line, 9 then the code
    records that prompt (0: the clips phone numbers are made of)."""
    pack = current_app.extensions["content"].current()
    lang = lang or pack.default_language.code
    if pack.language(lang) is None:
        raise click.UsageError(f"unknown language {lang!r}")
    click.echo(f"{NUMBERS_CODE:>4}  (the digits, 'plus' and the words around phone numbers)")
    texts = pack.texts(lang)
    for pid, code in sorted(prompt_codes(pack).items(), key=lambda kv: kv[1]):
        words = " ".join(texts[pid].split())
        words = words if len(words) <= 60 else words[:59] + "…"
        click.echo(f"{code:>4}  {pid:<32} {words}")


@click.command("coverage")
@with_appcontext
@click.option("--lang", "langs", multiple=True, help="Only this language (repeatable).")
@click.option("--verbose", "-v", is_flag=True, help="The prompts still in a computer voice.")
def coverage_command(langs: tuple[str, ...], verbose: bool) -> None:
    """Per language, the share of call time callers hear in a human voice, weighted by how
    often each prompt is heard (the counts where there are any, else the walk)."""
    studio = current_app.extensions["studio"]
    pack = studio.pack()
    codes = [language.code for language in pack.languages if not langs or language.code in langs]
    for unknown in set(langs) - set(codes):
        raise click.UsageError(f"unknown language {unknown!r}")
    click.echo("lang  human   prompts   weighted by  notes")
    for code in codes:
        c = studio.coverage(code)
        notes = []
        if c.computer_numbers:
            notes.append(f"numbers in the computer voice in {c.computer_numbers} prompt(s)")
        if c.draft_voice and c.share < 1:
            notes.append("its computer voice is a draft voice")
        click.echo(
            f"{code:<5} {c.percent:>5.1f} %  {c.human_prompts:>3}/{c.prompts:<4}  "
            f"{c.weighted_by:<11}  {'; '.join(notes)}"
        )
        if verbose:
            machine = sorted(
                ((w * s, pid) for pid, (w, s, h) in c.by_prompt.items() if h < 1), reverse=True
            )
            for weighted, pid in machine:
                click.echo(f"      {weighted:7.2f} s/call  {pid}")


def add_commands(app: Flask) -> None:
    from ..audio.cli import audio_cli
    from ..console.cli import phone_pin, staff_cli
    from ..publish.cli import content_cli

    content_cli.add_command(codes_command)
    audio_cli.add_command(coverage_command)
    staff_cli.add_command(phone_pin, "set-pin")  # the name the recording session's docs used


__all__ = ["add_commands"]
