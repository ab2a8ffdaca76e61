"""The missed-call number's webhook and the callbacks' status callback, under /voice (so
SignedVoice checks Twilio's signature on both before the app runs).

Point the second number's (or the line's) "A call comes in" webhook at POST /voice/missed.
Its answer is always `<Reject reason="busy"/>` first: the call is never answered, so the
caller pays nothing, whatever happens here (a database that is down included).
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, current_app, request

from .. import twiml
from ..security import twilio_signed, webhook_form
from ..voice import call_tag, twiml_response

log = logging.getLogger(__name__)
bp = Blueprint("callbacks", __name__, url_prefix="/voice")
MAX_ID = 2**31


@bp.post("/missed")
@twilio_signed
def missed() -> Response:
    try:
        form = webhook_form()
        outcome = current_app.extensions["callbacks"].missed_call(
            form.get("From"), form.get("To"), time.time()
        )
        log.info("missed call %s: %s", call_tag(), outcome)
    except Exception:  # the caller is turned away for free whatever went wrong
        log.exception("missed call %s: no callback queued", call_tag())
    return twiml_response(twiml.reject("busy"))


def _whole(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and int(value) < MAX_ID else None


@bp.post("/callbacks/status")
@twilio_signed
def status() -> Response:
    """Twilio's status callback of one callback attempt (`?id=<row>&attempt=<n>`)."""
    row_id, attempt = _whole("id"), _whole("attempt")
    if row_id is None or attempt is None:
        return Response(status=204)
    form = webhook_form()
    try:
        current_app.extensions["callbacks"].ended(
            row_id,
            attempt,
            form.get("CallStatus", "")[:20],
            form.get("AnsweredBy", "")[:24],
            time.time(),
        )
    except Exception:  # Twilio only logs our answer; it must not see a traceback
        log.exception("callback %s status not recorded", row_id)
    return Response(status=204)
