"""The rate limits: per person, per client address and for the whole service, on a clock
the test moves by hand (no sleeps). Every expected figure is a literal."""

from __future__ import annotations

import pytest

from bot.ratelimit import MAX_PEOPLE, WINDOW, Decision, Gate, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_defaults() -> None:
    assert WINDOW == 60.0 and MAX_PEOPLE == 100_000
    limiter = RateLimiter(3)
    assert (limiter.limit, limiter.window, limiter.max_people) == (3, 60.0, 100_000)
    assert Gate(3).max_people == 100_000


def test_limit_per_person_and_window() -> None:
    clock = Clock()
    limiter = RateLimiter(3, window=60, clock=clock)
    assert [limiter.check("a") for _ in range(3)] == [Decision(True)] * 3
    assert limiter.check("a") == Decision(False, 60.0, True)
    assert limiter.check("a") == Decision(False, 60.0, False), "'please wait' is said once"
    assert limiter.check("b") == Decision(True), "others are not slowed"
    clock.now += 61
    assert limiter.check("a") == Decision(True), "after the window, answers again"


@pytest.mark.parametrize(
    ("later", "expected"),
    [
        (59.0, Decision(False, 1.0, True)),
        (59.5, Decision(False, 0.5, True)),
        (60.0, Decision(True)),  # exactly one window later: the first question has left it
        (60.5, Decision(True)),
    ],
)
def test_the_window_edge(later: float, expected: Decision) -> None:
    clock = Clock()
    limiter = RateLimiter(1, window=60, clock=clock)
    assert limiter.check("a") == Decision(True)
    clock.now += later
    assert limiter.check("a") == expected


def test_the_wait_is_until_the_oldest_question_leaves_the_window() -> None:
    clock = Clock()
    limiter = RateLimiter(2, window=60, clock=clock)
    assert limiter.check("a").allowed  # at 1000
    clock.now += 10
    assert limiter.check("a").allowed  # at 1010
    clock.now += 10
    assert limiter.wait("a") == 40.0  # at 1020: the question of 1000 leaves at 1060
    assert limiter.check("a") == Decision(False, 40.0, True)
    clock.now += 40
    assert limiter.wait("a") == 0.0
    assert limiter.check("a") == Decision(True)  # at 1060; 1010's and 1060's in the window
    assert limiter.check("a") == Decision(False, 10.0, True), "told again after an answer"


def test_a_refused_question_is_not_counted() -> None:
    clock = Clock()
    limiter = RateLimiter(1, window=60, clock=clock)
    assert limiter.check("a").allowed
    for _ in range(5):
        clock.now += 10
        assert not limiter.check("a").allowed
    clock.now += 10  # 60 s after the only answered question
    assert limiter.check("a") == Decision(True)


def test_a_wait_is_never_zero_while_refused() -> None:
    clock = Clock()
    limiter = RateLimiter(1, window=60, clock=clock)
    assert limiter.check("a").allowed
    clock.now += 60 - 1e-12  # all but exactly one window later
    assert limiter.wait("a") == 1e-9


def test_the_least_recent_person_is_forgotten_first() -> None:
    clock = Clock()
    limiter = RateLimiter(1, window=60, clock=clock, max_people=3)
    assert all(limiter.check(p).allowed for p in "abc")
    assert not limiter.check("a").allowed  # a is the most recent now: b is the oldest
    assert limiter.check("d").allowed  # four people: b is forgotten
    assert limiter.check("b").allowed, "b was forgotten, so b may ask again"  # c forgotten
    assert not limiter.check("a").allowed, "a is still remembered"
    assert not limiter.check("d").allowed, "d is still remembered"
    assert limiter.check("c").allowed, "c was forgotten when b came back"


def test_someone_new_is_limited_even_when_memory_is_full() -> None:
    clock = Clock()
    limiter = RateLimiter(1, window=60, clock=clock, max_people=2)
    for n in range(50):
        assert limiter.check(f"p{n}").allowed
    assert limiter.check("new") == Decision(True)
    assert limiter.check("new") == Decision(False, 60.0, True)


def test_a_forgotten_person_is_told_to_wait_as_for_the_first_time() -> None:
    clock = Clock()
    limiter = RateLimiter(1, window=60, clock=clock, max_people=1)
    assert limiter.check("a").allowed
    assert limiter.check("a") == Decision(False, 60.0, True)
    assert limiter.check("b").allowed  # a is forgotten, with having been told
    assert limiter.check("a") == Decision(True)
    assert limiter.check("a") == Decision(False, 60.0, True)


# -- the gate: every budget at once ----------------------------------------------------------
def test_a_gate_holds_per_address_whatever_the_person() -> None:
    """Changing the session used to escape the limit (issue 10, item 2): the address's
    budget holds whoever the client says it is."""
    clock = Clock()
    gate = Gate(per_person=20, per_address=5, clock=clock)
    answered = [gate.check(f"session-{n}", "10.0.0.7").allowed for n in range(50)]
    assert answered == [True] * 5 + [False] * 45
    assert gate.check("session-new", "10.0.0.8").allowed, "another address is not slowed"
    clock.now += 60
    assert gate.check("session-0", "10.0.0.7").allowed, "after the window, answers again"


def test_a_gate_holds_per_person_on_its_own_clock() -> None:
    clock = Clock()
    gate = Gate(per_person=1, clock=clock)
    assert gate.check("a") == Decision(True)
    clock.now += 30
    assert gate.check("a") == Decision(False, 30.0, True)
    clock.now += 30
    assert gate.check("a") == Decision(True)


def test_a_gate_refusal_counts_against_no_budget() -> None:
    clock = Clock()
    gate = Gate(per_person=2, per_address=3, clock=clock)
    assert gate.check("a", "ip").allowed and gate.check("a", "ip").allowed
    assert gate.check("a", "ip") == Decision(False, 60.0, True)
    assert gate.check("a", "ip") == Decision(False, 60.0, False), "'please wait' is said once"
    assert gate.check("b", "ip").allowed, "a's refusals did not use the address's budget"
    assert gate.check("c", "ip") == Decision(False, 60.0, True), "the address's 3 are used"


def test_a_gate_waits_for_the_longest_budget() -> None:
    clock = Clock()
    gate = Gate(per_person=1, per_address=2, clock=clock)
    assert gate.check("a", "ip").allowed  # at 1000
    clock.now += 20
    assert gate.check("b", "ip").allowed  # at 1020: the address's 2 are used
    clock.now += 10
    # at 1030: a's own budget frees at 1060, the address's at 1060 too; b's at 1080
    assert gate.check("a", "ip") == Decision(False, 30.0, True)
    assert gate.check("b", "ip") == Decision(False, 50.0, True)


def test_a_gate_has_a_budget_for_the_whole_service() -> None:
    clock = Clock()
    gate = Gate(per_person=100, per_address=0, per_second=10, clock=clock)
    answered = [gate.check(f"p{n}", f"ip{n}").allowed for n in range(30)]
    assert answered == [True] * 10 + [False] * 20
    clock.now += 0.25
    assert gate.check("p99", "ip99") == Decision(False, 0.75, True)
    clock.now += 0.75
    assert gate.check("p99", "ip99").allowed
    without = Gate(per_person=100, per_second=10, clock=clock)
    assert all(without.check(f"p{n}").allowed for n in range(10))
    assert not without.check(None, None).allowed, "the whole service's budget needs no name"


def test_a_gate_with_limits_off_lets_everyone_in() -> None:
    gate = Gate(per_person=3)
    assert all(gate.check(None, f"ip{n}").allowed for n in range(100))
    assert [gate.check("same", None).allowed for _ in range(5)] == [True] * 3 + [False] * 2
    assert all(gate.check(None, None).allowed for _ in range(100)), "nothing to count"


@pytest.mark.parametrize(
    ("per_address", "first", "second"),
    [
        (0, ("a", None), ("b", None)),  # two people without an address
        (1, (None, "ip1"), (None, "ip2")),  # two addresses without a person
        (2, ("a", "ip"), ("b", "ip")),  # two people on one address
    ],
)
def test_please_wait_is_said_once_to_each(
    per_address: int, first: tuple[str | None, str | None], second: tuple[str | None, str | None]
) -> None:
    gate = Gate(per_person=1, per_address=per_address, clock=Clock())
    assert gate.check(*first).allowed and gate.check(*second).allowed
    told = [gate.check(*first), gate.check(*second), gate.check(*first), gate.check(*second)]
    assert [d.allowed for d in told] == [False] * 4
    assert [d.first_refusal for d in told] == [True, True, False, False]


def test_after_an_answer_please_wait_is_said_again() -> None:
    clock = Clock()
    gate = Gate(per_person=1, clock=clock)
    assert gate.check("a").allowed
    assert gate.check("a").first_refusal and not gate.check("a").first_refusal
    clock.now += 60
    assert gate.check("a").allowed
    assert gate.check("a") == Decision(False, 60.0, True)


def test_a_gate_forgets_whom_it_told_least_recent_first() -> None:
    clock = Clock()
    gate = Gate(per_person=100, per_second=1, clock=clock, max_people=2)
    assert gate.check("first").allowed  # the whole service's one question this second
    for who in "abc":  # a is forgotten from the people told when c is told
        assert gate.check(who).first_refusal
    assert not gate.check("b").first_refusal, "b is remembered"
    assert not gate.check("c").first_refusal, "c is remembered"
    assert gate.check("a").first_refusal, "a was forgotten, so told again"


async def test_admit_is_check_for_the_front_door() -> None:
    clock = Clock()
    gate = Gate(per_person=2, per_address=1, clock=clock)
    assert await gate.admit("a", "ip1") == Decision(True)
    assert await gate.admit("a", "ip1") == Decision(False, 60.0, True), "the address's 1"
    assert await gate.admit("a", "ip2") == Decision(True), "the person's 2nd"
    assert await gate.admit("a", "ip3") == Decision(False, 60.0, True), "the person's 2"
    assert await gate.admit("b") == Decision(True)


def test_a_gate_without_an_address_budget_never_limits_an_address() -> None:
    gate = Gate(per_person=100, clock=Clock())
    assert all(gate.check(f"p{n}", "10.0.0.7").allowed for n in range(100))


@pytest.mark.parametrize(
    "asks",
    [
        [("a", None), ("b", None), ("c", None), ("a", None)],  # people
        [("x", "ip1"), ("y", "ip2"), ("z", "ip3"), ("w", "ip1")],  # addresses
    ],
)
def test_a_gate_remembers_at_most_max_people_in_each_budget(
    asks: list[tuple[str, str | None]],
) -> None:
    """With room for 2, the third newcomer pushes the first out of every budget: the
    first may ask again at once (a bounded memory forgets, it does not refuse)."""
    gate = Gate(per_person=1, per_address=1, clock=Clock(), max_people=2)
    assert [gate.check(*ask).allowed for ask in asks] == [True] * 4


@pytest.mark.parametrize(
    ("limit", "max_people", "message"),
    [
        (0, 10, "a limit and max_people are at least 1 (got 0, 10)"),
        (-1, 10, "a limit and max_people are at least 1 (got -1, 10)"),
        (5, 0, "a limit and max_people are at least 1 (got 5, 0)"),
    ],
)
def test_a_limit_that_could_never_let_anyone_in_is_refused_at_once(
    limit: int, max_people: int, message: str
) -> None:
    with pytest.raises(ValueError) as refused:
        RateLimiter(limit, max_people=max_people)
    assert str(refused.value) == message
    with pytest.raises(ValueError):
        Gate(per_person=limit, max_people=max_people)


def test_the_smallest_limits_work() -> None:
    limiter = RateLimiter(1, max_people=1)
    assert limiter.check("a") == Decision(True)
    assert limiter.check("a").allowed is False
    assert limiter.check("b") == Decision(True)  # a forgotten, b remembered
    assert limiter.check("a") == Decision(True)
