"""The recording session: what a speaker records next, their takes, and publishing them.

:class:`Studio` puts together the session's order (ivr/publish/recording_session.py), the
takes and skips in the database (ivr/publish/take_store.py), and publishing takes as
human-voiced prompts with numbers spliced in, also when a number changes
(ivr/publish/spliced_prompts.py). Here: where a language's session stands, and checking a
take against its clip.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa

from ..audio import splice
from ..audio.engines import EspeakEngine, choose_voice
from ..audio.manifest import Entry
from ..audio.takes import CheckedTake, check_take, speech_seconds
from ..audio.voice_coverage import VoiceCoverage, voice_coverage, weights_for
from ..content.model import ContentPack
from ..db import Database
from .recording_session import NUMBERS_CODE, Item, Progress, Session, build_session
from .spliced_prompts import SplicedPrompts

log = logging.getLogger(__name__)


class Studio(SplicedPrompts):
    """``app.extensions["studio"]``: takes, the session of each language, publishing."""

    def __init__(
        self,
        db: Database,
        publisher: Any,
        *,
        counts: Callable[[], Iterable[tuple]] | None = None,
    ) -> None:
        self.db = db
        self.publisher = publisher
        self.counts = counts  # rows of the counts table, for the weights (None: the walk)
        self._sessions: dict[tuple[str, str, str], Session] = {}
        self._expected: dict[tuple[str, str], float] = {}
        self._computer: dict[tuple[str, str, str], bytes] = {}
        self._lock = threading.Lock()
        publisher.human_audio = self.human_audio

    # -- the session -------------------------------------------------------------------------

    def pack(self) -> ContentPack:
        return self.publisher.pack()

    def weights(self, pack: ContentPack, lang: str) -> tuple[dict[str, float], str]:
        rows = None
        if self.counts is not None:
            try:
                rows = list(self.counts())
            except sa.exc.SQLAlchemyError:
                log.warning("counts unavailable: the coverage is weighted by the walk")
        return weights_for(pack, lang, rows)

    def session(self, lang: str, pack: ContentPack | None = None) -> Session:
        """The session of ``lang`` for the live pack (KeyError for an unknown language)."""
        pack = pack or self.pack()
        weights, kind = self.weights(pack, lang)
        key = (pack.version, lang, kind)
        with self._lock:
            found = self._sessions.get(key)
        if found is None:
            found = build_session(pack, lang, weights)
            with self._lock:
                if len(self._sessions) > 12:
                    self._sessions.clear()
                self._sessions[key] = found
        return found

    def next_item(self, lang: str, speaker: str) -> Item | None:
        """The first clip nobody has kept a take of, skipped ones last; None when done."""
        session = self.session(lang)
        kept = self.kept_clips(lang)
        skipped = set(self.skipped(lang, speaker))
        later = None
        for item in session.items:
            if item.clip.key in kept:
                continue
            if item.clip.key in skipped:
                later = later or item
                continue
            return item
        return later

    def item_for_code(self, lang: str, code: int) -> Item | None:
        """The first clip of the prompt with that code (to record it again if it has a
        take); code 0: the first number clip."""
        session = self.session(lang)
        if code == NUMBERS_CODE:
            return next((i for i in session.items if i.numbers), None)
        pid = session.codes.get(code)
        if pid is None:
            return None
        keys = session.clips_of_prompt.get(pid, [])
        kept = self.kept_clips(lang)
        first_open = next((k for k in keys if k not in kept), None)
        key = first_open or (keys[0] if keys else None)
        return session.item(key) if key else None

    def progress(self, lang: str, speaker: str | None = None) -> Progress:
        pack = self.pack()
        session = self.session(lang, pack)
        kept = self.kept_clips(lang)
        drafts = self.takes(lang, status="draft")
        digits = self._digits_kept(pack, lang, kept)
        done = sum(
            1
            for pid in session.prompts
            if all(key in kept for key in session.clips_of_prompt.get(pid, []))
            and (session.clips_of_prompt.get(pid) or digits)
        )
        weights, kind = self.weights(pack, lang)
        snapshot = self.publisher.store.snapshot()
        manifest = snapshot.manifest
        now = voice_coverage(pack, lang, manifest, weights, kind, self._present)

        def once_published(pid: str, entry: Entry | None) -> float | None:
            keys = session.clips_of_prompt.get(pid, [])
            parts = splice.score(pack, lang, pid)
            if not all(k in kept for k in keys) or (not keys and not digits):
                return None
            if not splice.has_number(parts) or digits:
                return 1.0
            # Its numbers stay the computer voice: the words' share, by counting words.
            human = len(" ".join(c.spoken for c in splice.clips_of(parts)).split())
            return human / max(1, len(splice.words_of(pack, lang, parts).split()))

        after = voice_coverage(
            pack, lang, manifest, weights, kind, self._present, human=once_published
        )
        return Progress(
            lang=lang,
            prompts=len(session.prompts),
            prompts_done=done,
            clips=len(session.items),
            clips_done=sum(1 for item in session.items if item.clip.key in kept),
            drafts=len(drafts),
            my_drafts=sum(1 for t in drafts if t.author == speaker),
            coverage=now,
            after_publishing=after,
            digits_done=digits,
        )

    def coverage(self, lang: str) -> VoiceCoverage:
        pack = self.pack()
        weights, kind = self.weights(pack, lang)
        manifest = self.publisher.store.snapshot().manifest
        return voice_coverage(pack, lang, manifest, weights, kind, self._present)

    def _present(self, entry: Entry) -> bool:
        return self.publisher.catalogue.file_path(entry.language, entry.file) is not None

    @staticmethod
    def _digits_kept(pack: ContentPack, lang: str, kept: set[str]) -> bool:
        return all(
            clip.key in kept for clip in splice.number_clips(pack, lang) if clip.kind != "joiner"
        )

    # -- checking a take ---------------------------------------------------------------------

    def expected_seconds(self, lang: str, words: str) -> float:
        """How long the computer voice takes to say ``words`` (speech only): what a take's
        length is compared with. 0 when no voice can say it (the check is skipped)."""
        key = (lang, words)
        with self._lock:
            if key in self._expected:
                return self._expected[key]
        seconds = 0.0
        language = self.pack().language(lang)
        try:
            settings = choose_voice(language, "espeak").settings
            seconds = speech_seconds(EspeakEngine().synthesize(words, settings))
        except Exception:  # noqa: BLE001 — without espeak the length is not checked
            log.warning("no computer-voice length for a %s clip; length not checked", lang)
        with self._lock:
            self._expected[key] = seconds
        return seconds

    def check(self, lang: str, clip_key: str, data: bytes) -> tuple[Item, CheckedTake]:
        """Check a take for a clip of the live session: KeyError for an unknown clip,
        TakeRefused (with the reason) when it cannot be kept."""
        item = self.session(lang).item(clip_key)
        if item is None:
            raise KeyError(f"no clip {clip_key!r} in the {lang} session")
        return item, check_take(data, self.expected_seconds(lang, item.clip.spoken))
