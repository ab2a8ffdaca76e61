"""``flask --app ivr audio build|status|import|gc|misread``: thin commands over plain functions."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from .build import build_audio, plan_build
from .catalogue import AudioCatalogue
from .engines import ENGINES
from .manifest import collect_garbage, drop_orphans
from .phonemes import computer_made, misreadings, phonemes
from .recordings import import_folder, import_one

audio_cli = AppGroup(
    "audio", help="Build, check and import the prompts' telephony audio; find misread names."
)


def _audio_dir() -> Path:
    return current_app.extensions["audio"].audio_dir


def _pack() -> Any:
    # These commands work on the seed (prompts/ + audio/), which `flask content publish-seed`
    # publishes; the live version staff published may say other words.
    return current_app.extensions["content"].seed()


@audio_cli.command("build")
@click.option("--engine", type=click.Choice(ENGINES), default=None,
              help="TTS engine (default: TTS_ENGINE, i.e. espeak).")
@click.option("--lang", "langs", multiple=True, help="Only this language (repeatable).")
@click.option("--prompt", "prompts", multiple=True, help="Only this prompt id (repeatable).")
@click.option("--dry-run", is_flag=True, help="List what would change; build nothing.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Prompts built in parallel (default: number of CPUs).")
@click.option("--force", is_flag=True, help="Rebuild engine audio even if unchanged.")
def build_command(
    engine: str | None,
    langs: tuple[str, ...],
    prompts: tuple[str, ...],
    dry_run: bool,
    jobs: int | None,
    force: bool,
) -> None:
    """Turn every prompt × language into telephony audio, rebuilding only what changed."""
    engine = engine or current_app.config["SETTINGS"].tts_engine
    pack, audio_dir = _pack(), _audio_dir()
    try:
        if dry_run:
            report = plan_build(pack, audio_dir, engine, langs, prompts, force)
            report.dry_run = True
            for task in report.planned:
                click.echo(f"  {task.lang} {task.prompt_id}: {task.reason} ({task.voice})")
        else:
            todo = len(plan_build(pack, audio_dir, engine, langs, prompts, force).planned)
            with click.progressbar(length=todo, label="building audio") as bar:
                report = build_audio(
                    pack, audio_dir, engine, langs, prompts, jobs=jobs, force=force,
                    progress=lambda _task: bar.update(1),
                )
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    for lang, (asked, used) in sorted(report.fallbacks.items()):
        click.echo(f"  {lang}: no {asked} voice, used {used} (the languages file's tts_fallback)")
    for lang, prompt_id, why in report.failed:
        click.echo(f"  FAILED {lang} {prompt_id}: {why}", err=True)
    click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


@audio_cli.command("status")
@click.option("--strict", is_flag=True, help="Exit 1 if any prompt is stale or missing.")
@click.option("--verbose", "-v", is_flag=True, help="List the stale and missing prompt ids.")
def status_command(strict: bool, verbose: bool) -> None:
    """Coverage per language: prompts with current, stale, missing and staff audio."""
    coverage = AudioCatalogue(_audio_dir()).status(_pack())
    click.echo(format_status(coverage, verbose))
    if strict and not all(c.complete for c in coverage.values()):
        click.echo("audio is stale or missing: run `flask --app ivr audio build`", err=True)
        sys.exit(1)


def format_status(coverage: dict[str, Any], verbose: bool = False) -> str:
    rows = [("lang", "prompts", "current", "stale", "missing", "staff-recorded")]
    for lang, c in coverage.items():
        rows.append(
            (lang, c.prompts, c.current, len(c.stale), len(c.missing), c.staff_recorded)
        )
    lines = ["  ".join(f"{str(cell):>{len(head)}}" for cell, head in zip(row, rows[0], strict=True))
             for row in rows]
    if verbose:
        for lang, c in coverage.items():
            lines += [f"  {lang} stale: {p}" for p in c.stale]
            lines += [f"  {lang} missing: {p}" for p in c.missing]
    return "\n".join(lines)


@audio_cli.command("import")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@click.option("--lang", help="Language of the recording (with one file).")
@click.option("--prompt", "prompt_id", help="Prompt id the recording speaks (with one file).")
@click.option("--by", default=None, help="Who recorded it (default: your user name).")
def import_command(
    paths: tuple[Path, ...], lang: str | None, prompt_id: str | None, by: str | None
) -> None:
    """Publish staff recordings: FILE --lang es --prompt main.mpp, or a folder laid out as
    recordings/<lang>/<prompt id>.<wav|mp3|m4a|ogg|webm|flac>."""
    pack, audio_dir = _pack(), _audio_dir()
    by = by or getpass.getuser()
    results = []
    for path in paths:
        if path.is_dir():
            results += import_folder(pack, audio_dir, path, by)
        elif lang and prompt_id and len(paths) == 1:
            results.append(import_one(pack, audio_dir, lang, prompt_id, path, by))
        else:
            raise click.UsageError(f"{path}: give --lang and --prompt with a single file")
    for result in results:
        if result.ok:
            click.echo(f"  imported {result.lang} {result.prompt_id} from {result.original} "
                       f"({result.entry.duration:.1f} s)")
        else:
            click.echo(f"  REFUSED {result.lang} {result.prompt_id}: {result.error}", err=True)
    failed = sum(not r.ok for r in results)
    click.echo(f"imported {len(results) - failed}, refused {failed}")
    if failed or not results:
        sys.exit(1)


@audio_cli.command("gc")
@click.option("--older-than", type=click.IntRange(min=0), default=60, show_default=True,
              help="Minutes a file must have been unreferenced before it is deleted.")
def gc_command(older_than: int) -> None:
    """Forget audio of prompts the pack no longer has, then delete audio files the manifest
    no longer references (after a grace period)."""
    pack = _pack()
    prompts = {language.code: set(pack.spoken(language.code)) for language in pack.languages}
    for entry in drop_orphans(_audio_dir(), prompts):
        click.echo(f"  forgot {entry.language} {entry.prompt_id} (no such prompt any more)")
    publisher = current_app.extensions.get("publisher")
    keep = publisher.referenced_audio() if publisher is not None else ()  # published versions
    removed = collect_garbage(
        _audio_dir(), older_than_seconds=older_than * 60, also_referenced=keep
    )
    for path in removed:
        click.echo(f"  removed {path}")
    click.echo(f"removed {len(removed)} unreferenced file(s)")


@audio_cli.command("misread")
@click.option("--lang", "langs", multiple=True, help="Only this language (repeatable).")
@click.option(
    "--phonemes",
    "show",
    is_flag=True,
    help="Also print every prompt's phonemes (espeak-ng -x), to read them.",
)
def misread_command(langs: tuple[str, ...], show: bool) -> None:
    """What the computer voices would misread: names still written in the spoken words, web
    addresses not spelled, and phonemes on the languages' `misread` lists (espeak-ng -x of
    every computer-made prompt, one process per language)."""
    pack = _pack()
    known = [language.code for language in pack.languages]
    unknown = sorted(set(langs) - set(known))
    if unknown:
        raise click.UsageError(f"unknown language {', '.join(unknown)} (known: {', '.join(known)})")
    cache = current_app.config["SETTINGS"].data_dir / "cache" / "phonemes"
    found = []
    for lang in langs or known:
        language = pack.language(lang)
        if show and language.tts.get("espeak"):
            texts = computer_made(pack, lang)
            ids = sorted(texts)
            said = phonemes(
                [texts[i] for i in ids], language.tts["espeak"]["voice"], cache_dir=cache
            )
            for prompt_id, phones in zip(ids, said, strict=True):
                click.echo(f"{lang} {prompt_id}: {texts[prompt_id]}\n    {phones}")
        found += misreadings(pack, lang, cache_dir=cache)
    for hit in found:
        click.echo(f"  MISREAD {hit.lang} {hit.prompt_id}: {hit.kind} {hit.found!r}", err=True)
    click.echo(f"{len(found)} misreading(s) in {', '.join(langs or known)}")
    if found:
        sys.exit(1)
