"""Words, directory numbers, organizations and checked dates, published at once.

Each change is one version (see :mod:`.transaction`); the edits to the YAML files themselves
are :mod:`.edits`. Every prompt whose words a change alters gets fresh computer audio in the
same version, so callers never hear old audio (or a fallback voice) for new words.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from . import edits
from . import hours as opening_hours
from .models import Version
from .transaction import Transaction


class WordsAndNumbers:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def set_text(self, lang: str, prompt_id: str, text: str, *, author: str) -> Version:
        """Publish a new text for one prompt in one language (comments and order of the
        YAML file are kept). Raises ContentError (nothing saved) if the pack would be invalid,
        KeyError for an unknown language or prompt (derived `number.*` prompts included: they
        are spoken from the directory). Its audio turns stale, so the line says the new text
        with <Say> until audio is rebuilt or recorded."""
        return self.tx.publish(
            author,
            "set_text",
            lambda base: edits.set_text(base.files, lang, prompt_id, text),
            refresh_audio=True,
        )

    def set_number(self, number_id: str, *, author: str, **fields: Any) -> Version:
        """Change a directory number: e164, channels, dial_from, label, source, decision
        (None removes an optional field). KeyError for an unknown number, ValueError for an
        unknown field, ContentError when the pack would be invalid (a bad E.164 included)."""
        return self.tx.publish(
            author,
            "set_number",
            lambda base: edits.set_number(base.files, number_id, fields),
            refresh_audio=True,
        )

    def set_organization(self, org_id: str, *, author: str, **fields: Any) -> Version:
        """Change an organization: name, region, helps, sources, links, decision."""
        return self.tx.publish(
            author,
            "set_organization",
            lambda base: edits.set_organization(base.files, org_id, fields),
            refresh_audio=True,
        )

    def set_hours(self, number_id: str, hours: Any, *, author: str) -> Version:
        """A number's opening hours (a ``content.hours.Hours``, or None: unknown); see
        :mod:`.hours`. KeyError, ContentError as set_number."""
        return self.tx.publish(
            author, "set_hours", lambda base: opening_hours.set_hours(base.files, number_id, hours)
        )

    def mark_checked(self, section: str, *, author: str, day: date) -> Version:
        """Record that a section's facts were checked on ``day`` (callers hear the new date,
        and no longer that things may have changed). ``section`` is a node id or situation
        name; KeyError for a section that carries no date."""
        return self.tx.publish(
            author,
            "mark_checked",
            lambda base: edits.set_checked(base.files, section, day),
            refresh_audio=True,
        )
