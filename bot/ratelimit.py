"""Rate limits: sliding windows per person, per client address and for the whole service
(pure, in memory)."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

WINDOW = 60.0  # seconds
MAX_PEOPLE = 100_000  # people remembered at once; the least recent are forgotten first
_T = TypeVar("_T")


@dataclass(frozen=True)
class Decision:
    """Whether a question may be answered now."""

    allowed: bool
    retry_after: float = 0.0  # seconds until the next question will be answered
    first_refusal: bool = False  # the first refusal in this window: say "please wait" once


@dataclass
class _Person:
    """One person's questions inside the window, and whether "please wait" was said."""

    times: deque[float] = field(default_factory=deque)
    told: bool = False


def _forget_oldest(remembered: OrderedDict[str, _T], most: int) -> None:
    """Forget the least recent entries while more than `most` are remembered."""
    while len(remembered) > most:
        del remembered[next(iter(remembered))]


class RateLimiter:
    """At most `limit` questions per person in any `window` seconds; at most
    `max_people` people remembered, the least recent forgotten first."""

    def __init__(self, limit: int, window: float = WINDOW,
                 clock: Callable[[], float] = time.monotonic,
                 max_people: int = MAX_PEOPLE) -> None:  # fmt: skip
        if limit < 1 or max_people < 1:
            raise ValueError(f"a limit and max_people are at least 1 (got {limit}, {max_people})")
        self.limit = limit
        self.window = window
        self.max_people = max_people
        self._clock = clock
        self._seen: OrderedDict[str, _Person] = OrderedDict()

    def _person(self, person: str, now: float) -> _Person:
        """The person's record with only the questions inside the window, made the most
        recent person."""
        record = self._seen.pop(person, None) or _Person()
        while record.times and record.times[0] <= now - self.window:
            record.times.popleft()
        self._seen[person] = record  # most recent last
        _forget_oldest(self._seen, self.max_people)
        return record

    def wait(self, person: str) -> float:
        """Seconds until `person` may ask again; 0 when a question is allowed now."""
        now = self._clock()
        times = self._person(person, now).times
        return 0.0 if len(times) < self.limit else max(1e-9, times[0] + self.window - now)

    def count(self, person: str) -> None:
        """Count one question from `person` (after `wait` said 0)."""
        self._seen[person].times.append(self._clock())

    def check(self, person: str) -> Decision:
        """Count a question from `person` if allowed; never slows anyone else."""
        retry = self.wait(person)
        record = self._seen[person]
        if not retry:
            self.count(person)
            record.told = False
            return Decision(True)
        first, record.told = not record.told, True
        return Decision(False, retry, first)


class Gate:
    """The budgets a question must fit, all at once: its person's (per minute), its
    client address's (per minute) and the whole service's (per second). A per-address or
    per-second limit of 0 is off; a person's limit is at least 1. A refused question
    counts against none of them."""

    def __init__(self, per_person: int, per_address: int = 0, per_second: int = 0,
                 clock: Callable[[], float] = time.monotonic,
                 max_people: int = MAX_PEOPLE) -> None:  # fmt: skip
        self.per_person, self.per_address, self.per_second = per_person, per_address, per_second
        self.max_people = max_people
        self.person = RateLimiter(per_person, clock=clock, max_people=max_people)
        self.address = (RateLimiter(per_address, clock=clock, max_people=max_people)
                        if per_address else None)  # fmt: skip
        self.total = RateLimiter(per_second, window=1.0, clock=clock) if per_second else None
        self._told: OrderedDict[str, None] = OrderedDict()

    async def admit(self, person: str | None, address: str | None = None) -> Decision:
        """`check`, as the front door calls every kind of budgets."""
        return self.check(person, address)

    def check(self, person: str | None, address: str | None = None) -> Decision:
        """Count the question if every budget has room; else how long to wait."""
        budgets = ((self.address, address), (self.person, person), (self.total, "*"))
        windows = [(lim, key) for lim, key in budgets if lim is not None and key is not None]
        waits = [limiter.wait(key) for limiter, key in windows]
        retry = max(waits) if waits else 0.0
        who = person or address or "*"
        if not retry:
            for limiter, key in windows:
                limiter.count(key)
            self.told(who)
            return Decision(True)
        return Decision(False, retry, self.tell(who))

    def tell(self, who: str) -> bool:
        """Note that `who` was refused; True the first time since their last question."""
        first = who not in self._told
        self._told[who] = None
        self._told.move_to_end(who)
        _forget_oldest(self._told, self.max_people)
        return first

    def told(self, who: str) -> None:
        """`who` was let through: the next refusal is a first one again."""
        self._told.pop(who, None)
