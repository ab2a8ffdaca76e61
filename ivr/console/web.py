"""The /admin blueprint: login and logout, and the guard every console route sits behind."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext

from . import throttle
from .accounts import Locked
from .i18n import chosen_before_login, set_ui_language
from .security import (
    accounts,
    check_csrf,
    csrf_token,
    data_dir,
    log_in,
    log_out,
    sessions_possible,
)

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/admin",
    template_folder="templates",
    static_folder="static",
)

# Reachable without a login: the login form itself and its stylesheet (no data in either).
PUBLIC_ENDPOINTS = frozenset({"console.login", "console.static", "console.choose_language"})
# Audio uploads are far bigger than a Twilio webhook (the app-wide limit).
UPLOAD_ENDPOINTS = frozenset({"console.upload_recording", "console.studio_take"})
MAX_UPLOAD = 20 * 1024 * 1024
CSP = (
    "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    return {"csrf_token": csrf_token, "staff_user": lambda: g.get("staff_user")}


@bp.before_request
def guard() -> Response | None:
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


def _safe_next(target: str | None, within: tuple[str, ...] = ("/admin",)) -> str:
    """Only a path inside this console: a login link must not send staff to another site."""
    parts = urlsplit(target or "")
    inside = parts.path.startswith(within)
    if target and not parts.scheme and not parts.netloc and inside:
        return target
    return url_for("console.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if not sessions_possible():
        return render_template("console/no_secret_key.html"), 503
    if request.method == "GET":
        if g.get("staff_user"):
            return redirect(_safe_next(request.args.get("next")))
        return render_template("console/login.html", next=request.args.get("next", ""))
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
                    "console/login.html", next=request.form.get("next", ""), locked=result.seconds
                ),
                429,
            )
        )
        response.headers["Retry-After"] = str(result.seconds)
        return response
    if result is None:
        current_app.logger.info("staff login failed")
        return render_template(
            "console/login.html", next=request.form.get("next", ""), failed=True, name=name
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
