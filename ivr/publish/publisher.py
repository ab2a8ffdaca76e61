"""The one API the staff console (and the CLI) call to read and change what the line serves.

Every change is one database transaction holding the publish lock (so two staff on any two
machines never lose each other's edits): take the live version (or the seed, before the first
publish), apply the edit to its files, validate the would-be pack exactly as
``python -m ivr validate`` does, write the new immutable version, move the live pointer and
write the audit entry, all committed together or not at all. Slow work (speech synthesis,
converting a recording) happens before the transaction. A refused edit writes nothing. A
database that cannot be reached raises SQLAlchemy's error (the console answers 503). Nothing
here knows about HTTP.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ..atomic import atomic_write
from ..audio.catalogue import AudioCatalogue
from ..audio.engines import choose_voice, make_engine
from ..audio.manifest import (
    Entry,
    Manifest,
    audio_file_name,
    file_hash,
    load_manifest,
    text_sha256,
    utc_now,
)
from ..audio.pipeline import ACCEPTED_FORMATS, to_telephony
from ..audio.recordings import RecordingRejected, convert_recording
from ..content import ContentError, ContentPack, load_pack
from ..content.store import ContentStore
from ..db import Database
from ..db.schema import audio as audio_table
from ..db.schema import blobs, versions
from . import changes, edits
from .audit import AuditLog, change, clip
from .drafts import Drafts
from .history import History, LaterChange, revert, touched
from .live import LiveVersion
from .models import AudioVersion, AuditEntry, Change, Draft, Version
from .reviews import Review, Reviews
from .text_drafts import TextDraft, TextDrafts
from .versions import manifest_part

log = logging.getLogger(__name__)

#: Audio stored in the database but referenced by no version is kept this long by prune: a
#: publish that stored its audio may not have committed yet, and calls may still fetch it.
PRUNE_AUDIO_GRACE = timedelta(hours=1)

#: Validated packs kept by the files that made them (see Publisher._load).
PACKS_KEPT = 4
_PACKS: OrderedDict[str, ContentPack] = OrderedDict()
_PACKS_LOCK = threading.Lock()

#: Prompts rebuilt by one "make new audio for everything out of date" (espeak makes one in a
#: fraction of a second; Google's network calls take longer, and gunicorn's timeout is 15 s).
REBUILD_BATCH = 20


@dataclass(frozen=True)
class StaleRebuild:
    """What :meth:`Publisher.rebuild_stale` did."""

    version: Version | None  # the new live version (the old one when nothing was rebuilt)
    rebuilt: tuple[tuple[str, str], ...]  # (lang, prompt id)
    staff_recorded: tuple[tuple[str, str], ...]  # out of date, but a person's voice: left
    remaining: int  # out of date, left for the next batch (never with make_audio)


@dataclass(frozen=True)
class _Base:
    """What an edit starts from: the live version's files and manifest, or the seed's."""

    files: dict[str, bytes]
    manifest: Manifest
    version: str | None


def source_label(source: Any) -> str:
    """``tts:espeak:es-419@145wpm`` or ``staff:ana``: where an audio file came from."""
    if source.get("kind") == "staff":
        return f"staff:{source.get('by', '?')}"
    return f"tts:{source.get('engine', '?')}:{source.get('voice', '?')}"


class Publisher:
    def __init__(
        self,
        db: Database,
        store: ContentStore,
        catalogue: AudioCatalogue,
        live: LiveVersion,
        *,
        seed_content: Path,
        seed_audio: Path,
        cache_dir: Path,
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
        self.drafts = Drafts(db, Path(cache_dir) / "drafts")
        self.text_drafts_store = TextDrafts(db)
        self.reviews_store = Reviews(db)
        self.history = History(self.versions_store, self._seed)
        self.speech_dir = Path(cache_dir) / "speech"
        # Human-voiced prompts with spliced numbers (ivr.publish.studio sets it): given the
        # would-be pack and such a prompt's entry, the same takes with the new number, or
        # None (a word has no take: the recording is left out of date, like any other).
        self.human_audio: Callable[[ContentPack, Entry], Entry | None] | None = None

    # -- reading ---------------------------------------------------------------------------

    def pack(self) -> ContentPack:
        """The live pack (the seed `prompts/` until the first publish)."""
        return self.store.current()

    def live_version(self) -> Version | None:
        """The live version; None while the line still serves the seed."""
        live = self.versions_store.live_id()
        return self.versions_store.meta(live, live) if live else None

    def versions(self) -> list[Version]:
        """Every published version, newest first."""
        return self.versions_store.all()

    def audit_log(self, limit: int = 200) -> list[AuditEntry]:
        """The latest staff actions, newest first."""
        return self.audit.latest(limit)

    def audio_path(self, lang: str, file: str) -> Path | None:
        """Where an audio file (published, or the seed's) is on this machine's disk, copied
        from the database into the cache if need be; None if it exists nowhere."""
        if not file_hash(lang, file):
            return None
        return self.catalogue.file_path(lang, file) or self.live.fetch_one(lang, file)

    # -- text and directory ----------------------------------------------------------------

    def set_text(self, lang: str, prompt_id: str, text: str, *, author: str) -> Version:
        """Publish a new text for one prompt in one language (comments and order of the
        YAML file are kept). Raises ContentError (nothing saved) if the pack would be invalid,
        KeyError for an unknown language or prompt (derived `number.*` prompts included: they
        are spoken from the directory). Its audio turns stale, so the line says the new text
        with <Say> until audio is rebuilt or recorded."""
        return self._commit(
            author,
            "set_text",
            lambda base: edits.set_text(base.files, lang, prompt_id, text),
            refresh_audio=True,
        )

    def set_number(self, number_id: str, *, author: str, **fields: Any) -> Version:
        """Change a directory number: e164, channels, dial_from, label, source, decision
        (None removes an optional field). KeyError for an unknown number, ValueError for an
        unknown field, ContentError when the pack would be invalid (a bad E.164 included)."""
        return self._commit(
            author,
            "set_number",
            lambda base: edits.set_number(base.files, number_id, fields),
            refresh_audio=True,
        )

    def set_organization(self, org_id: str, *, author: str, **fields: Any) -> Version:
        """Change an organization: name, region, helps, sources, links, decision."""
        return self._commit(
            author,
            "set_organization",
            lambda base: edits.set_organization(base.files, org_id, fields),
            refresh_audio=True,
        )

    def mark_checked(self, section: str, *, author: str, day: date) -> Version:
        """Record that a section's facts were checked on ``day`` (callers hear the new date,
        and no longer that things may have changed). ``section`` is a node id or situation
        name; KeyError for a section that carries no date."""
        return self._commit(
            author,
            "mark_checked",
            lambda base: edits.set_checked(base.files, section, day),
            refresh_audio=True,
        )

    # -- audio -----------------------------------------------------------------------------

    def rebuild_audio(self, lang: str, prompt_id: str, *, author: str) -> Version:
        """Synthesize the prompt's current text with TTS_ENGINE (the same voices and pipeline
        as `flask audio build`) and publish it, replacing a staff recording too (staff asked).
        KeyError for an unknown language or prompt; EngineError or AudioRejected if the engine
        fails (nothing published)."""
        entry = self._synthesize(self.pack(), lang, prompt_id)
        summary = f"rebuilt with {source_label(entry.source)}"
        return self._commit_audio(author, "rebuild_audio", entry, summary)

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
        if lang is not None and self.pack().language(lang) is None:
            raise KeyError(f"unknown language {lang!r}")
        pack = self.pack()
        stale: list[tuple[str, str]] = []  # first: callers hear <Say> where audio used to be
        missing: list[tuple[str, str]] = []
        recorded: list[tuple[str, str]] = []
        for language in pack.languages:
            if lang is not None and language.code != lang:
                continue
            for prompt_id, text in sorted(pack.spoken(language.code).items()):
                entry, state = self.catalogue.state(language.code, prompt_id, text)
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
        built = [self._synthesize(pack, code, prompt_id) for code, prompt_id in chosen]
        if not built:
            return StaleRebuild(self.live_version(), (), tuple(recorded), 0)
        what = ", ".join(f"{e.language} {e.prompt_id}" for e in built)

        def edit(base: _Base) -> tuple[edits.Edit, Manifest]:
            new = Manifest(dict(base.manifest.entries))
            for entry in built:
                new.put(entry)
            summary = f"{len(built)} prompt(s) rebuilt with the computer voice"
            return edits.Edit(base.files, _one_line(what, 120), summary), new

        version = self._commit(author, "rebuild_stale", edit)
        done = tuple((e.language, e.prompt_id) for e in built)
        return StaleRebuild(version, done, tuple(recorded), len(todo) - len(built))

    def _synthesize(self, pack: ContentPack, lang: str, prompt_id: str) -> Entry:
        """The prompt's current text through TTS_ENGINE and the telephony pipeline, stored."""
        text = _text(pack, lang, prompt_id)  # KeyError for an unknown language or prompt
        choice = choose_voice(pack.language(lang), self.tts_engine)
        engine = make_engine(choice.engine, self.tts_client)
        audio = to_telephony(engine.synthesize(text, choice.settings))
        source = {"kind": "tts", "engine": choice.engine, "voice": engine.voice_id(choice.settings)}
        return self._store_audio(lang, prompt_id, text, audio.data, source, audio.duration)

    def stage_recording(
        self, lang: str, prompt_id: str, data: bytes, filename: str, *, author: str
    ) -> Draft:
        """Convert an upload for the phone (the pydub pipeline of `flask audio import`) and
        keep it as a draft to preview; nothing live changes. Raises RecordingRejected naming
        the file and what is wrong."""
        name = Path(filename or "upload").name
        suffix = Path(name).suffix.lower().lstrip(".")
        if suffix and suffix not in ACCEPTED_FORMATS:
            raise RecordingRejected(
                f"{name}: .{suffix} is not an audio format the line takes "
                f"({', '.join(ACCEPTED_FORMATS)}); the old audio is still in place"
            )
        text, audio = convert_recording(self.pack(), lang, prompt_id, data, name)
        return self.drafts.stage(lang, prompt_id, text, audio, author=author, original=name)

    def draft_audio(self, draft_id: str) -> Path:
        """The processed WAV of a draft (to serve the preview). KeyError if unknown."""
        return self.drafts.path(draft_id)

    def publish_recording(self, draft_id: str, *, author: str) -> Version:
        """Publish a staged draft as the prompt's audio. It speaks the text it was recorded
        for: if that text was edited since, it is published but shows (and plays) as stale."""
        staged = self.drafts.get(draft_id)
        draft = staged.draft
        _text(self.pack(), draft.lang, draft.prompt_id)  # the prompt must still exist
        source = {"kind": "staff", "by": staged.author, "original": staged.original}
        entry = self._store_audio(
            draft.lang, draft.prompt_id, staged.text, staged.data, source, draft.duration
        )
        return self._commit_audio(
            author, "publish_recording", entry, f"recording {staged.original} by {staged.author}"
        )

    def store_audio(
        self, lang: str, prompt_id: str, text: str, data: bytes, source: dict, duration: float
    ) -> Entry:
        """Keep finished audio (8 kHz μ-law WAV) in the database; the entry to publish."""
        return self._store_audio(lang, prompt_id, text, data, source, duration)

    def publish_audio(
        self, entries: list[Entry], *, author: str, action: str, what: str, summary: str
    ) -> Version:
        """Publish several prompts' stored audio (``store_audio``) as ONE version (a
        recording session's takes): audit-logged and undoable like every change."""

        def edit(base: _Base) -> tuple[edits.Edit, Manifest]:
            new = Manifest(dict(base.manifest.entries))
            for entry in entries:
                new.put(entry)
            return edits.Edit(base.files, _one_line(what, 120), summary), new

        return self._commit(author, action, edit)

    def audio_history(self, lang: str, prompt_id: str) -> list[AudioVersion]:
        """Every audio file this prompt has had (the seed's and every version's), newest
        first; ``live`` marks the one the live version plays."""
        first: dict[str, Entry] = {}
        for entry, _ in self._entries(lang, prompt_id):
            first.setdefault(entry.file, entry)
        live = self.store.snapshot().manifest
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

        def edit(base: _Base) -> tuple[edits.Edit, Manifest]:
            files, summary = base.files, f"audio {file}"
            if raw_text is not None:
                pack = self._load(base.files)
                if pack.raw_texts(lang).get(prompt_id) != raw_text:
                    text_edit = edits.set_text(base.files, lang, prompt_id, raw_text)
                    files, summary = text_edit.files, f"{summary}; text {text_edit.summary}"
            manifest = _with(base.manifest, entry)
            return edits.Edit(files, f"{lang} {prompt_id}", summary), manifest

        return self._commit(author, "restore_audio", edit)

    def restore_audio_words(self, lang: str, prompt_id: str, file: str) -> str | None:
        """The words ``restore_audio`` would bring back with that file, when they differ from
        the prompt's current words (None: the same words, or none known). The console asks
        before changing them. KeyError if the prompt never had that file."""
        _, raw_text = self._restorable(lang, prompt_id, file)
        if raw_text is None or self.pack().raw_texts(lang).get(prompt_id) == raw_text:
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

    # -- versions --------------------------------------------------------------------------

    def restore_preview(self, version_id: str) -> list[LaterChange]:
        """Every change published after ``version_id`` that ``restore_version`` would undo
        (who, when, what, before → after), newest first; KeyError for an unknown version."""
        with self.db.connect() as conn:
            return self.history.restore_preview(conn, version_id)

    def undo_version(self, version_id: str, *, author: str) -> Version:
        """Undo only what ``version_id`` changed, as a NEW version; every later change stays.
        Raises UndoBlocked (listing them) when a later version changed the same prompt (in
        that language), number or organization since, NotUndoable for a change that cannot
        be put back alone (a whole file, a number added), KeyError for an unknown version."""

        def edit(base: _Base) -> tuple[edits.Edit, Manifest]:
            with self.db.connect() as conn:
                own, parent_manifest = self.history.undo_plan(conn, version_id)
            files, manifest = revert(base.files, base.manifest, own, parent_manifest)
            about = {touched(c) for c in own}
            kind, lang, target = next(iter(about))
            what = f"{lang} {target}" if len(about) == 1 and kind == "prompt" else ""
            what = what or (f"{kind} {target}" if len(about) == 1 else f"version {version_id}")
            summary = f"undid version {version_id}: " + "; ".join(
                change(c.after, c.before) if c.kind == "text" else c.target for c in own
            )
            return edits.Edit(files, what, summary), manifest

        return self._commit(author, "undo_version", edit)

    def restore_version(self, version_id: str, *, author: str) -> Version:
        """Publish a NEW version equal to `version_id` (history is never rewritten).
        KeyError for an unknown version."""
        old = self.versions_store.meta(version_id)
        files = self.versions_store.files(old.id)
        manifest = self.versions_store.manifest(old.id)

        def edit(base: _Base) -> tuple[edits.Edit, Manifest]:
            what = f"version {old.id}"
            summary = f"restored version {old.id} ({old.summary})"
            return edits.Edit(files, what, summary), manifest

        return self._commit(author, "restore_version", edit)

    def publish_seed(self, *, author: str) -> Version:
        """Publish the repository's `prompts/` and `audio/manifest.json` as a new version
        (deploys developers' edits once staff have published from the console)."""

        def edit(base: _Base) -> tuple[edits.Edit, Manifest]:
            seed = self._seed()
            return edits.Edit(seed.files, "seed", "prompts/ and audio/manifest.json"), (
                seed.manifest
            )

        return self._commit(author, "publish_seed", edit)

    # -- drafts of words and numbers: saved, heard, then published -------------------------

    def save_text_draft(self, lang: str, prompt_id: str, text: str, *, author: str) -> TextDraft:
        """Keep new words for a prompt as a draft (replacing that prompt's draft). Refused
        like ``set_text`` (ContentError, KeyError) when they could not be published; the
        line does not change."""
        files = self._live_files()
        edit = edits.set_text(files, lang, prompt_id, text)
        # ContentError now rather than at Publish; the words as the file keeps them.
        words = self._load(edit.files).raw_texts(lang)[prompt_id]
        return self.text_drafts_store.save("text", prompt_id, lang, {"text": words}, author=author)

    def save_number_draft(self, number_id: str, *, author: str, **fields: Any) -> TextDraft:
        """Keep a directory number's new fields as a draft; refused like ``set_number``."""
        self._load(edits.set_number(self._live_files(), number_id, fields).files)
        return self.text_drafts_store.save("number", number_id, None, fields, author=author)

    def text_drafts(self) -> list[TextDraft]:
        """Every draft of words or numbers, newest first."""
        return self.text_drafts_store.all()

    def text_draft(self, draft_id: str) -> TextDraft:
        """KeyError if it was published, discarded or never saved."""
        return self.text_drafts_store.get(draft_id)

    def find_text_draft(self, kind: str, target: str, lang: str | None = None) -> TextDraft | None:
        return self.text_drafts_store.find(kind, target, lang)

    def draft_pack(self, draft_id: str) -> ContentPack:
        """The live pack as it would be with the draft published (ContentError if the live
        content changed since so that it no longer fits)."""
        draft = self.text_draft(draft_id)
        return self._load(self._draft_edit(draft, self._live_files()).files)

    def draft_prompts(self, draft_id: str) -> list[tuple[str, str, str, str]]:
        """Every prompt the draft changes, in every language: (lang, prompt id, the words
        callers hear now, the words they would hear). A number draft lists every prompt that
        says the number."""
        live, drafted = self.pack(), self.draft_pack(draft_id)
        found = []
        for language in drafted.languages:
            now, then = live.texts(language.code), drafted.texts(language.code)
            found += [
                (language.code, pid, now.get(pid, ""), then[pid])
                for pid in sorted(then)
                if now.get(pid) != then[pid]
            ]
        return found

    def draft_speech(self, draft_id: str, lang: str, prompt_id: str) -> Path:
        """A WAV of the draft's words for that prompt in the computer voice (the same engine,
        voice and telephony pipeline as "make new audio"), kept in the local cache. Only a
        preview: nothing is published. KeyError if the draft does not change that prompt."""
        drafted = self.draft_pack(draft_id)
        if not any((c, p) == (lang, prompt_id) for c, p, _, _ in self.draft_prompts(draft_id)):
            raise KeyError(f"the draft does not change {lang} {prompt_id}")
        text = _text(drafted, lang, prompt_id)
        choice = choose_voice(drafted.language(lang), self.tts_engine)
        engine = make_engine(choice.engine, self.tts_client)
        key = text_sha256(f"{engine.voice_id(choice.settings)}\n{text}")
        path = self.speech_dir / lang / f"{key}.wav"
        if not path.exists():
            audio = to_telephony(engine.synthesize(text, choice.settings))
            atomic_write(path, audio.data)
        return path

    def publish_text_draft(self, draft_id: str, *, author: str) -> Version:
        """Publish the draft as one version (as ``set_text`` / ``set_number`` would), then
        drop it. KeyError if it is gone; ContentError if the content changed so that it no
        longer fits (the draft stays)."""
        draft = self.text_draft(draft_id)
        if draft.kind == "text":
            version = self.set_text(
                str(draft.lang), draft.target, draft.value["text"], author=author
            )
        else:
            version = self.set_number(draft.target, author=author, **draft.value)
        self.text_drafts_store.discard(draft.id)
        return version

    def discard_text_draft(self, draft_id: str) -> bool:
        """Forget a draft; False if it was already gone."""
        return self.text_drafts_store.discard(draft_id)

    def _draft_edit(self, draft: TextDraft, files: dict[str, bytes]) -> edits.Edit:
        if draft.kind == "text":
            return edits.set_text(files, str(draft.lang), draft.target, draft.value["text"])
        return edits.set_number(files, draft.target, draft.value)

    def _live_files(self) -> dict[str, bytes]:
        with self.db.connect() as conn:
            return self._base(conn).files

    # -- translation review ----------------------------------------------------------------

    def mark_reviewed(self, lang: str, prompt_id: str, *, reviewer: str) -> Review:
        """Record that ``reviewer`` (a native speaker) checked the prompt's current written
        words, in the audit log too. An edit to the words leaves the mark behind. KeyError
        for an unknown language or prompt (or one spoken from the directory)."""
        if not reviewer or not reviewer.strip():
            raise ValueError("a review needs the reviewer's name")
        text = self.pack().raw_texts(lang)[prompt_id]
        with self.db.begin() as conn:
            review = self.reviews_store.mark(lang, prompt_id, text, reviewer, conn)
            self.audit.record(
                who=reviewer,
                action="mark_reviewed",
                what=f"{lang} {prompt_id}",
                summary=clip(text),
                conn=conn,
            )
        return review

    def reviews(self) -> dict[tuple[str, str], Review]:
        """(lang, prompt id) -> who reviewed the live words and when (absent: not yet)."""
        pack = self.pack()
        return self.reviews_store.current(
            (language.code, pid, text)
            for language in pack.languages
            for pid, text in pack.raw_texts(language.code).items()
        )

    def text_writers(self) -> dict[tuple[str, str], AuditEntry]:
        """(lang, prompt id) -> the latest audit entry that wrote its words from the console
        (absent: the words came with the installation)."""
        found: dict[tuple[str, str], AuditEntry] = {}
        for entry in self.audit.latest(limit=1_000_000):
            wrote = entry.action in ("set_text", "undo_version") or (
                entry.action == "restore_audio" and "; text " in entry.summary
            )
            lang, _, pid = entry.what.partition(" ")
            if wrote and pid and " " not in pid:
                found.setdefault((lang, pid), entry)
        return found

    def referenced_audio(self) -> set[tuple[str, str]]:
        """``(lang, file)`` of every audio file any version uses (for `flask audio gc`)."""
        with self.db.connect() as conn:
            return self._referenced_audio(conn)

    def _referenced_audio(self, conn: sa.Connection) -> set[tuple[str, str]]:
        parts: set[tuple[str, str]] = set()
        for manifest in conn.execute(sa.select(versions.c.manifest)).scalars():
            parts.update(manifest.items())
        found: set[tuple[str, str]] = set()
        for lang, sha in parts:  # few distinct parts: they change only when audio does
            part = self.versions_store.read_manifest(conn, {lang: sha})
            found.update((e.language, e.file) for e in part.entries.values())
        return found

    def version_changes(self, version_id: str) -> list[Change]:
        """What ``version_id`` changed compared with its parent (the seed for the first);
        KeyError for an unknown version."""
        with self.db.connect() as conn:
            row = self.versions_store.row(conn, version_id)
            files = self.versions_store.read_files(conn, row.files)
            manifest = self.versions_store.read_manifest(conn, row.manifest)
            if row.parent_id is None:
                parent = self._seed()
                old_files, old_manifest = parent.files, parent.manifest
            else:
                try:
                    old = self.versions_store.row(conn, str(row.parent_id))
                except KeyError:  # pruned: nothing to compare with
                    return [Change("other", None, f"version {row.parent_id} (pruned)", None, None)]
                old_files = self.versions_store.read_files(conn, old.files)
                old_manifest = self.versions_store.read_manifest(conn, old.manifest)
        return changes.diff(old_files, files, old_manifest, manifest)

    def prune(self, keep: int) -> int:
        """Delete all but the newest ``keep`` versions (never the live one), then the blobs
        and audio no remaining version (nor a draft) uses. Returns how many versions went.
        Audio stored within the last hour stays: a publish may be about to use it."""
        if keep < 1:
            raise ValueError("keep at least one version")
        with self.db.publishing() as conn:
            live_id, _ = self.versions_store.live_state(conn)
            ids = list(
                conn.execute(sa.select(versions.c.id).order_by(versions.c.id.desc())).scalars()
            )
            kept = set(ids[:keep]) | ({int(live_id)} if live_id else set())
            gone = [i for i in ids if i not in kept]
            for chunk in _chunks(gone):
                conn.execute(sa.delete(versions).where(versions.c.id.in_(chunk)))
            used: set[str] = set()
            for files, parts in conn.execute(sa.select(versions.c.files, versions.c.manifest)):
                used.update(files.values())
                used.update(parts.values())
            unused = [s for s in conn.execute(sa.select(blobs.c.sha256)).scalars() if s not in used]
            for chunk in _chunks(unused):
                conn.execute(sa.delete(blobs).where(blobs.c.sha256.in_(chunk)))
            playing = self._referenced_audio(conn)
            cutoff = (datetime.now(UTC) - PRUNE_AUDIO_GRACE).isoformat(timespec="seconds")
            cutoff = cutoff.replace("+00:00", "Z")
            stored = conn.execute(
                sa.select(audio_table.c.lang, audio_table.c.file, audio_table.c.created)
            ).all()
            for lang, file, created in stored:
                if (lang, file) not in playing and created < cutoff:
                    conn.execute(
                        sa.delete(audio_table).where(
                            audio_table.c.lang == lang, audio_table.c.file == file
                        )
                    )
        if gone:
            log.info("pruned %d version(s), %d blob(s)", len(gone), len(unused))
        return len(gone)

    # -- internals -------------------------------------------------------------------------

    def _commit(
        self,
        author: str,
        action: str,
        edit: Callable[[_Base], edits.Edit | tuple[edits.Edit, Manifest]],
        *,
        refresh_audio: bool = False,
    ) -> Version:
        """``refresh_audio``: computer-voice audio of every prompt whose words the change
        alters is made before the lock and published with it, in every language, so callers
        never hear words through a fallback voice (or, for a language with no voice of its
        own, another language's) while audio waits to be rebuilt."""
        if not author or not author.strip():
            raise ValueError("every change needs the staff member's name (author)")
        fresh = self._prebuild_computer_audio(edit) if refresh_audio else {}
        with self.db.publishing() as conn:
            base = self._base(conn)
            result = edit(base)
            change_, manifest = result if isinstance(result, tuple) else (result, base.manifest)
            if (
                base.version is not None
                and change_.files == base.files
                and manifest.entries == base.manifest.entries
            ):
                return self.versions_store.meta(base.version, base.version)  # nothing changed
            # Raises ContentError naming every problem: nothing is written.
            pack = self._load(change_.files)
            if fresh:
                manifest = _with_fresh_audio(pack, manifest, fresh)
            summary = f"{change_.what}: {change_.summary}"
            version = self.versions_store.write(
                conn,
                change_.files,
                manifest,
                author=author,
                summary=_one_line(summary),
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

    def _prebuild_computer_audio(
        self, edit: Callable[[_Base], edits.Edit | tuple[edits.Edit, Manifest]]
    ) -> dict[tuple[str, str, str], Entry]:
        """The edit applied to the live version as it is now, and computer audio for every
        prompt whose words THIS change alters and whose computer-made audio would then speak
        other words, keyed by (language, prompt, spoken words). Audio already out of date
        before the change is left to "make new audio" (it may be many prompts; a web request
        must stay short). Made outside the publish lock (speech synthesis is slow); the commit
        uses an entry only if its words are still the ones to speak."""
        with self.db.connect() as conn:
            base = self._base(conn)
        result = edit(base)
        change_, manifest = result if isinstance(result, tuple) else (result, base.manifest)
        try:
            pack = self._load(change_.files)
            before = self._load(base.files)
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
                built[(lang, prompt_id, words)] = self._synthesize(pack, lang, prompt_id)
            except Exception:  # the change still goes out; callers hear it as before
                log.exception("no computer audio for %s %s; it stays out of date", lang, prompt_id)
        return built

    def _commit_audio(self, author: str, action: str, entry: Entry, summary: str) -> Version:
        what = f"{entry.language} {entry.prompt_id}"

        def edit(base: _Base) -> tuple[edits.Edit, Manifest]:
            before = base.manifest.get(entry.language, entry.prompt_id)
            if before is not None and (before.file, before.text, dict(before.source)) == (
                entry.file,
                entry.text,
                dict(entry.source),
            ):
                # The same bytes for the same words (espeak is deterministic): nothing new.
                return edits.Edit(base.files, what, "unchanged"), base.manifest
            old = f"{before.file} ({source_label(before.source)})" if before else None
            return edits.Edit(base.files, what, f"{summary}: {change(old, entry.file)}"), _with(
                base.manifest, entry
            )

        return self._commit(author, action, edit)

    def _store_audio(
        self, lang: str, prompt_id: str, text: str, data: bytes, source: dict, duration: float
    ) -> Entry:
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

    def _base(self, conn: sa.Connection) -> _Base:
        live, _ = self.versions_store.live_state(conn)
        if live is None:
            return self._seed()
        row = self.versions_store.row(conn, live)
        return _Base(
            self.versions_store.read_files(conn, row.files),
            self.versions_store.read_manifest(conn, row.manifest),
            live,
        )

    def _seed(self) -> _Base:
        files = {
            path.relative_to(self.seed_content).as_posix(): path.read_bytes()
            for path in sorted(self.seed_content.rglob("*.yaml"))
        }
        return _Base(files, load_manifest(self.seed_audio), None)

    @staticmethod
    def _load(files: dict[str, bytes]) -> ContentPack:
        """The pack these files make, validated (ContentError if they are refused). The same
        files make the same (immutable) pack, so the last few are kept: a change loads the
        would-be pack before the lock and again inside it, and it is the next change's base."""
        key = hashlib.sha256(
            b"".join(
                hashlib.sha256(name.encode() + b"\0" + data).digest()
                for name, data in sorted(files.items())
            )
        ).hexdigest()
        with _PACKS_LOCK:
            if key in _PACKS:
                _PACKS.move_to_end(key)
                return _PACKS[key]
        with tempfile.TemporaryDirectory(prefix="ivr-pack-") as folder:
            for name, data in files.items():
                path = Path(folder) / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            pack = load_pack(Path(folder))
        with _PACKS_LOCK:
            _PACKS[key] = pack
            while len(_PACKS) > PACKS_KEPT:
                _PACKS.popitem(last=False)
        return pack

    def _entries(self, lang: str, prompt_id: str) -> list[tuple[Entry, str | None]]:
        """The prompt's manifest entry in the seed and in every version (oldest first), with
        the version id (None for the seed); only entries whose file still exists. Versions
        share their manifest parts, so each distinct part is read once."""
        found: list[tuple[Entry, str | None]] = []
        seed = load_manifest(self.seed_audio).get(lang, prompt_id)
        if seed is not None:
            found.append((seed, None))
        with self.db.connect() as conn:
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
                    parts[sha] = self.versions_store.read_manifest(conn, {key: sha}).get(
                        lang, prompt_id
                    )
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
        here = {name for name in names if self.catalogue.file_path(lang, name) is not None}
        return [(entry, v) for entry, v in found if entry.file in stored | here]

    def _raw_text_for(self, entry: Entry, version_id: str | None) -> str | None:
        """The authored text (placeholders unexpanded) that ``entry`` speaks in that version,
        or None if there it was already stale."""
        files = self._seed().files if version_id is None else self.versions_store.files(version_id)
        try:
            pack = self._load(files)
        except ContentError:  # an old seed may no longer load; its audio can still come back
            return None
        if pack.spoken(entry.language).get(entry.prompt_id) != entry.text:
            return None
        return pack.raw_texts(entry.language).get(entry.prompt_id)


def _text(pack: ContentPack, lang: str, prompt_id: str) -> str:
    if pack.language(lang) is None:
        raise KeyError(f"unknown language {lang!r}")
    try:
        return pack.spoken(lang)[prompt_id]  # audio speaks the spoken words
    except KeyError:
        raise KeyError(f"no prompt {prompt_id!r} in {lang}") from None


def _stale_computer_audio(pack: ContentPack, manifest: Manifest) -> list[tuple[str, str, str]]:
    """(language, prompt, spoken words) of every prompt whose computer-made audio speaks
    other words than the pack's. Staff recordings are left for staff to record again (except
    those whose numbers are spliced in: ``Publisher.human_audio`` puts the new number in the
    same voice), and prompts with no audio at all are left to ``make_audio``."""
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


def _with(manifest: Manifest, entry: Entry) -> Manifest:
    """A copy of ``manifest`` with ``entry`` in place of the prompt's old one."""
    new = Manifest(dict(manifest.entries))
    new.put(entry)
    return new


def _one_line(summary: str, limit: int = 160) -> str:
    return summary if len(summary) <= limit else summary[: limit - 1] + "…"


def _chunks(items: list, size: int = 500) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]
