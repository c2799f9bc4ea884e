"""Secrets out of the log: the bot token and the webhook secret are redacted from every
log record, whichever logger makes it and whichever handler formats it, now or later.

httpx logs each request's URL at INFO, and a Bot API URL holds the token
(…/bot<TOKEN>/sendMessage); PTB logs the parameters of every call at DEBUG, the webhook
secret among them. A filter on a logger misses its children's records, and a filter on a
handler misses handlers added later, so the redaction happens where every record is made:
in the log record factory.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

TOKEN = "[token]"
SECRET = "[secret]"
MIN_TOKEN_PART = 8  # the part of a token after its colon is redacted alone from this long


class Redactor(logging.Filter):
    """Replaces secrets in a record's message, traceback and stack (the record is kept)."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: tuple[tuple[str, str], ...] = ()  # (value, placeholder), longest first
        self._lock = threading.Lock()

    def add(self, value: str, placeholder: str) -> None:
        with self._lock:
            known = dict(self._secrets)
            known[value] = placeholder
            self._secrets = tuple(sorted(known.items(), key=lambda kv: -len(kv[0])))

    def redact(self, text: str) -> str:
        for value, placeholder in self._secrets:
            if value in text:
                text = text.replace(value, placeholder)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: logging reports it itself, later
            return True
        if (redacted := self.redact(message)) != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            if (redacted := self.redact(text)) != text:
                record.exc_text = redacted  # formatters use it instead of the exception
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


REDACTOR = Redactor()
_installed = False
_install_lock = threading.Lock()


def redact_secrets(token: str | None, secret: str | None = None, *others: str | None) -> None:
    """From now on, `token` (the Telegram bot token), `secret` (the webhook secret) and any
    `others` never appear in a log record; call it once at start. Again: more values."""
    if token:
        REDACTOR.add(token, TOKEN)
        part = token.partition(":")[2]  # also alone, e.g. URL-encoded after "123%3A"
        if len(part) >= MIN_TOKEN_PART:
            REDACTOR.add(part, TOKEN)
    for value in (secret, *others):
        if value:
            REDACTOR.add(value, SECRET)
    _install()


def _install() -> None:
    global _installed
    with _install_lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            REDACTOR.filter(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
