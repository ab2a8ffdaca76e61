"""Accounts, for administrators: every staff account (role, language, last seen, turned off),
a new account with a temporary password, a new temporary password, a change of role, turning an
account off or on, and a phone PIN for the staff recording line. Turning an account off and
taking a role away are shown first and done only when confirmed; the last administrator is
never taken away. Every change is in "Who changed what" (the audit log).

Also "Your password", for everyone: the first page after a temporary password.
(Which role each page needs: ``ivr/console/roles.py``.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from .. import throttle
from ..account_rules import MIN_PASSWORD, ROLES, AccountError, StaffAccount, check_name, rank
from ..accounts import LANGUAGES, temporary_password
from ..common import who
from ..phone_pins import PIN_DIGITS
from ..roles import ROLE_DUTIES, role_name
from ..security import accounts as staff_accounts
from ..security import data_dir, log_in
from ..sessions import Disabled, Locked
from ..web import bp

SHOWN_BACK = 200  # characters of a refused name shown back in the form


def _problem(exc: AccountError) -> str:
    """Why an account change was refused, in the staffer's language."""
    words = {
        "bad_name": gettext(
            "A staff name is 1 to 40 lowercase letters, digits, dots, dashes or underscores, "
            "starting with a letter or a digit."
        ),
        "name_taken": gettext("There is already an account with that name."),
        "no_account": gettext("There is no such account."),
        "bad_role": gettext("Choose one of the roles."),
        "short_password": gettext(
            "The password must be at least %(num)d characters long.", num=MIN_PASSWORD
        ),
        "last_administrator": gettext(
            "This is the last administrator. Make another account an administrator first, so "
            "that someone can still manage the accounts."
        ),
        "no_secret_key": gettext(
            "Phone PINs need the server's SECRET_KEY. Ask whoever runs the server to set it."
        ),
        "pin_taken": gettext("Another account has that PIN."),
    }
    return words.get(exc.code, str(exc))


def _seen(account: StaffAccount) -> str | None:
    if account.last_seen is None:
        return None
    return datetime.fromtimestamp(account.last_seen, UTC).isoformat().replace("+00:00", "Z")


def _account_or_404(name: str) -> StaffAccount:
    try:
        account = staff_accounts().get(check_name(name))
    except AccountError:
        abort(404)
    if account is None:
        abort(404)
    return account


def _page(status: int = 200, **extra: Any) -> Any:
    everyone = staff_accounts().list()
    return render_template(
        "console/accounts/accounts.html",
        accounts=everyone,
        seen={a.name: _seen(a) for a in everyone},
        roles=ROLES,
        duties=ROLE_DUTIES,
        languages=LANGUAGES,
        pin_digits=PIN_DIGITS,
        **extra,
    ), status


@bp.get("/accounts")
def accounts() -> Any:
    return _page()


@bp.post("/accounts")
def add_account() -> Any:
    # Not cut to length: a name too long is refused in words (and shown back, up to a point).
    name = request.form.get("name", "").strip().lower()[:SHOWN_BACK]
    role = request.form.get("role", "")
    password = temporary_password()
    try:
        account = staff_accounts().add(name, password, role, temporary=True, by=who())
    except AccountError as exc:
        return _page(422, add_problem=_problem(exc), add_name=name, add_role=role)
    return _page(
        handed=account.name,
        password=password,
        note=gettext(
            "Account %(name)s made (%(role)s).", name=account.name, role=role_name(account.role)
        ),
    )


@bp.post("/accounts/<name>/password")
def reset_password(name: str) -> Any:
    account = _account_or_404(name)
    if account.name == who():  # one's own: chosen, not temporary
        return redirect(url_for("console.my_password"))
    password = temporary_password()
    staff_accounts().set_password(account.name, password, temporary=True, by=who())
    return _page(
        handed=account.name,
        password=password,
        note=gettext("%(name)s has a new temporary password; they were logged out.", name=name),
    )


def _confirm(account: StaffAccount, action: str, **extra: Any) -> Any:
    return render_template("console/accounts/confirm.html", account=account, action=action, **extra)


@bp.post("/accounts/<name>/role")
def change_role(name: str) -> Any:
    account = _account_or_404(name)
    role = request.form.get("role", "")
    if role not in ROLES:
        flash(gettext("Choose one of the roles."), "error")
        return redirect(url_for("console.accounts"))
    if role == account.role:
        flash(
            gettext(
                "Nothing changed: %(name)s already is %(role)s.", name=name, role=role_name(role)
            )
        )
        return redirect(url_for("console.accounts"))
    if rank(role) < rank(account.role) and request.form.get("confirm") != "yes":
        return _confirm(account, "role", role=role)
    try:
        staff_accounts().set_role(account.name, role, by=who())
    except AccountError as exc:
        flash(_problem(exc), "error")
        return redirect(url_for("console.accounts"))
    flash(
        gettext(
            "%(name)s is now %(role)s, from their next page on.", name=name, role=role_name(role)
        )
    )
    return redirect(url_for("console.accounts"))


@bp.post("/accounts/<name>/disable")
def disable_account(name: str) -> Any:
    account = _account_or_404(name)
    if request.form.get("confirm") != "yes":
        return _confirm(account, "disable")
    try:
        staff_accounts().disable(account.name, by=who())
    except AccountError as exc:
        flash(_problem(exc), "error")
        return redirect(url_for("console.accounts"))
    if account.name == who():  # an administrator turned their own account off
        return redirect(url_for("console.login"))
    flash(gettext("%(name)s is turned off and was logged out.", name=name))
    return redirect(url_for("console.accounts"))


@bp.post("/accounts/<name>/enable")
def enable_account(name: str) -> Any:
    account = _account_or_404(name)
    staff_accounts().enable(account.name, by=who())
    flash(gettext("%(name)s is turned on again: they can log in.", name=name))
    return redirect(url_for("console.accounts"))


@bp.post("/accounts/<name>/pin")
def phone_pin(name: str) -> Any:
    """Make a new PIN (shown once) or remove it. The console never takes a chosen PIN, so it
    cannot be used to find out which PINs others have."""
    account = _account_or_404(name)
    if request.form.get("action") == "clear":
        staff_accounts().clear_pin(account.name, by=who())
        flash(gettext("%(name)s has no phone PIN now.", name=name))
        return redirect(url_for("console.accounts"))
    try:
        pin = staff_accounts().set_pin(account.name, by=who())
    except AccountError as exc:
        flash(_problem(exc), "error")
        return redirect(url_for("console.accounts"))
    return _page(pin_for=account.name, pin=pin)


# -- everyone: their own password ------------------------------------------------------------


@bp.route("/password", methods=["GET", "POST"])
def my_password() -> Any:
    account: StaffAccount = g.staff_account
    if request.method == "GET":
        return render_template(
            "console/accounts/password.html", account=account, min_password=MIN_PASSWORD
        )
    current = request.form.get("current", "")
    new = request.form.get("new", "")
    problem = None
    if new != request.form.get("repeat", ""):
        problem = gettext("The two new passwords are not the same.")
    elif len(new) < MIN_PASSWORD:
        problem = gettext(
            "The password must be at least %(num)d characters long.", num=MIN_PASSWORD
        )
    elif new == current:
        problem = gettext("Choose a password other than the one you have now.")
    else:
        # The current password, checked (and counted when wrong) like a login.
        address = request.remote_addr or "unknown"
        lock_file = data_dir(current_app) / "login.lock"
        try:
            result = throttle.login(staff_accounts(), lock_file, account.name, current, address)
        except throttle.Busy as busy:
            return throttle.busy_response(busy)
        if isinstance(result, Locked):
            problem = gettext(
                "Too many wrong passwords. Wait %(num)d seconds, then try again.",
                num=result.seconds,
            )
        elif result is None or isinstance(result, Disabled):
            problem = gettext("That is not your current password.")
    if problem:
        return render_template(
            "console/accounts/password.html",
            account=account,
            problem=problem,
            min_password=MIN_PASSWORD,
        ), 422
    staff_accounts().set_password(account.name, new, by=account.name)
    log_in(account.name)  # every other session of the account ended; this one goes on
    current_app.logger.info("staff password changed: %s", account.name)
    flash(gettext("Your new password is saved. Other browsers were logged out."))
    return redirect(url_for("console.home"))
