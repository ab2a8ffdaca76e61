"""Drafts of words and numbers: saved, heard in the computer voice, then published or discarded.

Drafts are kept in the database (table ``text_drafts``) so every staffer on every machine sees
them, and never read by the line until published. One draft per prompt-and-language (or per
number): saving again replaces it. A draft is refused when saved, exactly as publishing it
would be, so Publish rarely fails later.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ..atomic import atomic_write
from ..audio.engines import choose_voice, make_engine
from ..audio.manifest import text_sha256, utc_now
from ..audio.pipeline import to_telephony
from ..content import ContentPack
from ..db.schema import text_drafts
from . import edits
from .models import Version
from .packs import validated_pack
from .transaction import Transaction, spoken_text
from .words_and_numbers import WordsAndNumbers

KINDS = ("text", "number")
_ID = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class TextDraft:
    """A text (``value["text"]``) or number fields (``value``: e164, label, ...) not yet live."""

    id: str
    kind: str  # "text" | "number"
    target: str  # prompt id or number id
    lang: str | None  # for a text
    value: dict[str, Any]
    author: str
    created: str  # UTC, ISO 8601


def _draft(row: sa.Row) -> TextDraft:
    return TextDraft(
        row.id, row.kind, row.target, row.lang, dict(row.value), row.author, row.created
    )


def _same(kind: str, target: str, lang: str | None) -> list[Any]:
    lang_is = text_drafts.c.lang.is_(None) if lang is None else text_drafts.c.lang == lang
    return [text_drafts.c.kind == kind, text_drafts.c.target == target, lang_is]


class TextDrafts:
    def __init__(self, tx: Transaction, words: WordsAndNumbers, speech_dir: Path) -> None:
        """``words`` publishes a draft; ``speech_dir`` caches its computer-voice previews."""
        self.tx = tx
        self.words = words
        self.speech_dir = Path(speech_dir)

    # -- saving ----------------------------------------------------------------------------

    def save_text_draft(self, lang: str, prompt_id: str, text: str, *, author: str) -> TextDraft:
        """Keep new words for a prompt as a draft (replacing that prompt's draft). Refused
        like ``set_text`` (ContentError, KeyError) when they could not be published; the
        line does not change."""
        edit = edits.set_text(self.tx.live_files(), lang, prompt_id, text)
        # ContentError now rather than at Publish; the words as the file keeps them.
        words = validated_pack(edit.files).raw_texts(lang)[prompt_id]
        return self._save("text", prompt_id, lang, {"text": words}, author=author)

    def save_number_draft(self, number_id: str, *, author: str, **fields: Any) -> TextDraft:
        """Keep a directory number's new fields as a draft; refused like ``set_number``."""
        validated_pack(edits.set_number(self.tx.live_files(), number_id, fields).files)
        return self._save("number", number_id, None, fields, author=author)

    def _save(
        self, kind: str, target: str, lang: str | None, value: dict[str, Any], *, author: str
    ) -> TextDraft:
        if kind not in KINDS:
            raise ValueError(f"a draft is a text or a number, not {kind!r}")
        draft = TextDraft(secrets.token_hex(8), kind, target, lang, value, author, utc_now())
        with self.tx.db.begin() as conn:
            conn.execute(sa.delete(text_drafts).where(*_same(kind, target, lang)))
            conn.execute(
                sa.insert(text_drafts).values(
                    id=draft.id,
                    kind=kind,
                    target=target,
                    lang=lang,
                    value=value,
                    author=author,
                    created=draft.created,
                )
            )
        return draft

    # -- reading ---------------------------------------------------------------------------

    def text_drafts(self) -> list[TextDraft]:
        """Every draft of words or numbers, newest first."""
        with self.tx.db.connect() as conn:
            rows = conn.execute(
                sa.select(text_drafts).order_by(text_drafts.c.created.desc(), text_drafts.c.id)
            ).all()
        return [_draft(row) for row in rows]

    def text_draft(self, draft_id: str) -> TextDraft:
        """KeyError if it was published, discarded or never saved."""
        if not _ID.fullmatch(str(draft_id)):
            raise KeyError(f"no draft {draft_id!r}")
        with self.tx.db.connect() as conn:
            row = conn.execute(
                sa.select(text_drafts).where(text_drafts.c.id == draft_id)
            ).one_or_none()
        if row is None:
            raise KeyError(f"no draft {draft_id!r}")
        return _draft(row)

    def find_text_draft(self, kind: str, target: str, lang: str | None = None) -> TextDraft | None:
        with self.tx.db.connect() as conn:
            row = conn.execute(sa.select(text_drafts).where(*_same(kind, target, lang))).first()
        return _draft(row) if row is not None else None

    # -- hearing it before it is live ----------------------------------------------------------

    def draft_pack(self, draft_id: str) -> ContentPack:
        """The live pack as it would be with the draft published (ContentError if the live
        content changed since so that it no longer fits)."""
        draft = self.text_draft(draft_id)
        return validated_pack(_draft_edit(draft, self.tx.live_files()).files)

    def draft_prompts(self, draft_id: str) -> list[tuple[str, str, str, str]]:
        """Every prompt the draft changes, in every language: (lang, prompt id, the words
        callers hear now, the words they would hear). A number draft lists every prompt that
        says the number."""
        live, drafted = self.tx.pack(), self.draft_pack(draft_id)
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
        text = spoken_text(drafted, lang, prompt_id)
        choice = choose_voice(drafted.language(lang), self.tx.tts_engine)
        engine = make_engine(choice.engine, self.tx.tts_client)
        key = text_sha256(f"{engine.voice_id(choice.settings)}\n{text}")
        path = self.speech_dir / lang / f"{key}.wav"
        if not path.exists():
            audio = to_telephony(engine.synthesize(text, choice.settings))
            atomic_write(path, audio.data)
        return path

    # -- publishing or forgetting it -------------------------------------------------------------

    def publish_text_draft(self, draft_id: str, *, author: str) -> Version:
        """Publish the draft as one version (as ``set_text`` / ``set_number`` would), then
        drop it. KeyError if it is gone; ContentError if the content changed so that it no
        longer fits (the draft stays)."""
        draft = self.text_draft(draft_id)
        if draft.kind == "text":
            version = self.words.set_text(
                str(draft.lang), draft.target, draft.value["text"], author=author
            )
        else:
            version = self.words.set_number(draft.target, author=author, **draft.value)
        self.discard_text_draft(draft.id)
        return version

    def discard_text_draft(self, draft_id: str) -> bool:
        """Forget a draft; False if it was already gone."""
        with self.tx.db.begin() as conn:
            done = conn.execute(sa.delete(text_drafts).where(text_drafts.c.id == draft_id))
        return bool(done.rowcount)


def _draft_edit(draft: TextDraft, files: dict[str, bytes]) -> edits.Edit:
    if draft.kind == "text":
        return edits.set_text(files, str(draft.lang), draft.target, draft.value["text"])
    return edits.set_number(files, draft.target, draft.value)
