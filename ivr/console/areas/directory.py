"""The directory: organizations and their phone numbers.

The index finds an organization by its name, its city, what it does or a few digits of one of
its numbers; each organization has its own page with its details and numbers. A new number
is read back (as callers will hear it, with every prompt that says it) before it is saved,
published at once or kept as a draft to listen to first. After a save the staffer lands on
the organization's page at the item they changed, with the confirmation next to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ...content.errors import ContentError
from ...content.model import ContentPack, Organization
from .. import phones
from ..common import (
    flash_at,
    live_names,
    live_pack,
    publisher,
    refused,
    require,
    version_note,
    who,
)
from ..problems import Refusal
from ..search import Snippet, fold, snippet
from ..web import bp

CHANNELS = ("voice", "whatsapp")
DIAL_FROM = ("anywhere", "mexico", "us")
MIN_DIGITS = 3  # "a few digits of its number": fewer would match almost every number


def number_url(number_id: str) -> str:
    """The organization page of a number, at the number's own form."""
    number = live_pack().numbers.get(number_id)
    if number is None:
        return url_for("console.directory")
    return url_for("console.organization", org_id=number.org) + f"#number-{number_id}"


@dataclass(frozen=True)
class Found:
    """An organization on the index, with why it was found (a number or its words)."""

    org: Organization
    city: str
    numbers: list[tuple[str, str, str]]  # (number id, shown, label) of every number
    matched_numbers: frozenset[str]  # found by these digits
    matched: Snippet | None  # found in these words


def _words(org: Organization, pack: ContentPack, city: str) -> str:
    labels = " · ".join(pack.numbers[n].label for n in org.numbers if n in pack.numbers)
    return f"{org.name} · {city} · {org.helps} · {labels}"


def find_organizations(pack: ContentPack, query: str, city: str = "") -> list[Found]:
    """Organizations whose name, city, description or number labels contain the query (case
    and accents ignored), or with a number containing its digits (3 or more); all of them for
    an empty query. ``city`` keeps those of one region."""
    names = live_names()
    query = query.strip()
    digits = re.sub(r"\D", "", query)
    found = []
    for org in pack.organizations.values():
        if city and org.region != city:
            continue
        place = names.city(org.region)
        numbers = [
            (n, phones.pretty(pack.numbers[n].e164), pack.numbers[n].label)
            for n in org.numbers
            if n in pack.numbers
        ]
        by_digits = frozenset(
            n
            for n, _shown, _label in numbers
            if len(digits) >= MIN_DIGITS and digits in re.sub(r"\D", "", pack.numbers[n].e164)
        )
        matched = snippet(_words(org, pack, place), query) if query else None
        if query and not by_digits and matched is None:
            continue
        found.append(Found(org, place, numbers, by_digits, matched))
    return sorted(found, key=lambda f: (not f.matched_numbers, fold(f.city), fold(f.org.name)))


@bp.get("/directory")
def directory() -> Any:
    pack = live_pack()
    names = live_names()
    query = request.args.get("q", "").strip()[:100]
    cities = {org.region: names.city(org.region) for org in pack.organizations.values()}
    city = request.args.get("city", "")
    city = city if city in cities else ""
    found = find_organizations(pack, query, city)
    return render_template(
        "console/directory/index.html",
        q=query,
        city=city,
        cities=sorted(cities.items(), key=lambda kv: fold(kv[1])),
        found=found,
        total=len(pack.organizations),
    )


def _organization_page(org_id: str, status: int = 200, **extra: Any) -> Any:
    pack = live_pack()
    require(org_id in pack.organizations)
    org = pack.organizations[org_id]
    anchors = {"org-details", *(f"number-{n}" for n in org.numbers)}
    return render_template(
        "console/directory/organization.html",
        pack=pack,
        org=org,
        city=live_names().city(org.region),
        channels=CHANNELS,
        dial_from=DIAL_FROM,
        countries=phones.country_names(),
        country_of=phones.country_of,
        anchors=anchors,
        **extra,
    ), status


@bp.get("/directory/<org_id>")
def organization(org_id: str) -> Any:
    return _organization_page(org_id)


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

    def refuse(problems: list[Refusal]) -> Any:
        return _organization_page(old.org, 422, failed=failed, kept=form, problems=problems)

    if not form["channels"]:
        return refuse([Refusal(gettext("Tick at least one of “phone calls” or “WhatsApp”."), "")])
    reading = phones.read(typed, country)
    if reading.e164 is None:
        return refuse([Refusal(reading.problem, "")])
    values = {**form, "e164": reading.e164}
    before = {
        "e164": old.e164,
        "label": old.label,
        "channels": sorted(old.channels),
        "dial_from": old.dial_from,
    }
    changed = {k: values[k] for k in before if values[k] != before[k]}
    if not changed:
        flash_at(failed, gettext("Nothing changed for that number."))
        return redirect(number_url(number_id))
    if "e164" in changed and request.form.get("confirmed") != reading.e164:
        # A new number is read back first: staff see exactly what callers will be told. A
        # label that still says the old number (most flyer labels do) is offered rewritten.
        if form["label"] == old.label:
            form["label"] = phones.relabel(old.label, old.e164, reading.e164) or old.label
        return render_template(
            "console/directory/confirm_number.html",
            number=old,
            org=live_names().organization(number_id),
            back=number_url(number_id),
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
            return refuse(refused(exc))
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
        return refuse(refused(exc))
    if "e164" in changed:
        message = gettext(
            "Number saved: %(number)s. %(version)s Prompts that say this number now say it in "
            "the computer voice; prompts a person recorded need recording again.",
            number=phones.pretty(reading.e164),
            version=version_note(version),
        )
    else:
        message = gettext(
            "Saved: %(label)s. %(version)s",
            label=values["label"] or old.label,
            version=version_note(version),
        )
    flash_at(failed, message)
    return redirect(number_url(number_id))


@bp.post("/directory/organizations/<org_id>")
def save_organization(org_id: str) -> Any:
    pack = live_pack()
    require(org_id in pack.organizations)
    old = pack.organizations[org_id]
    form = {k: request.form.get(k, "").strip() for k in ("name", "region", "helps")}
    form["region"] = form["region"] or old.region  # the city is chosen, never typed away
    changed = {k: v for k, v in form.items() if v != getattr(old, k)}
    here = url_for("console.organization", org_id=org_id) + "#org-details"
    if not changed:
        flash_at("org-details", gettext("Nothing changed for that organization."))
        return redirect(here)
    if not form["name"]:
        empty = Refusal(gettext("Write the organization’s name."), "")
        return _organization_page(org_id, 422, failed="org-details", kept=form, problems=[empty])
    try:
        version = publisher().set_organization(org_id, author=who(), **changed)
    except (ContentError, KeyError, ValueError) as exc:
        return _organization_page(
            org_id, 422, failed="org-details", kept=form, problems=refused(exc)
        )
    flash_at(
        "org-details",
        gettext("%(name)s saved. %(version)s", name=form["name"], version=version_note(version)),
    )
    return redirect(here)
