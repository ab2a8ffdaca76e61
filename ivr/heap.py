"""Give memory a worker has freed back to the system (glibc's malloc; elsewhere nothing).

A gunicorn worker lives for weeks. Staff work (publishing, recordings, console pages) makes
megabytes of short-lived objects in several threads; glibc keeps what they free in per-thread
arenas and, after a large buffer (an audio file) was freed, raises its own thresholds so later
frees are kept too. The worker's resident memory then only grows, though Python holds little.
``tune()`` (the web process, before its threads start) caps the arenas at two and fixes the
thresholds at glibc's defaults; ``trim()`` returns free pages after a console request or a
new live version, the moments that leave garbage behind (a millisecond or two; never on the
phone line's path). See benchmarks/memory.py for the figures.
"""

from __future__ import annotations

import ctypes
import logging

log = logging.getLogger(__name__)

# mallopt parameters (glibc's malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8

ARENAS = 2
THRESHOLD = 128 * 1024  # glibc's default; setting it stops glibc from raising it on its own


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018  (glibc only)
        libc.mallopt  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _libc()


def tune() -> bool:
    """Cap malloc's arenas and fix its thresholds; True where it applies (glibc)."""
    if _LIBC is None:
        return False
    ok = all(
        _LIBC.mallopt(parameter, value) == 1
        for parameter, value in (
            (M_ARENA_MAX, ARENAS),
            (M_MMAP_THRESHOLD, THRESHOLD),
            (M_TRIM_THRESHOLD, THRESHOLD),
        )
    )
    if not ok:
        log.warning("malloc did not take the memory settings")
    return ok


def trim() -> None:
    """Return the free pages of every arena to the system."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
