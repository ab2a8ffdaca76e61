"""What every area of the console uses: the live pack and audio catalogue (what callers hear
right now) for reading, the Publisher (``app.extensions["publisher"]``) for every change, who
is changing it, and refusals in plain words.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, g, request, session, url_for
from flask_babel import gettext

from ..audio.catalogue import AudioCatalogue
from ..content.model import ContentPack
from .names import Namer, namer
from .problems import Refusal, refusals

PROMPTS_PER_PAGE = 30  # the prompt list and search results page alike
LIST_KEY = "console_list"


def live_pack() -> ContentPack:
    return current_app.extensions["content"].current()


def catalogue() -> AudioCatalogue:
    return current_app.extensions["audio"]


def publisher() -> Any:
    return current_app.extensions["publisher"]


def live_names() -> Namer:
    """Prompts and parts of the call named by where callers hear them, in the staffer's
    language."""
    return namer(live_pack())


def who() -> str:
    """The staffer making a change, as the versions and the audit log name them."""
    return str(g.staff_user)


def require(condition: bool) -> None:
    if not condition:
        abort(404)


def check_prompt(pack: ContentPack, lang: str, prompt_id: str) -> None:
    require(pack.language(lang) is not None and prompt_id in pack.prompt_ids())


def version_note(version: Any) -> str:
    return gettext("Version %(id)s is now live.", id=version.id) if version is not None else ""


def refused(exc: BaseException) -> list[Refusal]:
    """Why the Publisher refused a change, in plain words."""
    return refusals(exc, live_pack())


def flash_at(anchor: str, message: str, category: str = "message") -> None:
    """A confirmation shown next to the item it is about (the element with id ``anchor`` on
    the page the staffer is sent to), not at the top of a long page. A page that does not
    show that item lists it at the top like any other message (base.html)."""
    flash(message, f"{category}@{anchor}")


def flash_refused(lead: str, exc: BaseException) -> None:
    """Flash ``lead`` and, in plain words, why the change was refused."""
    flash(lead + " " + " ".join(r.text for r in refused(exc)), "error")


def wants_json() -> bool:
    """The recorder's script asks for JSON; a plain form post gets a page."""
    return request.accept_mimetypes.best == "application/json"


def remember_list() -> None:
    """The list (with its filters and page) a prompt was opened from, for its back link."""
    session[LIST_KEY] = request.full_path.rstrip("?")


def back_to_list(lang: str) -> str:
    kept = str(session.get(LIST_KEY) or "")
    if kept.startswith(("/admin/coverage", "/admin/search")):
        return kept
    return url_for("console.coverage", lang=lang)
