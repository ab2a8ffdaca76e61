"""Build engine audio for every prompt × language, incrementally.

A prompt is rebuilt only when its text, engine or voice changed, or its file is gone. A staff
recording is never replaced by engine output; when its text changes it shows as stale until
staff record it again (or remove it).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .engines import (
    DEFAULT_ENGINE,
    EngineError,
    GoogleEngine,
    NoVoice,
    TtsEngine,
    choose_voice,
    make_engine,
)
from .manifest import Manifest, load_manifest, publish
from .pipeline import AudioRejected, to_telephony


@dataclass(frozen=True)
class Task:
    """One prompt to (re)build, and why."""

    lang: str
    prompt_id: str
    text: str
    engine: str
    settings: Mapping[str, Any]
    voice: str
    reason: str  # "new", "text changed", "voice changed", "file missing" or "forced"


@dataclass
class BuildReport:
    engine: str
    dry_run: bool = False
    planned: list[Task] = field(default_factory=list)
    built: list[tuple[str, str]] = field(default_factory=list)
    unchanged: list[tuple[str, str]] = field(default_factory=list)
    staff_recorded: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # lang, prompt, why
    fallbacks: dict[str, tuple[str, str]] = field(default_factory=dict)  # lang: (asked, used)
    billed_characters: int = 0  # Google characters billed (or, in a dry run, that would be)
    audio_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        verb = "would build" if self.dry_run else "built"
        count = len(self.planned) if self.dry_run else len(self.built)
        line = (
            f"{verb} {count}, unchanged {len(self.unchanged)}, "
            f"skipped because staff-recorded {len(self.staff_recorded)}, failed {len(self.failed)}"
        )
        if self.billed_characters:
            billed = "would bill" if self.dry_run else "billed"
            line += f"; Google {billed} {self.billed_characters} characters"
        return line


def plan_build(
    pack: Any,
    audio_dir: Path,
    engine: str = DEFAULT_ENGINE,
    langs: Collection[str] | None = None,
    prompts: Collection[str] | None = None,
    force: bool = False,
    manifest: Manifest | None = None,
) -> BuildReport:
    """What a build would do: tasks to run, and what is unchanged, staff-recorded or failing."""
    report = BuildReport(engine=engine)
    manifest = manifest if manifest is not None else load_manifest(audio_dir)
    engines: dict[str, TtsEngine] = {}
    for language in _languages(pack, langs):
        try:
            choice = choose_voice(language, engine)
        except NoVoice as error:
            for prompt_id in _prompt_ids(pack, language.code, prompts):
                report.failed.append((language.code, prompt_id, str(error)))
            continue
        if choice.fallback_from:
            report.fallbacks[language.code] = (choice.fallback_from, choice.engine)
        tts = engines.setdefault(choice.engine, make_engine(choice.engine))
        voice = tts.voice_id(choice.settings)
        source = {"kind": "tts", "engine": choice.engine, "voice": voice}
        texts = pack.spoken(language.code)  # audio speaks the pronunciations
        for prompt_id in _prompt_ids(pack, language.code, prompts):
            text = texts[prompt_id]
            key = (language.code, prompt_id)
            entry = manifest.get(*key)
            if entry is not None and entry.staff_recorded:
                report.staff_recorded.append(key)
                continue
            reason = _reason(entry, text, source, Path(audio_dir), force)
            if reason is None:
                report.unchanged.append(key)
                continue
            report.planned.append(
                Task(language.code, prompt_id, text, choice.engine, choice.settings, voice, reason)
            )
            report.billed_characters += tts.billed_characters(text, choice.settings)
    return report


def build_audio(
    pack: Any,
    audio_dir: Path | str,
    engine: str = DEFAULT_ENGINE,
    langs: Collection[str] | None = None,
    prompts: Collection[str] | None = None,
    dry_run: bool = False,
    jobs: int | None = None,
    client: Any | None = None,
    force: bool = False,
    progress: Callable[[Task], None] | None = None,
) -> BuildReport:
    """Build every prompt × language that needs it; see :class:`BuildReport` for the outcome.

    ``client`` is handed to engines that call a service (Google); ``jobs`` threads run engines
    and ffmpeg in parallel (each spends most of its time in a subprocess or on the network).
    """
    audio_dir = Path(audio_dir)
    report = plan_build(pack, audio_dir, engine, langs, prompts, force)
    report.dry_run = dry_run
    if dry_run or not report.planned:
        return report
    report.billed_characters = 0
    engines: dict[str, TtsEngine] = {}
    for task in report.planned:
        engines.setdefault(task.engine, make_engine(task.engine, client))
    unusable = _unusable_engines(engines)
    tasks = [task for task in report.planned if task.engine not in unusable]
    for task in report.planned:
        if task.engine in unusable:
            report.failed.append((task.lang, task.prompt_id, unusable[task.engine]))

    def run(task: Task) -> tuple[Task, str | None, bool, float]:
        tts = engines[task.engine]
        try:
            audio = to_telephony(tts.synthesize(task.text, task.settings))
        except (EngineError, AudioRejected) as error:
            return task, str(error), False, 0.0
        entry = publish(
            audio_dir,
            lang=task.lang,
            prompt_id=task.prompt_id,
            text=task.text,
            data=audio.data,
            source={"kind": "tts", "engine": task.engine, "voice": task.voice},
            duration=audio.duration,
        )
        return task, None, entry is not None, audio.duration

    workers = max(1, jobs or os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run, task) for task in tasks]
        for future in as_completed(futures):
            task, error, published, seconds = future.result()
            key = (task.lang, task.prompt_id)
            if error is not None:
                report.failed.append((*key, error))
            elif not published:  # staff recorded it while we were building
                report.staff_recorded.append(key)
            else:
                report.built.append(key)
                report.audio_seconds += seconds
                report.billed_characters += engines[task.engine].billed_characters(
                    task.text, task.settings
                )
            if progress is not None:
                progress(task)
    report.built.sort()
    report.failed.sort()
    return report


def _unusable_engines(engines: Mapping[str, TtsEngine]) -> dict[str, str]:
    """Engines that cannot run at all (no credentials), so each prompt does not fail alike."""
    unusable = {}
    for name, tts in engines.items():
        if isinstance(tts, GoogleEngine):
            try:
                tts.client  # noqa: B018 (creating the client checks the credentials)
            except EngineError as error:
                unusable[name] = str(error)
    return unusable


def _reason(
    entry: Any, text: str, source: Mapping[str, str], audio_dir: Path, force: bool
) -> str | None:
    if entry is None:
        return "new"
    if not (audio_dir / entry.language / entry.file).is_file():
        return "file missing"
    if entry.text != text:
        return "text changed"
    if dict(entry.source) != dict(source):
        return "voice changed"
    return "forced" if force else None


def _languages(pack: Any, langs: Collection[str] | None) -> list[Any]:
    if not langs:
        return list(pack.languages)
    known = [language.code for language in pack.languages]
    unknown = sorted(set(langs) - set(known))
    if unknown:
        raise ValueError(f"unknown language {', '.join(unknown)} (known: {', '.join(known)})")
    return [language for language in pack.languages if language.code in langs]


def _prompt_ids(pack: Any, lang: str, prompts: Collection[str] | None) -> list[str]:
    ids = sorted(pack.texts(lang))
    if not prompts:
        return ids
    unknown = sorted(set(prompts) - set(ids))
    if unknown:
        raise ValueError(f"unknown prompt {', '.join(unknown)} in {lang}")
    return [prompt_id for prompt_id in ids if prompt_id in prompts]
