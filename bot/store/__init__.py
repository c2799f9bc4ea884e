"""The bot's memory: `Store` and its three implementations (SQLite, the embedded default;
PostgreSQL, for replicas; memory, for tests). `await Store.open(target)` opens the one
POLICYBOT_DB names."""

from bot.store.base import (
    Budget,
    Context,
    Health,
    Store,
    StoreError,
    hash_session,
)
from bot.store.migrations import MIGRATIONS

__all__ = ["MIGRATIONS", "Budget", "Context", "Health", "Store", "StoreError", "hash_session"]
