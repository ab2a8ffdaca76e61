"""A prompt's audio: computer voice made again (one prompt, or every out-of-date one), every
file it has had, and an earlier file brought back. Staff recordings are :mod:`.recordings`.

Speech synthesis is slow (subprocesses or the network), so it runs before the publish lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from ..audio.manifest import Entry, Manifest, file_hash, load_manifest
from ..content import ContentError
from ..db.schema import audio as audio_table
from ..db.schema import versions
from . import edits
from .models import AudioVersion, Version
from .packs import validated_pack
from .transaction import Base, Transaction, one_line, source_label, with_entry
from .versions import manifest_part

#: Prompts rebuilt by one "make new audio for everything out of date" (espeak makes one in a
#: fraction of a second; Google's network calls take longer, and gunicorn's timeout is 15 s).
REBUILD_BATCH = 20


@dataclass(frozen=True)
class StaleRebuild:
    """What :meth:`PromptAudio.rebuild_stale` did."""

    version: Version | None  # the new live version (the old one when nothing was rebuilt)
    rebuilt: tuple[tuple[str, str], ...]  # (lang, prompt id)
    staff_recorded: tuple[tuple[str, str], ...]  # out of date, but a person's voice: left
    remaining: int  # out of date, left for the next batch (never with make_audio)


class PromptAudio:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def audio_path(self, lang: str, file: str) -> Path | None:
        """Where an audio file (published, or the seed's) is on this machine's disk, copied
        from the database into the cache if need be; None if it exists nowhere."""
        if not file_hash(lang, file):
            return None
        return self.tx.catalogue.file_path(lang, file) or self.tx.live.fetch_one(lang, file)

    def rebuild_audio(self, lang: str, prompt_id: str, *, author: str) -> Version:
        """Synthesize the prompt's current text with TTS_ENGINE (the same voices and pipeline
        as `flask audio build`) and publish it, replacing a staff recording too (staff asked).
        KeyError for an unknown language or prompt; EngineError or AudioRejected if the engine
        fails (nothing published)."""
        entry = self.tx.synthesize(self.tx.pack(), lang, prompt_id)
        summary = f"rebuilt with {source_label(entry.source)}"
        return self.tx.publish_audio(author, "rebuild_audio", entry, summary)

    def make_audio(self, *, author: str, lang: str | None = None) -> StaleRebuild:
        """Computer-voice audio for EVERY out-of-date or missing prompt (of ``lang``, or all
        languages), published as one version; staff recordings are left alone and listed.
        For the CLI: no batch limit, so it may take minutes with a network engine."""
        return self.rebuild_stale(author=author, lang=lang, limit=None)

    def rebuild_stale(
        self, *, author: str, lang: str | None = None, limit: int | None = REBUILD_BATCH
    ) -> StaleRebuild:
        """Make computer-voice audio for every prompt whose audio is out of date or missing
        (after a phone number changed, say), in one new version. Staff recordings are left
        alone and listed: a person's voice is replaced only on purpose, prompt by prompt.
        At most ``limit`` prompts a call (None: all), so a request stays short; the rest are
        counted."""
        if lang is not None and self.tx.pack().language(lang) is None:
            raise KeyError(f"unknown language {lang!r}")
        pack = self.tx.pack()
        stale: list[tuple[str, str]] = []  # first: callers hear <Say> where audio used to be
        missing: list[tuple[str, str]] = []
        recorded: list[tuple[str, str]] = []
        for language in pack.languages:
            if lang is not None and language.code != lang:
                continue
            for prompt_id, text in sorted(pack.spoken(language.code).items()):
                entry, state = self.tx.catalogue.state(language.code, prompt_id, text)
                if state == "current":
                    continue
                if entry is None:
                    missing.append((language.code, prompt_id))
                elif entry.staff_recorded:
                    recorded.append((language.code, prompt_id))
                else:
                    stale.append((language.code, prompt_id))
        todo = stale + missing
        # Slow (subprocesses or the network): done before taking the publish lock.
        chosen = todo if limit is None else todo[:limit]
        built = [self.tx.synthesize(pack, code, prompt_id) for code, prompt_id in chosen]
        if not built:
            return StaleRebuild(self.tx.live_version(), (), tuple(recorded), 0)
        what = ", ".join(f"{e.language} {e.prompt_id}" for e in built)

        def edit(base: Base) -> tuple[edits.Edit, Manifest]:
            new = Manifest(dict(base.manifest.entries))
            for entry in built:
                new.put(entry)
            summary = f"{len(built)} prompt(s) rebuilt with the computer voice"
            return edits.Edit(base.files, one_line(what, 120), summary), new

        version = self.tx.publish(author, "rebuild_stale", edit)
        done = tuple((e.language, e.prompt_id) for e in built)
        return StaleRebuild(version, done, tuple(recorded), len(todo) - len(built))

    def audio_history(self, lang: str, prompt_id: str) -> list[AudioVersion]:
        """Every audio file this prompt has had (the seed's and every version's), newest
        first; ``live`` marks the one the live version plays."""
        first: dict[str, Entry] = {}
        for entry, _ in self._entries(lang, prompt_id):
            first.setdefault(entry.file, entry)
        live = self.tx.store.snapshot().manifest
        live_entry = live.get(lang, prompt_id) if live is not None else None
        live_file = live_entry.file if live_entry is not None else None
        history = [
            AudioVersion(
                file=entry.file,
                source=source_label(entry.source),
                created=entry.created,
                text=entry.text,
                live=entry.file == live_file,
            )
            for entry in first.values()
        ]
        # Newest first; within one second (timestamps have no finer grain) the later version
        # first: ``first`` lists the seed, then versions in publishing order.
        order = {a.file: i for i, a in enumerate(history)}
        history.sort(key=lambda a: (a.created, order[a.file]), reverse=True)
        return history

    def restore_audio(self, lang: str, prompt_id: str, file: str, *, author: str) -> Version:
        """Publish an earlier audio file again, and the prompt's text back to the words it
        speaks, so it plays (not <Say>). KeyError if the prompt never had that file."""
        entry, raw_text = self._restorable(lang, prompt_id, file)

        def edit(base: Base) -> tuple[edits.Edit, Manifest]:
            files, summary = base.files, f"audio {file}"
            if raw_text is not None:
                pack = validated_pack(base.files)
                if pack.raw_texts(lang).get(prompt_id) != raw_text:
                    text_edit = edits.set_text(base.files, lang, prompt_id, raw_text)
                    files, summary = text_edit.files, f"{summary}; text {text_edit.summary}"
            manifest = with_entry(base.manifest, entry)
            return edits.Edit(files, f"{lang} {prompt_id}", summary), manifest

        return self.tx.publish(author, "restore_audio", edit)

    def restore_audio_words(self, lang: str, prompt_id: str, file: str) -> str | None:
        """The words ``restore_audio`` would bring back with that file, when they differ from
        the prompt's current words (None: the same words, or none known). The console asks
        before changing them. KeyError if the prompt never had that file."""
        _, raw_text = self._restorable(lang, prompt_id, file)
        if raw_text is None or self.tx.pack().raw_texts(lang).get(prompt_id) == raw_text:
            return None
        return raw_text

    def _restorable(self, lang: str, prompt_id: str, file: str) -> tuple[Entry, str | None]:
        candidates = [(e, v) for e, v in self._entries(lang, prompt_id) if e.file == file]
        if not candidates:
            raise KeyError(f"{lang} {prompt_id} never had audio {file!r}")
        entry, raw_text = candidates[-1][0], None
        for candidate, version_id in reversed(candidates):  # newest first; usually one load
            raw_text = self._raw_text_for(candidate, version_id)
            if raw_text is not None:
                entry = candidate
                break
        return entry, raw_text

    def _entries(self, lang: str, prompt_id: str) -> list[tuple[Entry, str | None]]:
        """The prompt's manifest entry in the seed and in every version (oldest first), with
        the version id (None for the seed); only entries whose file still exists. Versions
        share their manifest parts, so each distinct part is read once."""
        found: list[tuple[Entry, str | None]] = []
        seed = load_manifest(self.tx.seed_audio).get(lang, prompt_id)
        if seed is not None:
            found.append((seed, None))
        store = self.tx.versions_store
        with self.tx.db.connect() as conn:
            rows = conn.execute(
                sa.select(versions.c.id, versions.c.manifest).order_by(versions.c.id)
            ).all()
            parts: dict[str, Entry | None] = {}
            # The part holding this prompt (older versions kept one part per language).
            part = manifest_part(lang, prompt_id)
            for version_id, manifest in rows:
                key = part if part in manifest else lang
                sha = manifest.get(key)
                if sha is None:
                    continue
                if sha not in parts:
                    parts[sha] = store.read_manifest(conn, {key: sha}).get(lang, prompt_id)
                if parts[sha] is not None:
                    found.append((parts[sha], str(version_id)))
            names = {entry.file for entry, _ in found}
            stored = set(
                conn.execute(
                    sa.select(audio_table.c.file).where(
                        audio_table.c.lang == lang, audio_table.c.file.in_(names)
                    )
                ).scalars()
            )
        here = {name for name in names if self.tx.catalogue.file_path(lang, name) is not None}
        return [(entry, v) for entry, v in found if entry.file in stored | here]

    def _raw_text_for(self, entry: Entry, version_id: str | None) -> str | None:
        """The authored text (placeholders unexpanded) that ``entry`` speaks in that version,
        or None if there it was already stale."""
        tx = self.tx
        files = tx.seed().files if version_id is None else tx.versions_store.files(version_id)
        try:
            pack = validated_pack(files)
        except ContentError:  # an old seed may no longer load; its audio can still come back
            return None
        if pack.spoken(entry.language).get(entry.prompt_id) != entry.text:
            return None
        return pack.raw_texts(entry.language).get(entry.prompt_id)
