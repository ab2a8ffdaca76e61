"""Twilio's requests for a destination check, under /voice (signed like every webhook):
the answer (`Url`, with AnsweredBy) is `<Hangup/>` at once; the status callback keeps the
result."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request

from .. import twiml
from ..security import twilio_signed, webhook_form
from ..voice import twiml_response

log = logging.getLogger(__name__)
bp = Blueprint("destination_checks", __name__, url_prefix="/voice/checks")
MAX_ID = 2**31


def _row_id() -> int | None:
    value = request.args.get("id", "")
    return int(value) if value.isdigit() and int(value) < MAX_ID else None


@bp.post("/answer")
@twilio_signed
def answer() -> Response:
    row_id = _row_id()
    if row_id is not None:
        try:
            current_app.extensions["destinations"].answered(
                row_id, webhook_form().get("AnsweredBy", "")[:24]
            )
        except Exception:
            log.exception("destination check %s: answer not recorded", row_id)
    return twiml_response(twiml.hang_up())


@bp.post("/status")
@twilio_signed
def status() -> Response:
    row_id = _row_id()
    if row_id is not None:
        form = webhook_form()
        checks = current_app.extensions["destinations"]
        try:
            checks.ended(
                row_id,
                form.get("CallStatus", "")[:20],
                form.get("AnsweredBy", "")[:24],
                checks.clock(),
            )
        except Exception:
            log.exception("destination check %s: result not recorded", row_id)
    return Response(status=204)
