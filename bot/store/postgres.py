"""The server store: PostgreSQL, shared by every replica (asyncpg, with a pool).

Selected with POLICYBOT_DB=postgresql://user@host:port/db. The same SQL as SQLite (the
store writes `?`; here it becomes `$1, $2, ...`), the same migration history, kept in a
table of its own; replicas starting together migrate once (an advisory lock).
"""

from __future__ import annotations

import asyncio
import re
import zlib
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import asyncpg

from bot.store.base import StoreError
from bot.store.migrations import MIGRATIONS, Dialect, statements
from bot.store.sql import READ_WAIT, Database, Done, SqlStore, Step

POOL = 10  # connections per process at most
MIGRATION_LOCK = 7_020_170  # the advisory lock replicas take while migrating
_COUNT = re.compile(r"(\d+)$")


@lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2, ...` (our SQL has no `?` in strings)."""
    counter = iter(range(1, 10_000))
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


def _returns_rows(sql: str) -> bool:
    return sql.lstrip().upper().startswith("SELECT") or " RETURNING " in sql.upper()


def _lock_id(key: str) -> int:
    """A 63-bit advisory lock number for a key (crc32 twice: stable across processes)."""
    data = key.encode()
    return (zlib.crc32(data) << 31) ^ zlib.crc32(data[::-1])


class PostgresDatabase(Database):
    dialect: Dialect = "postgresql"
    errors = (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError,
              OSError, TimeoutError)  # fmt: skip

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    async def read(self, sql: str, args: tuple[Any, ...] = (),
                   wait: float = READ_WAIT) -> list[tuple[Any, ...]]:  # fmt: skip
        async with self._pool.acquire(timeout=wait) as conn:
            rows = await conn.fetch(numbered(sql), *args, timeout=max(wait, 1.0))
        return [tuple(r) for r in rows]

    async def run(self, steps: Sequence[Step], busy_ms: int) -> list[Done]:
        timeout = busy_ms / 1000
        async with self._pool.acquire(timeout=timeout) as conn, conn.transaction():
            done = []
            for step in steps:
                sql = numbered(step.sql)
                if _returns_rows(step.sql):
                    rows = await conn.fetch(sql, *step.args, timeout=timeout)
                    done.append(Done([tuple(r) for r in rows], len(rows)))
                else:
                    status = await conn.execute(sql, *step.args, timeout=timeout)
                    found = _COUNT.search(status or "")
                    done.append(Done([], int(found.group(1)) if found else 0))
            return done

    def lock(self, keys: Sequence[str]) -> list[Step]:
        # a read-then-write on a budget: two replicas counting the same person at once
        # take turns (held to the end of the transaction; sorted keys: no deadlock)
        return [Step("SELECT pg_advisory_xact_lock(?)", (_lock_id(k),)) for k in keys]

    async def version(self) -> int:
        rows = await self.read("SELECT version FROM policybot_schema")
        return int(rows[0][0]) if rows else 0

    async def migrate(self) -> None:
        async with self._pool.acquire(timeout=30) as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS policybot_schema (version INTEGER NOT NULL)"
            )
            row = await conn.fetchrow("SELECT version FROM policybot_schema")
            version = int(row[0]) if row else 0
            if row is None:
                await conn.execute("INSERT INTO policybot_schema (version) VALUES (0)")
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in statements(script, "postgresql"):
                    await conn.execute(statement)
                await conn.execute("UPDATE policybot_schema SET version = $1", number)

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self._pool.close(), timeout=10)
        except TimeoutError:
            self._pool.terminate()

    def retryable(self, exc: BaseException) -> bool:
        # a dropped connection (a failover, a restart) or two transactions in each
        # other's way: worth another attempt
        return isinstance(exc, asyncpg.SerializationError | asyncpg.DeadlockDetectedError
                          | asyncpg.ConnectionDoesNotExistError
                          | asyncpg.CannotConnectNowError | ConnectionError)  # fmt: skip

    def faulty(self, exc: BaseException) -> bool:
        # bad data or a broken constraint; not a missing table or a missing grant (42P01,
        # 42501): those are the database's to fix, and the questions wait for it
        return isinstance(exc, asyncpg.DataError | asyncpg.IntegrityConstraintViolationError)


def describe(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"://([^:@/]*):[^@/]*@", r"://\1:***@", url)


async def open_postgres(url: str, secret: str | None = None) -> SqlStore:
    """Connect (a pool), apply missing migrations, settle the session key."""
    try:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=POOL, timeout=10,
                                         command_timeout=30)  # fmt: skip
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError,
            ValueError) as exc:  # fmt: skip
        raise StoreError(f"cannot connect to the database {describe(url)}: {exc}") from exc
    db = PostgresDatabase(pool)
    store = SqlStore(db)
    try:
        await store.start(secret)
    except StoreError as exc:
        await db.close()
        raise StoreError(f"cannot use the database {describe(url)}: {exc.__cause__}") from exc
    return store
