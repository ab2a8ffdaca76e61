"""The /admin blueprint: the guard every console route sits behind (login, CSRF, headers), its
error pages and the helpers every console template can use. The pages themselves are in the
areas (``areas/``), which add their routes to this one blueprint. Which role each page needs is
checked before this guard, for every page under /admin (``roles.py``)."""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
    Response,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext

from . import phones, roles
from .common import wants_json
from .i18n import language_name
from .names import audio_source
from .roles import PUBLIC_ENDPOINTS
from .security import check_csrf, csrf_token

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/admin",
    template_folder="templates",
    static_folder="static",
)

# Reachable without a login: the login form itself and its stylesheet (no data in either).
# Audio uploads are far bigger than a Twilio webhook (the app-wide limit).
UPLOAD_ENDPOINTS = frozenset({"console.upload_recording", "console.studio_take"})
MAX_UPLOAD = 20 * 1024 * 1024
CSP = (
    "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    return {
        "csrf_token": csrf_token,
        "staff_user": lambda: g.get("staff_user"),
        "audio_source": audio_source,
        "language_name": language_name,
        "pretty_number": phones.pretty,
        **roles.template_helpers(),  # can('console.x'): leave out what the role cannot use
    }


MAX_QUERY_VALUE = 2000  # longer than any link the console makes
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def bad_query() -> Response | None:
    """A link's parameter the console never makes (a control character, a newline, or a
    value longer than any of its links): a plain 400 before anything reads it."""
    for value in request.args.values():
        if len(value) > MAX_QUERY_VALUE or _CONTROL.search(value):
            message = gettext("The link has characters or a length that no console link has.")
            return Response(message, 400, mimetype="text/plain")
    return None


@bp.before_request
def guard() -> Response | None:
    if (refused := bad_query()) is not None:
        return refused
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = MAX_UPLOAD
    if request.endpoint not in PUBLIC_ENDPOINTS and not g.get("staff_user"):
        if request.method in ("GET", "HEAD"):
            return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
        return Response(gettext("Log in to the staff console first."), 401, mimetype="text/plain")
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        check_csrf()
    return None


@bp.after_request
def no_store(response: Response) -> Response:
    # Console pages show who may call which number; browsers and proxies must not keep them.
    if request.endpoint != "console.static":
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # Only this console's own files run or load; recordings play from blob: URLs.
        response.headers.setdefault("Content-Security-Policy", CSP)
    return response


@bp.errorhandler(404)
def not_found(_exc: Exception) -> tuple[str, int]:
    return render_template(
        "console/message.html",
        title=gettext("Not found"),
        message=gettext("There is no such page in the console."),
    ), 404


@bp.errorhandler(400)
def bad_request(exc: Any) -> tuple[str, int]:
    message = getattr(exc, "description", "") or gettext("The request was not understood.")
    if "Reload the page" in message:  # the CSRF check's words (security.py), translated
        message = gettext(
            "The form was out of date or not from this console. Reload the page and try again."
        )
    return render_template("console/message.html", title=gettext("Not done"), message=message), 400


@bp.errorhandler(413)
def too_large(_exc: Exception) -> tuple[str, int]:
    limit = round((request.max_content_length or 0) / (1024 * 1024), 1)
    message = gettext(
        "That file is too big. Send a recording smaller than %(size)s MB.", size=format(limit, "g")
    )
    if wants_json():
        return jsonify(error=message), 413  # type: ignore[return-value]
    return render_template(
        "console/message.html", title=gettext("File too big"), message=message
    ), 413
