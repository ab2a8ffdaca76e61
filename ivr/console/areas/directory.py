"""The directory: organizations and their phone numbers. A new number is read back (as callers
will hear it, with every prompt that says it) before it is saved, published at once or kept as
a draft to listen to first."""

from __future__ import annotations

import re
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ...content.errors import ContentError
from ...content.model import ContentPack
from .. import phones
from ..common import live_names, live_pack, publisher, refused, require, version_note, who
from ..problems import Refusal
from ..web import bp

CHANNELS = ("voice", "whatsapp")
DIAL_FROM = ("anywhere", "mexico", "us")


def _directory_page(status: int = 200, **extra: Any) -> Any:
    pack = live_pack()
    return render_template(
        "console/directory/directory.html",
        pack=pack,
        channels=CHANNELS,
        dial_from=DIAL_FROM,
        countries=phones.country_names(),
        country_of=phones.country_of,
        **extra,
    ), status


def _says_number(pack: ContentPack, number_id: str) -> list[tuple[str, str, str]]:
    """(lang, prompt id, place) of every prompt that says this number, in every language."""
    pattern = re.compile(r"\{(?:number|slow):" + re.escape(number_id) + r"\}")
    names = live_names()
    found = []
    for language in pack.languages:
        for prompt_id, raw in pack.raw_texts(language.code).items():
            if pattern.search(raw):
                found.append((language.code, prompt_id, names.place(prompt_id).name))
    return found


@bp.get("/directory")
def directory() -> Any:
    return _directory_page()


@bp.post("/directory/numbers/<number_id>")
def save_number(number_id: str) -> Any:
    pack = live_pack()
    require(number_id in pack.numbers)
    old = pack.numbers[number_id]
    typed = request.form.get("e164", "")
    country = request.form.get("country", phones.country_of(old.e164))
    form = {
        "e164": typed.strip(),
        "country": country,
        "label": request.form.get("label", "").strip(),
        "channels": [c for c in CHANNELS if request.form.get(f"channel_{c}")],
        "dial_from": request.form.get("dial_from", ""),
    }
    failed = f"number-{number_id}"
    if not form["channels"]:
        tick = Refusal(gettext("Tick at least one of “phone calls” or “WhatsApp”."), "")
        return _directory_page(422, failed=failed, kept=form, problems=[tick])
    reading = phones.read(typed, country)
    if reading.e164 is None:
        return _directory_page(
            422, failed=failed, kept=form, problems=[Refusal(reading.problem, "")]
        )
    values = {**form, "e164": reading.e164}
    before = {
        "e164": old.e164,
        "label": old.label,
        "channels": sorted(old.channels),
        "dial_from": old.dial_from,
    }
    changed = {k: values[k] for k in before if values[k] != before[k]}
    if not changed:
        flash(gettext("Nothing changed for that number."))
        return redirect(url_for("console.directory") + f"#number-{number_id}")
    if "e164" in changed and request.form.get("confirmed") != reading.e164:
        # A new number is read back first: staff see exactly what callers will be told.
        return render_template(
            "console/directory/confirm_number.html",
            number=old,
            org=live_names().organization(number_id),
            typed=typed.strip(),
            reading=reading,
            country=country,
            countries=phones.country_names(),
            form=form,
            prompts=_says_number(pack, number_id),
        )
    if request.form.get("as_draft"):
        try:
            draft = publisher().save_number_draft(number_id, author=who(), **changed)
        except (ContentError, KeyError, ValueError) as exc:
            return _directory_page(422, failed=failed, kept=form, problems=refused(exc))
        flash(
            gettext(
                "Draft saved. Callers still hear the old number. Listen to every prompt that "
                "says it, then publish."
            )
        )
        return redirect(url_for("console.text_draft", draft_id=draft.id))
    try:
        version = publisher().set_number(number_id, author=who(), **changed)
    except (ContentError, KeyError, ValueError) as exc:
        return _directory_page(422, failed=failed, kept=form, problems=refused(exc))
    flash(
        gettext(
            "Number saved: %(number)s. %(version)s Prompts that say this number now say it in "
            "the computer voice; prompts a person recorded need recording again.",
            number=phones.pretty(reading.e164),
            version=version_note(version),
        )
    )
    return redirect(url_for("console.directory") + f"#number-{number_id}")


@bp.post("/directory/organizations/<org_id>")
def save_organization(org_id: str) -> Any:
    pack = live_pack()
    require(org_id in pack.organizations)
    old = pack.organizations[org_id]
    form = {k: request.form.get(k, "").strip() for k in ("name", "region", "helps")}
    changed = {k: v for k, v in form.items() if v != getattr(old, k)}
    if not changed:
        flash(gettext("Nothing changed for that organization."))
        return redirect(url_for("console.directory") + f"#org-{org_id}")
    try:
        version = publisher().set_organization(org_id, author=who(), **changed)
    except (ContentError, KeyError, ValueError) as exc:
        return _directory_page(422, failed=f"org-{org_id}", kept=form, problems=refused(exc))
    flash(
        gettext(
            "%(name)s saved. %(version)s",
            name=form["name"] or old.name,
            version=version_note(version),
        )
    )
    return redirect(url_for("console.directory") + f"#org-{org_id}")
