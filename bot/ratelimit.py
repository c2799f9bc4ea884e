"""Per-person rate limit: a sliding window of questions per minute (pure, in memory)."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

WINDOW = 60.0  # seconds
MAX_PEOPLE = 100_000  # people remembered at once; the least recent are forgotten first


@dataclass(frozen=True)
class Decision:
    """Whether a question may be answered now."""

    allowed: bool
    retry_after: float = 0.0  # seconds until the next question will be answered
    first_refusal: bool = False  # the first refusal in this window: say "please wait" once


class RateLimiter:
    """At most `limit` questions per person in any `window` seconds."""

    def __init__(self, limit: int, window: float = WINDOW,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.limit = limit
        self.window = window
        self._clock = clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._told: set[str] = set()

    def check(self, person: str) -> Decision:
        """Count a question from `person` if allowed; never slows anyone else."""
        now = self._clock()
        times = self._seen.pop(person, None) or deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        self._seen[person] = times  # most recent last
        if len(self._seen) > MAX_PEOPLE:
            gone, _ = self._seen.popitem(last=False)
            self._told.discard(gone)
        if len(times) < self.limit:
            times.append(now)
            self._told.discard(person)
            return Decision(True)
        first = person not in self._told
        self._told.add(person)
        return Decision(False, max(0.0, times[0] + self.window - now), first)
