"""Which role each console page needs, checked on the server before every request under /admin.

``ENDPOINT_ROLES`` maps an endpoint (``console.save_text``, ``needs.page``) to the least role
that may use it (every method of it); a role may do everything the roles below it may
(speaker < editor < administrator, ``account_rules.ROLES``). An endpoint that is not listed is for
administrators only (``DEFAULT_ROLE``): a page added later without a decision is refused to
speakers and editors, never opened to them by accident. A new area either adds its endpoints
here or calls :func:`declare` when its module is imported.

:func:`check` runs for every request of the app before the blueprints' own guards (registered
by ``ivr.console.init_app``); it acts only on logged-in requests under /admin, whatever their
blueprint, so the login redirects stay with each blueprint's guard. A refusal is a 403 page
(JSON for the recorder's fetch) naming, in the staffer's language, which role may do it.
Templates ask :func:`can` (``can('console.save_text')``) to leave out what the role cannot use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext

from .account_rules import ADMINISTRATOR, EDITOR, ROLES, SPEAKER, rank

DEFAULT_ROLE = ADMINISTRATOR
CONSOLE_PATH = "/admin"

ENDPOINT_ROLES: dict[str, str] = {
    # Everyone with an account: reading what callers hear, the counts, their own password.
    "console.logout": SPEAKER,
    "console.home": SPEAKER,
    "console.find": SPEAKER,
    "console.coverage": SPEAKER,
    "console.prompt": SPEAKER,
    "console.audio_file": SPEAKER,
    "console.flow": SPEAKER,
    "console.directory": SPEAKER,
    "console.sections": SPEAKER,
    "console.versions": SPEAKER,
    "console.audit": SPEAKER,
    "console.my_password": SPEAKER,
    "needs.page": SPEAKER,
    "needs.export": SPEAKER,
    "console.destinations": SPEAKER,  # opening hours and checks (reach helper)
    "console.hours": SPEAKER,
    "console.callbacks": SPEAKER,  # callback totals only
    "console.organization": SPEAKER,  # one organization's page in the directory
    # Editors: words, numbers, hours, dates, recordings, drafts, publishing, undoing a change.
    "console.save_text": EDITOR,
    "console.rebuild": EDITOR,
    "console.rebuild_stale": EDITOR,
    "console.mark_reviewed": EDITOR,
    "console.upload_recording": EDITOR,
    "console.draft": EDITOR,
    "console.draft_audio": EDITOR,
    "console.publish_draft": EDITOR,
    "console.restore_audio": EDITOR,
    "console.save_number": EDITOR,
    "console.save_organization": EDITOR,
    "console.drafts": EDITOR,
    "console.save_text_draft": EDITOR,
    "console.text_draft": EDITOR,
    "console.draft_speech": EDITOR,
    "console.publish_text_draft": EDITOR,
    "console.discard_text_draft": EDITOR,
    "console.mark_checked": EDITOR,
    "console.undo_version": EDITOR,
    "console.undo_preview": EDITOR,  # the question before undoing one change
    "console.save_hours": EDITOR,
    "console.check_destinations": EDITOR,
    # Administrators: going back to old versions, accounts (and, by default, anything else:
    # callback limits, pages added later).
    "console.restore_preview": ADMINISTRATOR,
    "console.restore_version": ADMINISTRATOR,
    "console.restore_installed": ADMINISTRATOR,
    "console.restore_installed_preview": ADMINISTRATOR,
    "console.callback_limits": ADMINISTRATOR,
    "console.accounts": ADMINISTRATOR,
    "console.add_account": ADMINISTRATOR,
    "console.reset_password": ADMINISTRATOR,
    "console.change_role": ADMINISTRATOR,
    "console.disable_account": ADMINISTRATOR,
    "console.enable_account": ADMINISTRATOR,
    "console.phone_pin": ADMINISTRATOR,
}

# Open to anyone, logged in or not: the login form, its stylesheet and the language switch.
PUBLIC_ENDPOINTS = frozenset({"console.login", "console.static", "console.choose_language"})

# Reachable while the account's password is temporary (it must be changed first).
TEMPORARY_PASSWORD_ENDPOINTS = frozenset(
    {"console.my_password", "console.logout", "console.choose_language", "console.static"}
)

ROLE_NAMES = {
    SPEAKER: lazy_gettext("speaker"),
    EDITOR: lazy_gettext("editor"),
    ADMINISTRATOR: lazy_gettext("administrator"),
}
ROLE_DUTIES = {
    SPEAKER: lazy_gettext(
        "records the prompts in the recording session and publishes their own takes"
    ),
    EDITOR: lazy_gettext(
        "also changes words, numbers, hours and dates, publishes, and undoes a change"
    ),
    ADMINISTRATOR: lazy_gettext(
        "also manages accounts and phone PINs, callback limits, and goes back to old versions"
    ),
}


def declare(roles: Mapping[str, str]) -> None:
    """For an area's module: the least role of each of its endpoints (at import)."""
    for endpoint, role in roles.items():
        if role not in ROLES:
            raise ValueError(f"{endpoint}: unknown role {role!r}")
        if ENDPOINT_ROLES.get(endpoint, role) != role:
            raise ValueError(f"{endpoint} already needs {ENDPOINT_ROLES[endpoint]!r}")
        ENDPOINT_ROLES[endpoint] = role


def required(endpoint: str | None) -> str:
    """The least role ``endpoint`` needs (administrators for one nobody listed)."""
    return ENDPOINT_ROLES.get(endpoint or "", DEFAULT_ROLE)


def role_name(role: str) -> str:
    words = ROLE_NAMES.get(role)
    return str(words) if words else role


def allowed(role: str | None, endpoint: str | None) -> bool:
    return role is not None and rank(role) >= rank(required(endpoint))


def can(endpoint: str) -> bool:
    """For templates: may the logged-in staffer use ``endpoint``?"""
    account = g.get("staff_account")
    return account is not None and allowed(account.role, endpoint)


def who_may(role: str) -> str:
    """'Only administrators can do this.' and the like, in the staffer's language."""
    if role == ADMINISTRATOR:
        return gettext("Only administrators can do this.")
    if role == EDITOR:
        return gettext("Only editors and administrators can do this.")
    return gettext("Every staff account can do this.")


def refusal(role: str) -> Response:
    account = g.get("staff_account")
    message = " ".join(
        (
            who_may(role),
            gettext("Your account is: %(role)s.", role=role_name(account.role if account else "")),
            gettext("If you need to do it, ask an administrator."),
        )
    )
    if request.accept_mimetypes.best == "application/json":
        response = jsonify(error=message, needs_role=role)
    else:
        response = Response(
            render_template("console/accounts/refused.html", message=message, needs_role=role)
        )
    response.status_code = 403
    return response


def check() -> Response | None:
    """Before every request: refuse a logged-in staffer a page under /admin their role does not
    include, and send one whose password is temporary to choose their own first."""
    account = g.get("staff_account")
    if account is None or not request.path.startswith(CONSOLE_PATH) or request.endpoint is None:
        return None  # not logged in (each blueprint's guard sends to the login), or a 404
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None  # the login form, its stylesheet and the language switch: for anyone
    if account.password_temporary and request.endpoint not in TEMPORARY_PASSWORD_ENDPOINTS:
        if request.method in ("GET", "HEAD"):
            return redirect(url_for("console.my_password"))
        return Response(gettext("Choose your own password first."), 403, mimetype="text/plain")
    role = required(request.endpoint)
    if not allowed(account.role, request.endpoint):
        return refusal(role)
    return None


def template_helpers() -> dict[str, Any]:
    return {"can": can, "role_name": role_name}
