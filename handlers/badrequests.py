"""Malformed HTTP requests are logged as one short line, a few at a time.

aiohttp logs each request it cannot parse at ERROR with a traceback; anyone on the
internet can send such requests, so that would let a stranger flood the log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from aiohttp.http_exceptions import HttpProcessingError

EVERY = 10.0  # seconds: at most one line per this long; the others are counted


class BadRequestFilter(logging.Filter):
    """Turns aiohttp's traceback for an unparsable request into one WARNING line."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._clock = clock
        self._last = -EVERY
        self._quiet = 0  # bad requests not logged since the last line

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if not isinstance(exc, HttpProcessingError):
            return True
        now = self._clock()
        if now - self._last < EVERY:
            self._quiet += 1
            return False
        more = f" ({self._quiet} more since the last such line)" if self._quiet else ""
        reason = " ".join((exc.message or type(exc).__name__).split())[:120]
        record.msg = "bad HTTP request from %s: %s%s"
        record.args = (getattr(record, "remote", None) or _remote(record), reason, more)
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = record.exc_text = None
        self._last, self._quiet = now, 0
        return True


def _remote(record: logging.LogRecord) -> str:
    args = record.args if isinstance(record.args, tuple) else ()
    return str(args[0]) if args else "?"


def quiet_bad_requests() -> None:
    """Install the filter on aiohttp's server logger (once)."""
    server = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, BadRequestFilter) for f in server.filters):
        server.addFilter(BadRequestFilter())
