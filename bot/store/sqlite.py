"""The embedded store: one SQLite file, nothing to install.

One connection, used only from its own thread, so the event loop never waits for the
disk, and a whole transaction (every write of one turn of the loop) costs one hop to that
thread. WAL mode: readers do not wait for the writer; several processes on one machine
can share the file (`policybot serve --workers N`).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from bot.store.base import StoreError
from bot.store.migrations import MIGRATIONS, Dialect, render
from bot.store.sql import BUSY_MS, READ_WAIT, Database, Done, SqlStore, Step

T = TypeVar("T")

_RETRIED = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}  # worth another attempt


class SQLiteDatabase(Database):
    dialect: Dialect = "sqlite"
    errors = (sqlite3.Error, OSError)

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._db: sqlite3.Connection | None = None
        self._busy_ms = BUSY_MS

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)

    async def connect(self) -> None:
        await self._call(self._connect)

    def _connect(self) -> None:
        db = sqlite3.connect(self.path, timeout=BUSY_MS / 1000, isolation_level=None,
                             check_same_thread=False)  # fmt: skip
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # committed rows survive a kill
            db.execute("PRAGMA secure_delete=ON")  # deleted questions are overwritten
        except sqlite3.Error:
            db.close()
            raise
        self._db = db

    @property
    def connection(self) -> sqlite3.Connection:
        assert self._db is not None, "not connected"
        return self._db

    async def read(self, sql: str, args: tuple[Any, ...] = (),
                   wait: float = READ_WAIT) -> list[tuple[Any, ...]]:  # fmt: skip
        return await self._call(self._read, sql, args)  # WAL: a read never waits for a lock

    def _read(self, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return list(self.connection.execute(sql, args).fetchall())

    async def run(self, steps: Sequence[Step], busy_ms: int) -> list[Done]:
        return await self._call(self._run, list(steps), busy_ms)

    def _run(self, steps: list[Step], busy_ms: int) -> list[Done]:
        db = self.connection
        if busy_ms != self._busy_ms:
            db.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
            self._busy_ms = busy_ms
        db.execute("BEGIN IMMEDIATE")  # the write lock first: no upgrade deadlocks
        try:
            done = []
            for step in steps:
                cursor = db.execute(step.sql, step.args)
                rows = list(cursor.fetchall()) if cursor.description else []
                done.append(Done(rows, cursor.rowcount))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                with contextlib.suppress(sqlite3.Error):  # a broken file: nothing to undo
                    db.execute("ROLLBACK")
            raise
        return done

    def lock(self, keys: Sequence[str]) -> list[Step]:
        return []  # BEGIN IMMEDIATE: one writer at a time, across processes too

    async def version(self) -> int:
        return int((await self.read("PRAGMA user_version"))[0][0])

    async def migrate(self) -> None:
        await self._call(self._migrate)

    def _migrate(self) -> None:
        db = self.connection
        db.execute("BEGIN IMMEDIATE")  # a second process starting now waits, then skips
        try:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in render(script, "sqlite").split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    async def close(self) -> None:
        if self._db is not None:
            await self._call(self._db.close)
            self._db = None
        self._thread.shutdown(wait=True)

    def retryable(self, exc: BaseException) -> bool:
        return getattr(exc, "sqlite_errorcode", None) in _RETRIED

    def faulty(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.IntegrityError | sqlite3.InterfaceError
                          | sqlite3.ProgrammingError | sqlite3.DataError)  # fmt: skip


async def open_sqlite(path: Path, secret: str | None = None) -> SqlStore:
    """Open (creating if needed), switch to WAL, apply missing migrations."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the folder of the database {path}: {exc}") from exc
    db = SQLiteDatabase(path)
    try:
        await db.connect()
    except (sqlite3.Error, OSError) as exc:
        await db.close()
        raise StoreError(f"cannot open the database {path}: {exc}") from exc
    store = SqlStore(db)
    try:
        await store.start(secret)
    except StoreError as exc:
        await db.close()  # its thread must end, or the process cannot exit
        raise StoreError(f"cannot use the database {path}: {exc.__cause__ or exc}") from exc
    return store
