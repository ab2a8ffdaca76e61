"""The start page (the live version, drafts waiting, audio coverage) and search over every
prompt and the directory."""

from __future__ import annotations

from flask import render_template, request

from ..common import (
    PROMPTS_PER_PAGE,
    catalogue,
    live_names,
    live_pack,
    publisher,
    remember_list,
)
from ..search import paginate, search
from ..web import bp
from .directory import number_url


@bp.get("/")
def home() -> str:
    pack = live_pack()
    return render_template(
        "console/home/home.html",
        pack=pack,
        drafts=publisher().text_drafts(),
        live=publisher().live_version(),
        coverage=catalogue().status(pack),
    )


@bp.get("/search")
def find() -> str:
    pack = live_pack()
    query = request.args.get("q", "").strip()[:200]
    lang = request.args.get("lang", "")
    lang = lang if pack.language(lang) else ""
    found = search(pack, live_names(), query, lang)
    remember_list()
    return render_template(
        "console/home/search.html",
        pack=pack,
        q=query,
        lang=lang,
        prompts=paginate(found["prompts"], request.args.get("page"), PROMPTS_PER_PAGE),
        numbers=found["numbers"],
        number_url=number_url,
    )
