"""Serves prompt audio to Twilio's <Play>: ``GET``/``HEAD /audio/<lang>/<file>``.

A file's name carries the hash of its bytes, so a URL always means the same audio and may be
cached forever (``immutable``); the hash doubles as the ``ETag``. Only names of the form the
build writes are served: from this machine's cache of published audio, the seed audio folder,
or (a file another instance published that this one has not copied yet) the database, copied
into the cache on the way. Files no longer in the live manifest are still served: a call that
started before a rebuild may ask for them. Only a name some version stored goes to the
database, in one of the worker's database slots (:mod:`ivr.gate`); any other name is
answered 404 from memory, so made-up names never reach the database or hold the threads
the webhooks need.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, send_file

from ..gate import gate
from .manifest import file_hash

ONE_YEAR = 31536000

bp = Blueprint("audio", __name__, url_prefix="/audio")


def _from_database(live: Any, lang: str, name: str) -> Path | None:
    """A file this machine has not cached: from the database, only if some version stored
    that name (known from memory: made-up names never cost a query or a thread), in one of
    the worker's database slots (ivr.gate). A file another machine published in the last
    half second (before this one's refresher looked) is not known yet: 404 for that moment."""
    if live.may_have_audio(lang, name) is False:
        return None
    slots = gate()
    if slots is not None and not slots.enter():
        abort(503)  # every slot is waiting on the database already
    try:
        return live.fetch_one(lang, name)
    except sa.exc.SQLAlchemyError as error:
        current_app.logger.warning("audio %s/%s: database unreachable: %s", lang, name, error)
        abort(503)
    finally:
        if slots is not None:
            slots.leave()


@bp.get("/<lang>/<name>")
def audio_file(lang: str, name: str) -> Response:
    etag = file_hash(lang, name)
    if etag is None:
        abort(404)
    path = current_app.extensions["audio"].file_path(lang, name)
    publisher = current_app.extensions.get("publisher")
    if path is None and publisher is not None:
        path = _from_database(publisher.live, lang, name)
    if path is None:
        abort(404)
    try:
        response = send_file(
            path, mimetype="audio/wav", etag=etag, max_age=ONE_YEAR, conditional=True
        )
    except FileNotFoundError:
        abort(404)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response
