"""Logging in and out of the console, and the switch (on every page, and on the browser phone)
between Spanish and English. The login form is one of the few pages reachable without a login
(``web.PUBLIC_ENDPOINTS``)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from .. import throttle
from ..i18n import chosen_before_login, set_ui_language
from ..security import accounts, data_dir, log_in, log_out, sessions_possible
from ..sessions import Disabled, Locked
from ..web import bp

MAX_NEXT = 2000  # longer than any console link; a longer "next" is not one of ours
_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\\\s]")


def _safe_next(target: str | None, within: tuple[str, ...] = ("/admin",)) -> str:
    """Only a path inside this console: a login link must not send staff to another site,
    and a control character (a newline would split the Location header: a 500, or a header
    of the sender's choosing) or a backslash (which browsers read as "/") is never sent on."""
    target = target or ""
    if len(target) > MAX_NEXT or _UNSAFE_IN_NEXT.search(target):
        return url_for("console.home")
    parts = urlsplit(target)
    inside = any(parts.path == w or parts.path.startswith(w + "/") for w in within)
    if target and not parts.scheme and not parts.netloc and inside and ".." not in parts.path:
        return target
    return url_for("console.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if not sessions_possible():
        return render_template("console/login/no_secret_key.html"), 503
    if request.method == "GET":
        if g.get("staff_user"):
            return redirect(_safe_next(request.args.get("next")))
        return render_template("console/login/login.html", next=request.args.get("next", ""))
    name = request.form.get("name", "")
    password = request.form.get("password", "")
    address = request.remote_addr or "unknown"
    try:  # one login at a time on the machine; bounded password checks (throttle.py)
        result = throttle.login(
            accounts(), data_dir(current_app) / "login.lock", name, password, address
        )
    except throttle.Busy as busy:
        current_app.logger.warning("staff login refused unchecked: %s", busy.message)
        return throttle.busy_response(busy)
    if isinstance(result, Locked):
        current_app.logger.warning("staff login locked for %ss", result.seconds)
        response = current_app.make_response(
            (
                render_template(
                    "console/login/login.html",
                    next=request.form.get("next", ""),
                    locked=result.seconds,
                ),
                429,
            )
        )
        response.headers["Retry-After"] = str(result.seconds)
        return response
    if isinstance(result, Disabled):
        current_app.logger.info("staff login refused: account turned off")
        return render_template(
            "console/login/login.html", next=request.form.get("next", ""), disabled=True
        ), 403
    if result is None:
        current_app.logger.info("staff login failed")
        return render_template(
            "console/login/login.html", next=request.form.get("next", ""), failed=True, name=name
        ), 401
    picked = chosen_before_login()  # the switch on the login page sets the account's language
    log_in(result.name, result.session_stamp)
    if picked is not None and picked != result.language:
        accounts().set_language(result.name, picked)
    current_app.logger.info("staff login: %s", result.name)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> Any:
    log_out()
    flash(gettext("You are logged out."))
    return redirect(url_for("console.login"))


@bp.post("/language")
def choose_language() -> Any:
    """The switch on every page: the console in Spanish or English from now on."""
    set_ui_language(request.form.get("lang", ""))
    return redirect(_safe_next(request.form.get("next"), ("/admin", "/simulator")))
