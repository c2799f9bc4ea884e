"""Budgets kept in the store (replicas share them), and what happens when it fails."""

from __future__ import annotations

from collections.abc import Sequence

from bot.budgets import SharedGate
from bot.store import Budget, StoreError
from bot.store.memory import MemoryStore


class BrokenStore(MemoryStore):
    """A store whose budgets cannot be read (a database gone away)."""

    async def spend(self, budgets: Sequence[Budget]) -> float:
        raise StoreError("counting a question: connection refused")


async def test_the_person_and_the_address_are_counted_in_the_store() -> None:
    store = MemoryStore()
    gate = SharedGate(store, per_person=2, per_address=3)
    assert (await gate.admit("p1", "1.2.3.4")).allowed
    assert (await gate.admit("p1", "1.2.3.4")).allowed
    refused = await gate.admit("p1", "1.2.3.4")
    assert not refused.allowed and refused.first_refusal and 59 < refused.retry_after <= 60
    again = await gate.admit("p1", "1.2.3.4")
    assert not again.allowed and not again.first_refusal, "told once"
    assert (await gate.admit("p2", "1.2.3.4")).allowed, "the address had one left"
    assert not (await gate.admit("p3", "1.2.3.4")).allowed, "now the address is spent"


async def test_another_replica_sees_the_same_budget() -> None:
    store = MemoryStore()
    a, b = SharedGate(store, per_person=2), SharedGate(store, per_person=2)
    assert (await a.admit("p")).allowed and (await b.admit("p")).allowed
    assert not (await a.admit("p")).allowed and not (await b.admit("p")).allowed


async def test_keys_are_hashed_before_they_are_stored() -> None:
    store = MemoryStore()
    await SharedGate(store, per_person=5).admit("questions:telegram:123456789", "10.0.0.7")
    kept = " ".join(store._hits)
    assert "123456789" not in kept and "10.0.0.7" not in kept and kept


async def test_when_the_store_fails_each_process_still_limits() -> None:
    gate = SharedGate(BrokenStore(), per_person=2)
    assert (await gate.admit("p")).allowed and (await gate.admit("p")).allowed
    assert not (await gate.admit("p")).allowed


async def test_the_service_limit_is_per_second() -> None:
    gate = SharedGate(MemoryStore(), per_person=100, per_second=2)
    assert (await gate.admit("a")).allowed and (await gate.admit("b")).allowed
    refused = await gate.admit("c")
    assert not refused.allowed and refused.retry_after <= 1.0
