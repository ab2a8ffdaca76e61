"""Only Twilio may drive the line: every request under /voice must carry a valid
X-Twilio-Signature, checked before anything else of the app runs.

:class:`SignedVoice` is WSGI middleware around the Flask app (inside ProxyFix, so it sees the
public scheme and host). Any request whose path is ``/voice`` or under ``/voice/`` — any
method, any path, routed or not — is refused with 403 unless it is a POST whose signature
verifies; so no 404/405/413 handler, session loader or view ever sees a forged request.
Twilio webhooks are always POSTs here: a GET is refused with a log line saying so (and no
caller data: a GET carries the caller's number in its query string).

Twilio signs the URL it requested, which behind a TLS-terminating proxy is the public
``https://`` URL, not the one this process sees; it is rebuilt from PUBLIC_BASE_URL or from
the X-Forwarded-* headers of trusted proxies (werkzeug's ProxyFix, set up in create_app).

The check is one HMAC-SHA1 over the URL as received. Twilio's own ``RequestValidator`` always
computes two (with and without the port, because Twilio's back end is inconsistent about
it); here the other port variant is computed only when the first does not match, so the
answers are the same and a good request costs one HMAC.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import io
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, unquote_to_bytes, urlsplit

from flask import abort, current_app, request
from werkzeug.wsgi import get_host

from .config import Settings

log = logging.getLogger(__name__)

PREFIX = "/voice"
#: Twilio's webhook bodies are a few kB; anything bigger is not Twilio (the app-wide limit).
MAX_BODY = 256 * 1024
#: Set in the WSGI environ of a request whose signature verified.
SIGNED = "ivr.twilio_signed"
#: The verified form fields, {name: first value}, in the WSGI environ.
FORM_KEY = "ivr.twilio_form"
# Set only by the browser phone's in-process requests (ivr/sim/web.py): a staff test call.
# No HTTP request can set a WSGI environ key that is not an HTTP_* header, so it cannot be
# forged from outside. Its texts go to the console's own outbox, and it is never counted.
TEST_CALL_KEY = "ivr.staff_test_call"
DEFAULT_PORTS = {"http": "80", "https": "443"}

FORM = "application/x-www-form-urlencoded"


# -- the signature ---------------------------------------------------------------------------


def signature_base(url: str, params: Iterable[tuple[str, str]]) -> str:
    """The string Twilio signs: the URL, then each parameter name followed by its value,
    names sorted, and each name's distinct values sorted."""
    grouped: dict[str, set[str]] = {}
    for name, value in params:
        grouped.setdefault(name, set()).add(value)
    parts = [url]
    for name in sorted(grouped):
        for value in sorted(grouped[name]):
            parts.append(name)
            parts.append(value)
    return "".join(parts)


def compute_signature(token: bytes, url: str, params: Iterable[tuple[str, str]] = ()) -> str:
    """base64(HMAC-SHA1(auth token, URL + sorted parameters)), as Twilio computes it."""
    mac = hmac.new(token, signature_base(url, params).encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def port_variant(url: str) -> str | None:
    """The same URL with the port removed if it has one, else with the scheme's default port
    added; None if the URL has no host to vary."""
    parts = urlsplit(url)
    if not parts.netloc:
        return None
    host, colon, port = parts.netloc.rpartition(":")
    if colon and port.isdigit() and not host.endswith(":"):  # not the inside of [::1]
        netloc = host
    else:
        default = DEFAULT_PORTS.get(parts.scheme)
        if default is None:
            return None
        netloc = f"{parts.netloc}:{default}"
    return parts._replace(netloc=netloc).geturl()


def verify(
    token: bytes,
    url: str,
    params: list[tuple[str, str]],
    signature: str,
    body: bytes | None = None,
) -> bool:
    """True if ``signature`` is Twilio's for this request (constant-time comparisons).

    ``params`` are the decoded form fields. A JSON webhook has ``bodySHA256=<hex>`` in its
    URL instead: then ``body`` must hash to it and the signature covers the URL alone.
    """
    if not signature:
        return False
    expected = signature.encode("utf-8", "replace")
    if "bodySHA256=" in url:
        sent_hash = dict(parse_qsl(urlsplit(url).query)).get("bodySHA256", "")
        digest = hashlib.sha256(body or b"").hexdigest()
        if not hmac.compare_digest(digest.encode(), sent_hash.encode("utf-8", "replace")):
            return False
        params = []
    base = signature_base("", params)
    for candidate in (url, port_variant(url)):
        if candidate is None:
            continue
        mac = hmac.new(token, (candidate + base).encode("utf-8"), hashlib.sha1)
        if hmac.compare_digest(base64.b64encode(mac.digest()), expected):
            return True
    return False


def _unquote(text: str) -> str:
    if "+" in text:
        text = text.replace("+", " ")
    return unquote_to_bytes(text).decode("utf-8", "replace") if "%" in text else text


def form_fields(body: bytes) -> list[tuple[str, str]]:
    """The fields of an urlencoded body, decoded as werkzeug decodes them for request.form
    (``parse_qsl(keep_blank_values=True)``), four times faster on Twilio's ~30 ASCII fields:
    most need no unquoting, and plain ASCII needs no UTF-8 decoder with error handling."""
    if not body.isascii():  # raw non-ASCII bytes: not what Twilio sends; the general way
        return [
            tuple(  # type: ignore[misc]
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8", "replace")
                for part in field.partition(b"=")[::2]
            )
            for field in body.split(b"&")
            if field
        ]
    fields = []
    for field in body.decode("ascii").split("&"):
        if field:
            name, _, value = field.partition("=")
            fields.append((_unquote(name), _unquote(value)))
    return fields


def webhook_form() -> Mapping[str, str]:
    """The current webhook's form as SignedVoice parsed it (first value of each name), so the
    body is parsed once; werkzeug's request.form where the gate did not parse it."""
    return request.environ.get(FORM_KEY) or request.form


# -- the URL Twilio requested ----------------------------------------------------------------


def public_url(environ: dict[str, Any], public_base_url: str = "") -> str:
    """The URL as Twilio requested it: scheme and host as the public sees them, raw path."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not raw:
        raw = quote(environ.get("PATH_INFO", ""), safe="/;=,~!$&'()*+:@")
        if environ.get("QUERY_STRING"):
            raw += "?" + environ["QUERY_STRING"]
    base = public_base_url or f"{environ.get('wsgi.url_scheme', 'http')}://{get_host(environ)}"
    return base + raw


def signed_url() -> str:
    """The signed URL of the current Flask request."""
    return public_url(request.environ, current_app.config["SETTINGS"].public_base_url)


def is_voice_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


# -- the gate --------------------------------------------------------------------------------


def _refuse(start_response: Callable, close: bool = False) -> list[bytes]:
    body = b"Forbidden: only Twilio may call this line's webhooks.\n"
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    if close:
        headers.append(("Connection", "close"))  # do not read a huge body just to discard it
    start_response("403 Forbidden", headers)
    return [body]


def _read_body(environ: dict[str, Any]) -> bytes | None:
    """The request body, at most MAX_BODY bytes; None if it is (or says it is) bigger."""
    stream = environ.get("wsgi.input")
    length = environ.get("CONTENT_LENGTH") or ""
    if length:
        try:
            size = int(length)
        except ValueError:
            return None
        if size < 0 or size > MAX_BODY:
            return None
        return stream.read(size) if size and stream is not None else b""
    if stream is None or not environ.get("wsgi.input_terminated"):
        return b""  # no length and no chunked framing: there is no body
    data = stream.read(MAX_BODY + 1)
    return None if len(data) > MAX_BODY else data


class SignedVoice:
    """WSGI middleware: 403 for every request under /voice that Twilio did not sign."""

    def __init__(self, app: Callable, settings: Settings) -> None:
        self.app = app
        self.token = settings.twilio_auth_token.reveal().encode("utf-8")
        self.public_base_url = settings.public_base_url
        # Development without a token serves webhooks unsigned (the README says so).
        self.unsigned_ok = settings.development and not self.token

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not is_voice_path(path):
            return self.app(environ, start_response)
        method = environ.get("REQUEST_METHOD", "")
        if method != "POST":
            # Never the query string: a GET webhook carries the caller's number in it.
            if method in ("GET", "HEAD"):
                log.warning(
                    "webhook refused: a %s request; set the Twilio number's voice webhook "
                    "and Fallback URL to HTTP POST",
                    method,
                )
            else:
                log.warning("webhook refused: method %s is not a Twilio webhook", method[:16])
            return _refuse(start_response)
        if self.unsigned_ok:
            return self.app(environ, start_response)
        body = _read_body(environ)
        if body is None:
            log.warning("webhook refused: a body over %d bytes", MAX_BODY)
            return _refuse(start_response, close=True)
        content_type = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
        params = form_fields(body) if content_type == FORM else []
        url = public_url(environ, self.public_base_url)
        signature = environ.get("HTTP_X_TWILIO_SIGNATURE", "")
        if not self.token or not verify(self.token, url, params, signature, body):
            log.warning("webhook refused: bad or missing signature")
            return _refuse(start_response)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("wsgi.input_terminated", None)
        environ[SIGNED] = True
        form: dict[str, str] = {}
        for name, value in params:
            form.setdefault(name, value)
        environ[FORM_KEY] = form
        return self.app(environ, start_response)


def twilio_signed(view: Callable) -> Callable:
    """A second lock on each webhook view: 403 unless SignedVoice verified the request
    (or development serves unsigned webhooks). Costs one dict lookup."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not request.environ.get(SIGNED):
            settings = current_app.config["SETTINGS"]
            if not (settings.development and not settings.twilio_auth_token):
                abort(403)
        return view(*args, **kwargs)

    return wrapped
