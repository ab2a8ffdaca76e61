"""The recording session: what a speaker records next, their takes, and publishing them.

A language's session is the list of clips (ivr/audio/splice.py) its prompts are made of, in
the order and weight callers hear them: the language menu and what follows it
(``flow.after_language``: the main menu), then each situation up to its contact number, then
every other prompt by how often callers hear it (the safety notice, said in every situation,
first among them) (ivr/audio/voice_coverage.py). The clips every number is made of (digits,
"plus", the words around numbers) come just before the first prompt that says a number.
A clip said in several prompts is recorded once.

Takes are checked (ivr/audio/takes.py) and kept in the database (table ``voice_takes``):
``pending`` while the speaker hears it back, ``draft`` once kept, ``published`` once the
speaker or an editor publishes the session, which makes the audio of every prompt whose
words all have a take, the numbers spliced in (digit clips, or the computer voice until the
language has them), and publishes all of it as ONE version through the Publisher (audit-
logged, undoable like every change). Where a speaker stopped is what they have not kept
yet, so the session resumes on any device; skipped clips come back once the rest are done.

When a phone number changes, the Publisher asks :meth:`Studio.human_audio` for every
human-voiced prompt that says it (``Publisher.human_audio``): the same takes with the new
number, published with the change, so a human voice never says an old number and never
falls back to the computer voice because of a number.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ..audio import splice
from ..audio.engines import EspeakEngine, choose_voice, make_engine
from ..audio.manifest import Entry, Manifest, utc_now
from ..audio.pipeline import to_telephony
from ..audio.takes import CheckedTake, check_take, speech_seconds
from ..audio.voice_coverage import VoiceCoverage, voice_coverage, walk_weights, weights_for
from ..content.model import ContentPack, NodeKind
from ..content.speech import term_pattern
from ..db import Database
from ..db.schema import voice_progress, voice_takes
from ..flow import enter
from .models import Version

log = logging.getLogger(__name__)

STATUSES = ("pending", "draft", "published")
KEPT = ("draft", "published")
#: A phone or browser take nobody kept or dropped (the call ended) is forgotten after this.
PENDING_FOR = timedelta(hours=6)
NUMBERS_CODE = 0  # the code of the clips numbers are made of (9 then 0 on the phone)


@dataclass(frozen=True)
class Take:
    id: str
    lang: str
    clip: str
    words: str
    author: str
    via: str
    status: str
    created: str
    duration: float
    checks: dict[str, Any]
    version_id: int | None


@dataclass(frozen=True)
class Item:
    """One clip to record, where the session shows it."""

    clip: splice.Clip
    prompt_id: str  # the prompt it is first heard in
    code: int  # that prompt's code (NUMBERS_CODE for the number clips)
    position: int  # 1-based place in the session
    parts: tuple[splice.Part, ...]  # the prompt's score: where this clip and numbers go
    numbers: bool  # a clip numbers are made of
    notes: tuple[tuple[str, str], ...]  # pronunciation notes: (written, said as)


@dataclass
class Session:
    lang: str
    items: list[Item]
    prompts: list[str]  # prompt ids in session order
    codes: dict[int, str]  # code -> prompt id
    by_clip: dict[str, Item] = field(default_factory=dict)
    clips_of_prompt: dict[str, list[str]] = field(default_factory=dict)

    def item(self, clip_key: str) -> Item | None:
        return self.by_clip.get(clip_key)


@dataclass(frozen=True)
class Progress:
    """Where one language's session stands, for the console and the phone line."""

    lang: str
    prompts: int
    prompts_done: int  # every word of the prompt has a kept take
    clips: int
    clips_done: int
    drafts: int  # kept takes waiting to be published (all speakers)
    my_drafts: int  # ... of this speaker
    coverage: VoiceCoverage  # what callers hear now
    after_publishing: VoiceCoverage  # once the drafts are published
    digits_done: bool

    @property
    def percent_done(self) -> int:
        return round(100 * self.prompts_done / self.prompts) if self.prompts else 100


def prompt_codes(pack: ContentPack) -> dict[str, int]:
    """Prompt id -> its code (1, 2, ...: its place in the walk's session order), the same
    in every language; shown on the console and by `flask content codes`."""
    order = session_order(pack, pack.default_language.code, walk_weights(pack))
    return {pid: i for i, pid in enumerate(order, start=1)}


def session_order(pack: ContentPack, lang: str, weights: dict[str, float]) -> list[str]:
    """Prompt ids in the order a session records them (see the module docstring)."""
    flow = pack.flow
    ids = pack.prompt_ids()
    order: dict[str, None] = {flow.language_prompt: None}
    for prompt in enter(pack, lang, flow.after_language).prompts:
        order.setdefault(prompt.id)
    main = flow.nodes[flow.main]
    for option in main.options:
        if option.goto not in flow.nodes or flow.nodes[option.goto].kind is NodeKind.TRANSFER:
            continue
        for prompt in enter(pack, lang, option.goto).prompts:
            order.setdefault(prompt.id)
            if splice.has_number(splice.score(pack, lang, prompt.id)):
                break  # up to its number; the rest of the situation comes by weight
    rank = {pid: i for i, pid in enumerate(sorted(ids))}
    rest = sorted(ids - order.keys(), key=lambda pid: (-weights.get(pid, 0.0), rank[pid]))
    return [pid for pid in order if pid in ids] + rest


def build_session(pack: ContentPack, lang: str, weights: dict[str, float]) -> Session:
    language = pack.language(lang)
    if language is None:
        raise KeyError(f"unknown language {lang!r}")
    codes = prompt_codes(pack)
    prompts = session_order(pack, lang, weights)
    items: list[Item] = []
    seen: set[str] = set()
    numbers_done = False
    clips_of_prompt: dict[str, list[str]] = {}
    for pid in prompts:
        parts = splice.score(pack, lang, pid)
        clips_of_prompt[pid] = [c.key for c in splice.clips_of(parts)]
        if splice.has_number(parts) and not numbers_done:
            numbers_done = True
            for clip in splice.number_clips(pack, lang):
                if clip.key not in seen:
                    seen.add(clip.key)
                    items.append(Item(clip, pid, NUMBERS_CODE, len(items) + 1, parts, True, ()))
        for clip in splice.clips_of(parts):
            if clip.key in seen:
                continue
            seen.add(clip.key)
            notes = tuple(
                (written, said)
                for written, said in language.pronounce
                if term_pattern(written).search(clip.written)
            )
            items.append(Item(clip, pid, codes[pid], len(items) + 1, parts, False, notes))
    session = Session(
        lang,
        items,
        prompts,
        {code: pid for pid, code in codes.items()},
        clips_of_prompt=clips_of_prompt,
    )
    session.by_clip = {item.clip.key: item for item in items}
    return session


class Studio:
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

    def kept_clips(self, lang: str) -> set[str]:
        with self.db.connect() as conn:
            return set(
                conn.execute(
                    sa.select(voice_takes.c.clip).where(
                        voice_takes.c.lang == lang, voice_takes.c.status.in_(KEPT)
                    )
                ).scalars()
            )

    def skipped(self, lang: str, speaker: str) -> list[str]:
        with self.db.connect() as conn:
            row = conn.execute(
                sa.select(voice_progress.c.skipped).where(
                    voice_progress.c.name == speaker, voice_progress.c.lang == lang
                )
            ).first()
        return list(row[0]) if row else []

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

    def skip(self, lang: str, speaker: str, clip_key: str) -> None:
        """Put a clip aside for this speaker: it comes back when the rest is done."""
        skipped = [k for k in self.skipped(lang, speaker) if k != clip_key] + [clip_key]
        values = {"skipped": skipped, "updated": utc_now()}
        with self.db.begin() as conn:
            done = conn.execute(
                sa.update(voice_progress)
                .where(voice_progress.c.name == speaker, voice_progress.c.lang == lang)
                .values(**values)
            )
            if not done.rowcount:
                conn.execute(sa.insert(voice_progress).values(name=speaker, lang=lang, **values))

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

    # -- takes -------------------------------------------------------------------------------

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

    def add_take(self, lang: str, clip_key: str, data: bytes, *, author: str, via: str) -> Take:
        """Check a take and keep it as ``pending``: the speaker hears it back, then keeps
        it (:meth:`keep`) or not (:meth:`drop`). Raises TakeRefused or KeyError."""
        if via not in ("browser", "phone"):
            raise ValueError(f"unknown way of recording {via!r}")
        item, checked = self.check(lang, clip_key, data)
        take_id = secrets.token_hex(8)
        now = utc_now()
        cutoff = (datetime.now(UTC) - PENDING_FOR).isoformat(timespec="seconds")
        with self.db.begin() as conn:
            conn.execute(
                sa.delete(voice_takes).where(
                    voice_takes.c.status == "pending",
                    voice_takes.c.created < cutoff.replace("+00:00", "Z"),
                )
            )
            conn.execute(
                sa.insert(voice_takes).values(
                    id=take_id,
                    lang=lang,
                    clip=clip_key,
                    words=item.clip.spoken,
                    author=author,
                    via=via,
                    status="pending",
                    created=now,
                    duration=checked.audio.duration,
                    checks=checked.report(),
                    version_id=None,
                    data=checked.audio.data,
                )
            )
        return self.take(take_id)

    def keep(self, take_id: str, *, author: str) -> Take:
        """A pending take becomes a draft (the speaker's earlier draft of that clip goes).
        KeyError if there is no such pending take of ``author``."""
        take = self.take(take_id)
        if take.status != "pending" or take.author != author:
            raise KeyError(f"no pending take {take_id!r} of {author!r}")
        with self.db.begin() as conn:
            conn.execute(
                sa.delete(voice_takes).where(
                    voice_takes.c.lang == take.lang,
                    voice_takes.c.clip == take.clip,
                    voice_takes.c.author == author,
                    voice_takes.c.status == "draft",
                )
            )
            conn.execute(
                sa.update(voice_takes).where(voice_takes.c.id == take_id).values(status="draft")
            )
            self._unskip(conn, take.lang, author, take.clip)
        return self.take(take_id)

    def drop(self, take_id: str, *, author: str | None = None) -> bool:
        """Forget a take that is not published (the speaker's own, unless ``author`` is
        None: an editor). False if there was none."""
        query = sa.delete(voice_takes).where(
            voice_takes.c.id == take_id, voice_takes.c.status != "published"
        )
        if author is not None:
            query = query.where(voice_takes.c.author == author)
        with self.db.begin() as conn:
            return bool(conn.execute(query).rowcount)

    def _unskip(self, conn: sa.Connection, lang: str, speaker: str, clip_key: str) -> None:
        row = conn.execute(
            sa.select(voice_progress.c.skipped).where(
                voice_progress.c.name == speaker, voice_progress.c.lang == lang
            )
        ).first()
        if row and clip_key in row[0]:
            conn.execute(
                sa.update(voice_progress)
                .where(voice_progress.c.name == speaker, voice_progress.c.lang == lang)
                .values(skipped=[k for k in row[0] if k != clip_key], updated=utc_now())
            )

    def take(self, take_id: str) -> Take:
        with self.db.connect() as conn:
            row = conn.execute(
                sa.select(*_TAKE_COLUMNS).where(voice_takes.c.id == str(take_id)[:16])
            ).first()
        if row is None:
            raise KeyError(f"no take {take_id!r}")
        return _take(row)

    def take_audio(self, take_id: str) -> bytes:
        with self.db.connect() as conn:
            data = conn.execute(
                sa.select(voice_takes.c.data).where(voice_takes.c.id == str(take_id)[:16])
            ).scalar()
        if data is None:
            raise KeyError(f"no take {take_id!r}")
        return bytes(data)

    def takes(
        self, lang: str, *, status: str | None = None, author: str | None = None
    ) -> list[Take]:
        """Takes of a language, newest first."""
        query = sa.select(*_TAKE_COLUMNS).where(voice_takes.c.lang == lang)
        if status is not None:
            query = query.where(voice_takes.c.status == status)
        if author is not None:
            query = query.where(voice_takes.c.author == author)
        with self.db.connect() as conn:
            rows = conn.execute(query.order_by(voice_takes.c.created.desc())).all()
        return [_take(row) for row in rows]

    # -- publishing --------------------------------------------------------------------------

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

    def _audio(self, ids: list[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        with self.db.connect() as conn:
            for start in range(0, len(ids), 200):
                chunk = ids[start : start + 200]
                for take_id, data in conn.execute(
                    sa.select(voice_takes.c.id, voice_takes.c.data).where(
                        voice_takes.c.id.in_(chunk)
                    )
                ):
                    found[take_id] = bytes(data)
        return found

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

    def _takes_by_id(self, ids: set[str]) -> list[Take]:
        if not ids:
            return []
        with self.db.connect() as conn:
            rows = conn.execute(
                sa.select(*_TAKE_COLUMNS).where(voice_takes.c.id.in_(sorted(ids)))
            ).all()
        return [_take(row) for row in rows]


_TAKE_COLUMNS = [c for c in voice_takes.c if c.name != "data"]


def _take(row: Any) -> Take:
    return Take(
        id=row.id,
        lang=row.lang,
        clip=row.clip,
        words=row.words,
        author=row.author,
        via=row.via,
        status=row.status,
        created=row.created,
        duration=float(row.duration),
        checks=dict(row.checks or {}),
        version_id=row.version_id,
    )


def _computer(entry: Entry) -> float:
    try:
        return float(entry.source.get("computer_seconds", 0) or 0)
    except (TypeError, ValueError):
        return 0.0
