"""The per-person rate limit."""

from __future__ import annotations

import pytest

from bot.ratelimit import Gate, RateLimiter


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


def test_a_gate_holds_per_address_whatever_the_person() -> None:
    """Changing the session used to escape the limit (issue 10, item 2): the address's
    budget holds whoever the client says it is."""
    clock = Clock()
    gate = Gate(per_person=20, per_address=5, clock=clock)
    answered = [gate.check(f"session-{n}", "10.0.0.7").allowed for n in range(50)]
    assert answered.count(True) == 5 and answered[:5] == [True] * 5
    assert gate.check("session-new", "10.0.0.8").allowed, "another address is not slowed"
    clock.now += 60
    assert gate.check("session-0", "10.0.0.7").allowed, "after the window, answers again"


def test_a_gate_refusal_counts_against_no_budget() -> None:
    clock = Clock()
    gate = Gate(per_person=2, per_address=3, clock=clock)
    assert gate.check("a", "ip").allowed and gate.check("a", "ip").allowed
    refused = gate.check("a", "ip")
    assert not refused.allowed and refused.first_refusal and 59 <= refused.retry_after <= 60
    assert not gate.check("a", "ip").first_refusal, "'please wait' is said once"
    assert gate.check("b", "ip").allowed, "a's refusals did not use the address's budget"
    assert not gate.check("c", "ip").allowed, "the address's 3 are used now"


def test_a_gate_has_a_budget_for_the_whole_service() -> None:
    clock = Clock()
    gate = Gate(per_person=100, per_address=0, per_second=10, clock=clock)
    answered = [gate.check(f"p{n}", f"ip{n}").allowed for n in range(30)]
    assert answered.count(True) == 10
    wait = gate.check("p99", "ip99")
    assert not wait.allowed and 0 < wait.retry_after <= 1
    clock.now += 1.01
    assert gate.check("p99", "ip99").allowed


def test_a_gate_with_limits_off_lets_everyone_in() -> None:
    gate = Gate(per_person=3)
    assert all(gate.check(None, f"ip{n}").allowed for n in range(100))
    assert sum(gate.check("same", None).allowed for _ in range(10)) == 3
