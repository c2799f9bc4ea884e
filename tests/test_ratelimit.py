"""The per-person rate limit."""

from __future__ import annotations

import pytest

from bot.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limit_per_person_and_window() -> None:
    clock = Clock()
    limiter = RateLimiter(3, window=60, clock=clock)
    assert all(limiter.check("a").allowed for _ in range(3))
    first = limiter.check("a")
    assert not first.allowed and first.first_refusal and 59 <= first.retry_after <= 60
    again = limiter.check("a")
    assert not again.allowed and not again.first_refusal, "'please wait' is said once"
    assert limiter.check("b").allowed, "others are not slowed"
    clock.now += 61
    assert limiter.check("a").allowed, "after the window, answers again"


def test_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.ratelimit as module

    monkeypatch.setattr(module, "MAX_PEOPLE", 10)
    limiter = RateLimiter(1)
    for n in range(50):
        limiter.check(str(n))
    assert len(limiter._seen) <= 10
