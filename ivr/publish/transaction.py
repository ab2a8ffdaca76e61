"""The one way anything is published, shared by every kind of change staff make.

:meth:`Transaction.publish` is one database transaction holding the publish lock (so two staff
on any two machines never lose each other's edits): take the live version (or the seed, before
the first publish), apply the edit to its files, validate the would-be pack exactly as
``python -m ivr validate`` does, write the new immutable version, move the live pointer and
write the audit entry, all committed together or not at all. Slow work (speech synthesis,
converting a recording) happens before the transaction. A refused edit writes nothing. A
database that cannot be reached raises SQLAlchemy's error (the console answers 503). Nothing
here knows about HTTP.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ..audio.catalogue import AudioCatalogue
from ..audio.engines import choose_voice, make_engine
from ..audio.manifest import Entry, Manifest, audio_file_name, load_manifest, text_sha256, utc_now
from ..audio.pipeline import to_telephony
from ..content import ContentError, ContentPack
from ..content.store import ContentStore
from ..db import Database
from . import edits
from .audit import AuditLog, change
from .live import LiveVersion
from .models import Version
from .packs import validated_pack

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Base:
    """What an edit starts from: the live version's files and manifest, or the seed's."""

    files: dict[str, bytes]
    manifest: Manifest
    version: str | None


#: An edit: the files (and, for audio, the manifest) a change makes of its base.
EditFn = Callable[[Base], edits.Edit | tuple[edits.Edit, Manifest]]


def source_label(source: Any) -> str:
    """``tts:espeak:es-419@145wpm`` or ``staff:ana``: where an audio file came from."""
    if source.get("kind") == "staff":
        return f"staff:{source.get('by', '?')}"
    return f"tts:{source.get('engine', '?')}:{source.get('voice', '?')}"


class Transaction:
    """Everything a change needs: the database, the live version, the seed and the voices.
    One per app; each :meth:`publish` is one database transaction."""

    def __init__(
        self,
        db: Database,
        store: ContentStore,
        catalogue: AudioCatalogue,
        live: LiveVersion,
        *,
        seed_content: Path,
        seed_audio: Path,
        tts_engine: str = "espeak",
        tts_client: Any | None = None,
    ) -> None:
        """``tts_client`` is handed to engines that call a service (a fake Google in tests)."""
        self.db = db
        self.store = store
        self.catalogue = catalogue
        self.live = live
        self.seed_content = Path(seed_content)
        self.seed_audio = Path(seed_audio)
        self.tts_engine = tts_engine
        self.tts_client = tts_client
        self.versions_store = live.versions
        self.audit = AuditLog(db)
        # Human-voiced prompts with spliced numbers (ivr.publish.studio sets it, to
        # ivr/publish/spliced_prompts.py's ``SplicedPrompts.human_audio``): given the
        # would-be pack and such a prompt's entry, the same takes with the new number, or
        # None (a word has no take: the recording is left out of date, like any other).
        self.human_audio: Callable[[ContentPack, Entry], Entry | None] | None = None

    # -- what a change starts from -----------------------------------------------------------

    def pack(self) -> ContentPack:
        """The live pack (the seed `prompts/` until the first publish)."""
        return self.store.current()

    def live_version(self) -> Version | None:
        """The live version; None while the line still serves the seed."""
        live = self.versions_store.live_id()
        return self.versions_store.meta(live, live) if live else None

    def base(self, conn: sa.Connection) -> Base:
        live, _ = self.versions_store.live_state(conn)
        if live is None:
            return self.seed()
        row = self.versions_store.row(conn, live)
        return Base(
            self.versions_store.read_files(conn, row.files),
            self.versions_store.read_manifest(conn, row.manifest),
            live,
        )

    def live_files(self) -> dict[str, bytes]:
        with self.db.connect() as conn:
            return self.base(conn).files

    def seed(self) -> Base:
        files = {
            path.relative_to(self.seed_content).as_posix(): path.read_bytes()
            for path in sorted(self.seed_content.rglob("*.yaml"))
        }
        return Base(files, load_manifest(self.seed_audio), None)

    # -- publishing ---------------------------------------------------------------------------

    def publish(
        self, author: str, action: str, edit: EditFn, *, refresh_audio: bool = False
    ) -> Version:
        """``refresh_audio``: computer-voice audio of every prompt whose words the change
        alters is made before the lock and published with it, in every language, so callers
        never hear words through a fallback voice (or, for a language with no voice of its
        own, another language's) while audio waits to be rebuilt."""
        if not author or not author.strip():
            raise ValueError("every change needs the staff member's name (author)")
        fresh = self._fresh_computer_audio(edit) if refresh_audio else {}
        with self.db.publishing() as conn:
            base = self.base(conn)
            result = edit(base)
            change_, manifest = result if isinstance(result, tuple) else (result, base.manifest)
            if (
                base.version is not None
                and change_.files == base.files
                and manifest.entries == base.manifest.entries
            ):
                return self.versions_store.meta(base.version, base.version)  # nothing changed
            # Raises ContentError naming every problem: nothing is written.
            pack = validated_pack(change_.files)
            if fresh:
                manifest = _with_fresh_audio(pack, manifest, fresh)
            summary = f"{change_.what}: {change_.summary}"
            version = self.versions_store.write(
                conn,
                change_.files,
                manifest,
                author=author,
                summary=one_line(summary),
                action=action,
                parent=base.version,
            )
            serial = self.versions_store.set_live(conn, version.id)
            self.audit.record(
                who=author,
                action=action,
                what=change_.what,
                summary=change_.summary,
                version=version.id,
                conn=conn,
            )
        try:  # committed: serve it here at once (other workers follow within a second)
            self.live.adopt(version.id, serial, change_.files, manifest, pack)
        except Exception:
            log.exception("version %s is live but this worker could not load it yet", version.id)
        self.store.reload()
        log.info("published version %s by %s: %s", version.id, author, action)
        return replace(version, live=True)

    def publish_audio(self, author: str, action: str, entry: Entry, summary: str) -> Version:
        """Publish ``entry`` (already stored) as its prompt's audio."""
        what = f"{entry.language} {entry.prompt_id}"

        def edit(base: Base) -> tuple[edits.Edit, Manifest]:
            before = base.manifest.get(entry.language, entry.prompt_id)
            if before is not None and (before.file, before.text, dict(before.source)) == (
                entry.file,
                entry.text,
                dict(entry.source),
            ):
                # The same bytes for the same words (espeak is deterministic): nothing new.
                return edits.Edit(base.files, what, "unchanged"), base.manifest
            old = f"{before.file} ({source_label(before.source)})" if before else None
            return edits.Edit(base.files, what, f"{summary}: {change(old, entry.file)}"), (
                with_entry(base.manifest, entry)
            )

        return self.publish(author, action, edit)

    def publish_entries(
        self, entries: list[Entry], *, author: str, action: str, what: str, summary: str
    ) -> Version:
        """Publish several prompts' stored audio (:meth:`store_audio`) as ONE version (a
        recording session's takes): audit-logged and undoable like every change."""

        def edit(base: Base) -> tuple[edits.Edit, Manifest]:
            new = Manifest(dict(base.manifest.entries))
            for entry in entries:
                new.put(entry)
            return edits.Edit(base.files, one_line(what, 120), summary), new

        return self.publish(author, action, edit)

    # -- audio a change publishes ---------------------------------------------------------------

    def store_audio(
        self, lang: str, prompt_id: str, text: str, data: bytes, source: dict, duration: float
    ) -> Entry:
        """Keep the bytes in the database (and this machine's cache); the entry to publish."""
        name = audio_file_name(prompt_id, data)
        self.versions_store.put_audio(lang, name, data)  # immutable: same name, same bytes
        self.live.keep_audio(lang, name, data)
        return Entry(
            language=lang,
            prompt_id=prompt_id,
            text=text,
            text_sha256=text_sha256(text),
            source=source,
            duration=duration,
            created=utc_now(),
            file=name,
        )

    def synthesize(self, pack: ContentPack, lang: str, prompt_id: str) -> Entry:
        """The prompt's current text through TTS_ENGINE and the telephony pipeline, stored."""
        text = spoken_text(pack, lang, prompt_id)  # KeyError for an unknown language or prompt
        choice = choose_voice(pack.language(lang), self.tts_engine)
        engine = make_engine(choice.engine, self.tts_client)
        audio = to_telephony(engine.synthesize(text, choice.settings))
        source = {"kind": "tts", "engine": choice.engine, "voice": engine.voice_id(choice.settings)}
        return self.store_audio(lang, prompt_id, text, audio.data, source, audio.duration)

    def _fresh_computer_audio(self, edit: EditFn) -> dict[tuple[str, str, str], Entry]:
        """The edit applied to the live version as it is now, and computer audio for every
        prompt whose words THIS change alters and whose computer-made audio would then speak
        other words, keyed by (language, prompt, spoken words). Audio already out of date
        before the change is left to "make new audio" (it may be many prompts; a web request
        must stay short). Made outside the publish lock (speech synthesis is slow); the commit
        uses an entry only if its words are still the ones to speak."""
        with self.db.connect() as conn:
            base = self.base(conn)
        result = edit(base)
        change_, manifest = result if isinstance(result, tuple) else (result, base.manifest)
        try:
            pack = validated_pack(change_.files)
            before = validated_pack(base.files)
        except ContentError:
            return {}  # refused: the commit says why, with nothing written
        altered = {
            (language.code, prompt_id)
            for language in pack.languages
            for prompt_id, words in pack.spoken(language.code).items()
            if before.language(language.code) is None
            or before.spoken(language.code).get(prompt_id) != words
        }
        built: dict[tuple[str, str, str], Entry] = {}
        for lang, prompt_id, words in _stale_computer_audio(pack, manifest):
            if (lang, prompt_id) not in altered:
                continue
            entry = manifest.get(lang, prompt_id)
            try:
                if entry is not None and entry.staff_recorded:  # a human voice, numbers spliced
                    human = self.human_audio(pack, entry) if self.human_audio else None
                    if human is not None:
                        built[(lang, prompt_id, words)] = human
                    continue
                built[(lang, prompt_id, words)] = self.synthesize(pack, lang, prompt_id)
            except Exception:  # the change still goes out; callers hear it as before
                log.exception("no computer audio for %s %s; it stays out of date", lang, prompt_id)
        return built


def spoken_text(pack: ContentPack, lang: str, prompt_id: str) -> str:
    """The words the prompt's audio speaks; KeyError for an unknown language or prompt."""
    if pack.language(lang) is None:
        raise KeyError(f"unknown language {lang!r}")
    try:
        return pack.spoken(lang)[prompt_id]  # audio speaks the spoken words
    except KeyError:
        raise KeyError(f"no prompt {prompt_id!r} in {lang}") from None


def _stale_computer_audio(pack: ContentPack, manifest: Manifest) -> list[tuple[str, str, str]]:
    """(language, prompt, spoken words) of every prompt whose computer-made audio speaks
    other words than the pack's. Staff recordings are left for staff to record again (except
    those whose numbers are spliced in: ``Transaction.human_audio`` puts the new number in the
    same voice, in the same commit), and prompts with no audio at all are left to
    ``make_audio``."""
    stale = []
    for language in pack.languages:
        for prompt_id, words in pack.spoken(language.code).items():
            entry = manifest.get(language.code, prompt_id)
            spliced = entry is not None and bool(entry.source.get("spliced"))
            if (
                entry is not None
                and (not entry.staff_recorded or spliced)
                and not entry.speaks(words)
            ):
                stale.append((language.code, prompt_id, words))
    return stale


def _with_fresh_audio(
    pack: ContentPack, manifest: Manifest, fresh: dict[tuple[str, str, str], Entry]
) -> Manifest:
    """``manifest`` with the fresh entries that speak the words ``pack`` says now."""
    new = Manifest(dict(manifest.entries))
    for key in _stale_computer_audio(pack, manifest):
        if key in fresh:
            new.put(fresh[key])
    return new


def with_entry(manifest: Manifest, entry: Entry) -> Manifest:
    """A copy of ``manifest`` with ``entry`` in place of the prompt's old one."""
    new = Manifest(dict(manifest.entries))
    new.put(entry)
    return new


def one_line(summary: str, limit: int = 160) -> str:
    return summary if len(summary) <= limit else summary[: limit - 1] + "…"
