"""Publishing takes as human-voiced prompts, numbers spliced in, and again when a number changes.

Publishing a session makes the audio of every prompt whose words all have a take, the
numbers spliced in (digit clips, or the computer voice until the language has them), and
publishes all of it as ONE version through the Publisher (audit-logged, undoable like every
change); its takes become ``published``.

When a phone number changes, the Publisher asks :meth:`SplicedPrompts.human_audio` for every
human-voiced prompt that says it (``Publisher.human_audio``): the same takes with the new
number, published with the change, so a human voice never says an old number and never
falls back to the computer voice because of a number.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from ..audio import splice
from ..audio.engines import choose_voice, make_engine
from ..audio.manifest import Entry, Manifest
from ..audio.pipeline import to_telephony
from ..content.model import ContentPack
from ..db.schema import voice_takes
from .models import Version
from .take_store import Take, TakeStore

log = logging.getLogger(__name__)


class SplicedPrompts(TakeStore):
    """The publishing half of :class:`~ivr.publish.studio.Studio` (which sets these)."""

    publisher: Any
    pack: Callable[[], ContentPack]
    _lock: threading.Lock
    _computer: dict[tuple[str, str, str], bytes]

    def publish(self, lang: str, *, author: str, speaker: str | None = None) -> Version | None:
        """Publish the kept takes of ``lang`` (only ``speaker``'s drafts when given) as ONE
        version: the audio of every prompt whose words all have a take, numbers spliced in.
        None when nothing would change."""
        pack = self.pack()
        if pack.language(lang) is None:
            raise KeyError(f"unknown language {lang!r}")
        drafts = [
            t for t in self.takes(lang, status="draft") if speaker is None or t.author == speaker
        ]
        chosen = self._latest(lang, drafts)
        manifest = self.publisher.store.snapshot().manifest or Manifest()
        loaded: dict[str, bytes] = {}
        entries = []
        for pid, words in pack.spoken(lang).items():
            parts = splice.score(pack, lang, pid)
            needed = [c.key for c in splice.clips_of(parts)]
            if not all(key in chosen for key in needed) or (
                not needed and not self._digits_in(pack, lang, chosen)
            ):
                continue
            spliced = self._assemble(pack, lang, parts, chosen, loaded)
            current = manifest.get(lang, pid)
            if (
                current is not None
                and current.speaks(words)
                and current.source.get("takes") == " ".join(spliced.takes)
                and _computer(current) == spliced.computer_seconds
            ):
                continue  # the same takes already say it
            entries.append(self._entry(lang, pid, words, spliced, chosen))
        if not entries:
            return None
        names = sorted({t.author for t in drafts} or {author})
        version = self.publisher.publish_audio(
            entries,
            author=author,
            action="publish_takes",
            what=f"{lang} " + ", ".join(e.prompt_id for e in entries),
            summary=(
                f"{len(entries)} prompt(s) in a human voice ({', '.join(names)}), "
                f"{len(drafts)} new take(s)"
            ),
        )
        ids = [t.id for t in drafts]
        if ids:
            with self.db.begin() as conn:
                conn.execute(
                    sa.update(voice_takes)
                    .where(voice_takes.c.id.in_(ids))
                    .values(status="published", version_id=int(version.id))
                )
        log.info("published %d %s prompt(s) from takes by %s", len(entries), lang, author)
        return version

    def _latest(self, lang: str, drafts: list[Take]) -> dict[str, tuple[str, str]]:
        """clip -> (take id, author): the newest published take, the drafts over it."""
        chosen: dict[str, tuple[str, str]] = {}
        for take in sorted(self.takes(lang, status="published"), key=lambda t: t.created):
            chosen[take.clip] = (take.id, take.author)
        for take in sorted(drafts, key=lambda t: t.created):
            chosen[take.clip] = (take.id, take.author)
        return chosen

    @staticmethod
    def _digits_in(pack: ContentPack, lang: str, chosen: dict[str, Any]) -> bool:
        return all(c.key in chosen for c in splice.number_clips(pack, lang) if c.kind != "joiner")

    def _assemble(
        self,
        pack: ContentPack,
        lang: str,
        parts: tuple[splice.Part, ...],
        chosen: dict[str, tuple[str, str]],
        loaded: dict[str, bytes],
    ) -> splice.Spliced:
        """The prompt from the chosen takes; ``loaded`` caches take audio across prompts."""
        language = pack.language(lang)
        plus = language.words.get("plus", "+") if language else "+"
        needed = {c.key for c in splice.clips_of(parts)}
        if splice.has_number(parts):
            needed |= {splice.clip_key(lang, d) for d in (*splice.DIGITS, plus)}
        missing = [chosen[k][0] for k in needed if k in chosen and chosen[k][0] not in loaded]
        loaded.update(self._audio(missing))

        def take_for(key: str) -> tuple[str, bytes] | None:
            found = chosen.get(key)
            if found is None or found[0] not in loaded:
                return None
            return found[0], loaded[found[0]]

        return splice.assemble(
            pack, lang, parts, take_for, lambda text: self._computer_number(pack, lang, text)
        )

    def _entry(
        self,
        lang: str,
        pid: str,
        words: str,
        spliced: splice.Spliced,
        chosen: dict[str, tuple[str, str]],
    ) -> Entry:
        by_take = dict(chosen.values())
        speakers = sorted({by_take[t] for t in spliced.takes if t in by_take}) or ["?"]
        source = {
            "kind": "staff",
            "by": ", ".join(speakers),
            "original": "recording session",
            "spliced": "1",
            "takes": " ".join(spliced.takes),
            "computer_seconds": f"{spliced.computer_seconds:g}",
        }
        audio = spliced.audio
        return self.publisher.store_audio(lang, pid, words, audio.data, source, audio.duration)

    def _computer_number(self, pack: ContentPack, lang: str, text: str) -> bytes:
        """A number said by the language's computer voice (TTS_ENGINE), until the language
        has its digit clips: telephony audio, kept in memory."""
        engine_name = self.publisher.tts_engine
        key = (lang, engine_name, text)
        with self._lock:
            if key in self._computer:
                return self._computer[key]
        choice = choose_voice(pack.language(lang), engine_name)
        engine = make_engine(choice.engine, self.publisher.tts_client)
        data = to_telephony(engine.synthesize(text, choice.settings)).data
        with self._lock:
            if len(self._computer) > 500:
                self._computer.clear()
            self._computer[key] = data
        return data

    def human_audio(self, pack: ContentPack, entry: Entry) -> Entry | None:
        """``Publisher.human_audio``: a spliced prompt's audio for the would-be ``pack`` (a
        number changed), from the same takes; None when a word of it has no take."""
        if not entry.source.get("spliced"):
            return None
        lang, pid = entry.language, entry.prompt_id
        try:
            parts = splice.score(pack, lang, pid)
        except KeyError:
            return None
        # The takes it was made of first (an undone publish must not come back with a number
        # change), then the newest published take of any other clip.
        chosen = self._latest(lang, [])
        preferred = set(str(entry.source.get("takes", "")).split())
        for take in self._takes_by_id(preferred):
            chosen[take.clip] = (take.id, take.author)
        try:
            spliced = self._assemble(pack, lang, parts, chosen, {})
        except splice.MissingClip:
            return None
        return self._entry(lang, pid, pack.spoken(lang)[pid], spliced, chosen)


def _computer(entry: Entry) -> float:
    try:
        return float(entry.source.get("computer_seconds", 0) or 0)
    except (TypeError, ValueError):
        return 0.0
