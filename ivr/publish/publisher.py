"""``Publisher``: the one object the staff console and the CLI call to read and change what the
line serves (``app.extensions["publisher"]``).

It only names where each call is done, one module per kind of change staff make; every change
goes through the one publishing transaction of :mod:`.transaction` (version, live pointer and
audit entry committed together, or nothing). Nothing here knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..audio.catalogue import AudioCatalogue
from ..audio.manifest import Entry
from ..content import ContentPack
from ..content.store import ContentStore
from ..db import Database
from .history import History
from .live import LiveVersion
from .prompt_audio import PromptAudio, StaleRebuild
from .recordings import Recordings
from .reviews import Reviews
from .text_drafts import TextDrafts
from .transaction import Transaction, source_label
from .undo import Undo
from .words_and_numbers import WordsAndNumbers

__all__ = ["Publisher", "StaleRebuild", "source_label"]


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
        tx = Transaction(
            db,
            store,
            catalogue,
            live,
            seed_content=seed_content,
            seed_audio=seed_audio,
            tts_engine=tts_engine,
            tts_client=tts_client,
        )
        self.tx = tx
        self.db, self.store, self.catalogue, self.live = db, store, catalogue, live
        self.versions_store, self.audit = tx.versions_store, tx.audit

        # Reading what the line serves (transaction.py).
        self.pack = tx.pack
        self.live_version = tx.live_version

        # Finished audio kept, and several prompts' audio published as one version (the
        # recording session, ivr/publish/spliced_prompts.py; ivr/publish/studio.py also sets
        # ``human_audio``).
        self.store_audio = tx.store_audio
        self.publish_audio = tx.publish_entries

        # Words, numbers, organizations and checked dates (words_and_numbers.py).
        words = WordsAndNumbers(tx)
        self.set_text = words.set_text
        self.set_number = words.set_number
        self.set_organization = words.set_organization
        self.set_hours = words.set_hours
        self.mark_checked = words.mark_checked

        # Computer audio, every file a prompt has had, an earlier one back (prompt_audio.py).
        audio = PromptAudio(tx)
        self.audio_path = audio.audio_path
        self.rebuild_audio = audio.rebuild_audio
        self.make_audio = audio.make_audio
        self.rebuild_stale = audio.rebuild_stale
        self.audio_history = audio.audio_history
        self.restore_audio = audio.restore_audio
        self.restore_audio_words = audio.restore_audio_words

        # Staff recordings: staged as drafts, heard, published (recordings.py).
        self.drafts = Recordings(tx, Path(cache_dir) / "drafts")
        self.stage_recording = self.drafts.stage_recording
        self.draft_audio = self.drafts.draft_audio
        self.publish_recording = self.drafts.publish_recording

        # Drafts of words and numbers (text_drafts.py).
        text_drafts = TextDrafts(tx, words, Path(cache_dir) / "speech")
        self.save_text_draft = text_drafts.save_text_draft
        self.save_number_draft = text_drafts.save_number_draft
        self.text_drafts = text_drafts.text_drafts
        self.text_draft = text_drafts.text_draft
        self.find_text_draft = text_drafts.find_text_draft
        self.draft_pack = text_drafts.draft_pack
        self.draft_prompts = text_drafts.draft_prompts
        self.draft_speech = text_drafts.draft_speech
        self.publish_text_draft = text_drafts.publish_text_draft
        self.discard_text_draft = text_drafts.discard_text_draft

        # Versions, the audit log, going back, pruning (history.py); one change undone (undo.py).
        history = History(tx)
        self.versions = history.versions
        self.audit_log = history.audit_log
        self.version_changes = history.version_changes
        self.restore_preview = history.restore_preview
        self.restore_version = history.restore_version
        self.publish_seed = history.publish_seed
        self.prune = history.prune
        self.referenced_audio = history.referenced_audio
        undo = Undo(tx, history)
        self.undo_version = undo.undo_version
        self.undo_preview = undo.undo_preview

        # Native speakers' review marks, and who wrote the words (reviews.py).
        reviews = Reviews(tx)
        self.mark_reviewed = reviews.mark_reviewed
        self.reviews = reviews.reviews
        self.text_writers = reviews.text_writers

    # The voice settings live on the transaction, which synthesizes; tests switch engines.
    @property
    def tts_engine(self) -> str:
        return self.tx.tts_engine

    @tts_engine.setter
    def tts_engine(self, engine: str) -> None:
        self.tx.tts_engine = engine

    @property
    def human_audio(self) -> Callable[[ContentPack, Entry], Entry | None] | None:
        """Set by the Studio: a spliced human-voiced prompt remade for the would-be pack (a
        number changed) with the same takes, so it is re-spliced in the same commit."""
        return self.tx.human_audio

    @human_audio.setter
    def human_audio(self, make: Callable[[ContentPack, Entry], Entry | None] | None) -> None:
        self.tx.human_audio = make

    @property
    def tts_client(self) -> Any | None:
        return self.tx.tts_client

    @tts_client.setter
    def tts_client(self, client: Any | None) -> None:
        self.tx.tts_client = client
