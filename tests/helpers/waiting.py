"""Waiting for a condition instead of sleeping for a guessed time.

A fixed `asyncio.sleep` is either too short on a busy CI machine (a flaky failure) or
longer than needed everywhere else, and it cannot tell "it happened" from "it happened
late". `wait_until` polls the condition itself and fails loudly, naming what it waited
for, when the condition does not become true within the timeout.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

INTERVAL = 0.01  # seconds between two looks at the condition


async def wait_until(condition: Callable[[], object], what: str, timeout: float = 5.0) -> None:
    """Return as soon as `condition()` is true; fail the test after `timeout` seconds.

    `what` says what was awaited, for the failure message ("the second retry logged")."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {timeout} s, but never: {what}")
        await asyncio.sleep(INTERVAL)
