"""The officers' "days" argument (/unanswered 30, ?days=30), read the same everywhere."""

from __future__ import annotations

DEFAULT_DAYS = 7
MAX_DAYS = 365


def parse_days(text: str | None) -> int | None:
    """A whole number of days from 1 to 365; the default when none is given; None when
    the value is not such a number (the caller says so, it does not guess)."""
    if text is None or not text.strip():
        return DEFAULT_DAYS
    value = text.strip()
    if not value.isascii() or not value.isdigit():
        return None
    days = int(value)
    return days if 1 <= days <= MAX_DAYS else None
