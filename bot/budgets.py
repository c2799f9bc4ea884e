"""The budgets every replica shares: the same limits as `Gate`, with the windows kept in
the store, so two replicas (or two worker processes) do not double anyone's limit.

Keys are hashed before they are stored (a key holds a chat id, an OpenID or an address).
When the store fails, each process falls back to its own windows in memory: people are
still limited, per replica, and still answered.
"""

from __future__ import annotations

import logging
from typing import Protocol

from bot.ratelimit import WINDOW, Decision, Gate
from bot.store import Budget, Store, StoreError

log = logging.getLogger(__name__)


class Budgets(Protocol):
    """What the front door asks of the budgets (a `Gate`, or `SharedGate`)."""

    async def admit(self, person: str | None, address: str | None = None) -> Decision: ...


class SharedGate:
    """A `Gate` whose windows are in the store."""

    def __init__(self, store: Store, per_person: int, per_address: int = 0,
                 per_second: int = 0) -> None:  # fmt: skip
        self.store = store
        self.local = Gate(per_person, per_address, per_second)  # when the store fails
        self._failing = False

    async def admit(self, person: str | None, address: str | None = None) -> Decision:
        gate = self.local
        wanted = (
            (address, gate.per_address, WINDOW),
            (person, gate.per_person, WINDOW),
            ("*" if gate.per_second else None, gate.per_second, 1.0),
        )
        budgets = [
            Budget(self.store.session_key("budget", key) or "", limit, window)
            for key, limit, window in wanted
            if key is not None and limit
        ]
        try:
            retry = await self.store.spend(budgets)
        except StoreError:
            if not self._failing:
                log.error("budgets: the store failed; counting in this process meanwhile")
            self._failing = True
            return gate.check(person, address)
        self._failing = False
        who = person or address or "*"
        if not retry:
            gate.told(who)
            return Decision(True)
        return Decision(False, retry, gate.tell(who))
