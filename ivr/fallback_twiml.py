"""``flask --app ivr fallback-twiml``: a small static TwiML document for when the whole app is
down, to paste into a TwiML Bin (or any static host) and set as the number's Fallback URL
there instead of ``/voice/fallback``: in every language, the apology with the help number,
then the call ends. It is made by the same renderer as every webhook answer.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from . import flow, twiml
from .audio.manifest import ManifestFile
from .flow import Prompt


def fallback_document(audio_base: str | None = None) -> tuple[str, list[str]]:
    """The help number in each language: <Say> in the language's voice, or with
    ``audio_base`` (where the repository's ``audio/`` folder is served) a <Play> of the
    committed recording when it speaks the current words. Also the names of the languages
    left out: one with no Twilio voice of its own (Kreyòl) is only ever played from its
    recordings, never read by another language's voice, so without ``audio_base`` it is
    left out."""
    pack = current_app.extensions["content"].current()
    audio_dir = Path(current_app.config["SETTINGS"].audio_dir)
    manifest = ManifestFile(audio_dir).current()

    def audio_url(prompt: Prompt) -> str | None:
        entry = manifest.get(prompt.lang, prompt.id)
        if not audio_base or entry is None or not entry.speaks(prompt.text):
            return None
        if not (audio_dir / prompt.lang / entry.file).is_file():
            return None
        return f"{audio_base.rstrip('/')}/{prompt.lang}/{entry.file}"

    prompts: tuple[Prompt, ...] = ()
    left_out: list[str] = []
    for language in pack.languages:
        said = flow.shared(pack, language.code, "error")
        if not language.has_say_voice and not all(audio_url(p) for p in said):
            left_out.append(language.name)
            continue
        prompts += said
    step = flow.Step(prompts, hangup=True)
    return twiml.render(step, pack, lambda state: "", audio_url), left_out


@click.command("fallback-twiml")
@with_appcontext
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the document here (default: print it).",
)
@click.option(
    "--audio-base",
    default=None,
    metavar="URL",
    help="Absolute URL where audio/ is served (e.g. https://files.example.org/audio); "
    "recordings are played from there. Without it every prompt is a <Say>.",
)
def fallback_twiml_command(output: Path | None, audio_base: str | None) -> None:
    """A static TwiML document with the help number in every language (for a TwiML Bin)."""
    if audio_base and not audio_base.startswith(("https://", "http://")):
        raise click.BadParameter("must be an absolute http(s) URL", param_hint="--audio-base")
    document, left_out = fallback_document(audio_base)
    for name in left_out:
        click.echo(
            f"warning: {name} is left out: no Twilio voice speaks it, so it needs its "
            "recordings (--audio-base URL where audio/ is served)",
            err=True,
        )
    if output is None:
        click.echo(document)
    else:
        output.write_text(document + "\n", encoding="utf-8")
        click.echo(f"wrote {output} ({len(document)} bytes)", err=True)
