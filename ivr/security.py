"""Only Twilio may drive the line: every webhook must carry a valid X-Twilio-Signature.

Twilio signs the URL it requested, which behind a TLS-terminating proxy is the public
`https://` URL, not the one this process sees; it is rebuilt from PUBLIC_BASE_URL or from
the X-Forwarded-* headers of trusted proxies (werkzeug's ProxyFix, set up in create_app).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from urllib.parse import quote

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)


def signed_url() -> str:
    """The URL as Twilio requested it: scheme and host as the public sees them, raw path."""
    settings = current_app.config["SETTINGS"]
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not raw:
        raw = quote(request.path)
        if request.query_string:
            raw += "?" + request.query_string.decode("latin-1")
    base = settings.public_base_url or f"{request.scheme}://{request.host}"
    return base + raw


def twilio_signed(view: Callable) -> Callable:
    """403 unless the request is signed with our Twilio auth token (skipped in development)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        settings = current_app.config["SETTINGS"]
        token = settings.twilio_auth_token
        if not token:
            if settings.development:
                return view(*args, **kwargs)
            abort(403)
        signature = request.headers.get("X-Twilio-Signature", "")
        # RequestValidator compares in constant time (twilio.compat / hmac.compare_digest).
        validator = RequestValidator(token.reveal())
        if not signature or not validator.validate(signed_url(), request.form, signature):
            log.warning("webhook refused: bad or missing signature path=%s", request.path)
            abort(403)
        return view(*args, **kwargs)

    return wrapped
