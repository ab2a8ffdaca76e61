"""Log lines nobody can forge and that carry no caller data.

* Control characters: a request path like ``/voice/x%0d%0aCRITICAL ...`` reaches log messages
  decoded; written as is, it starts a fake line. :func:`install` makes every log record of the
  process (the app's, werkzeug's, gunicorn's) escape control characters in its message and
  arguments, so one record is always one line: ``\\r`` becomes the four characters ``\\x0d``.
* Caller numbers: a webhook sent as GET (a misconfigured number) has ``From=+52...`` in its
  query string, and gunicorn's access log and its "Error handling request" line write the
  full URI. :class:`GunicornLogger` (the Procfile's ``--logger-class``) leaves every query
  string out of both; the Procfile's access format logs the path only (``%(U)s``).
* Call ids: the app logs a salted hash of the CallSid (``ivr.voice.call_tag``), never the sid.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger as _GunicornBase

# C0 controls, DEL, C1 controls, and the Unicode line and paragraph separators: everything a
# terminal or a log collector may treat as a line break or an escape sequence.
_CONTROL = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029]
_TABLE = {code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" for code in _CONTROL}

#: The access log line: address, method, path without its query, status, bytes, seconds.
ACCESS_FORMAT = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'

_QUERY = re.compile(r"\?\S*")


def escape(text: str) -> str:
    """``text`` with every control character written as a visible escape (``\\x0d``)."""
    return text.translate(_TABLE)


def _escape_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it for logging's own error report
        return
    record.msg = escape(message)
    record.args = None


_installed: list[Any] = []


def install() -> None:
    """Escape control characters in every log record made from now on, in the whole process
    (a record factory, so handlers added later by gunicorn or Flask are covered too)."""
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _escape_record(record)
        return record

    _installed.append(factory)
    logging.setLogRecordFactory(factory)


def strip_query(value: Any) -> Any:
    """A URI without its query string (other values unchanged)."""
    if isinstance(value, str) and "?" in value:
        return _QUERY.sub("", value)
    return value


class _NoQueryStrings(logging.Filter):
    """For gunicorn's error log: 'Error handling request /voice/x?From=+52...' loses the
    query string."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(strip_query(arg) for arg in record.args)
        record.msg = strip_query(record.msg) if record.args is None else record.msg
        return True


class GunicornLogger(_GunicornBase):
    """gunicorn's logger without query strings, referrers or environ values in any line."""

    def setup(self, cfg: Any) -> None:
        install()
        super().setup(cfg)
        self.error_log.addFilter(_NoQueryStrings())

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        path = environ.get("PATH_INFO", "")
        atoms["r"] = f"{environ.get('REQUEST_METHOD')} {path} {environ.get('SERVER_PROTOCOL')}"
        atoms["q"] = ""
        atoms["f"] = strip_query(atoms.get("f", "-"))
        for key in list(atoms):
            # {raw_uri}e, {query_string}e, {request_uri}e ...: environ values in a custom
            # format would bring the query string back.
            if key.endswith("}e"):
                atoms[key] = "-"
        return atoms
