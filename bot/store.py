"""The bot's memory in SQLite (aiosqlite: never blocks the event loop).

Questions (masked), feedback and short conversation context. WAL mode; migrations are
versioned and applied at start-up; a write that fails is retried, then reported.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.privacy import mask
from bot.reply import Reply

log = logging.getLogger(__name__)

T = TypeVar("T")

MIGRATIONS: tuple[str, ...] = (
    # 1: questions, feedback, context
    """
    CREATE TABLE questions (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        channel TEXT NOT NULL,
        session TEXT,
        text TEXT NOT NULL,
        normalized TEXT NOT NULL,
        matched INTEGER NOT NULL,
        reason TEXT NOT NULL,
        intent TEXT,
        topic TEXT,
        score REAL NOT NULL,
        guesses TEXT NOT NULL
    );
    CREATE INDEX questions_at ON questions (at);
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        channel TEXT NOT NULL,
        session TEXT,
        intent TEXT,
        helpful INTEGER NOT NULL,
        question TEXT NOT NULL
    );
    CREATE TABLE context (
        session TEXT PRIMARY KEY,
        topic TEXT NOT NULL,
        intent TEXT,
        at REAL NOT NULL
    );
    """,
    # 2: a vague question waiting for the person to say which policy they mean
    """
    ALTER TABLE context ADD COLUMN pending TEXT;
    """,
    # 3: the numbers a conversation gave for a calculation (an age one turn, money the next)
    """
    ALTER TABLE context ADD COLUMN facts TEXT;
    """,
)
MAX_FACTS = 300  # characters of a conversation's numbers kept
RETRIES = (0.05, 0.2, 1.0)  # seconds between attempts of a failed write


class StoreError(Exception):
    """A write failed even after retrying."""


@dataclass(frozen=True)
class Context:
    """What a session last asked about."""

    topic: str  # "" while the bot waits to hear which policy a vague question meant
    intent: str | None
    at: float
    pending: str | None = None  # that vague question, in the booklet's words
    facts: str | None = None  # earlier messages with numbers for a calculation (masked)


def session_key(channel: str, session: str | None) -> str | None:
    """Sessions are kept as hashes: a chat id or a browser id is not stored as such."""
    if not session:
        return None
    return hashlib.sha256(f"{channel}:{session}".encode()).hexdigest()[:32]


class Store:
    """One SQLite file; open with `await Store.open(path)`, close with `await close()`."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Store:
        """Open (creating if needed), switch to WAL, apply missing migrations."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder of the database {path}: {exc}") from exc
        try:
            db = await aiosqlite.connect(path, timeout=5)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from exc
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")  # committed rows survive a kill
            store = cls(db)
            await store._migrate()
        except (sqlite3.Error, OSError) as exc:
            await db.close()  # its thread must end, or the process cannot exit
            raise StoreError(f"cannot use the database {path}: {exc}") from exc
        return store

    async def close(self) -> None:
        await self._db.close()

    async def _migrate(self) -> None:
        version = (await self._one("PRAGMA user_version"))[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self._db.executescript(
                f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;"
            )
            log.info("store: applied migration %d", number)

    async def version(self) -> int:
        return int((await self._one("PRAGMA user_version"))[0])

    async def _one(self, sql: str, args: tuple[Any, ...] = ()) -> Any:
        try:
            async with self._db.execute(sql, args) as cursor:
                return await cursor.fetchone()
        except sqlite3.Error as exc:  # a corrupted page, a vanished file: reported, not raised
            log.error("store: reading failed: %s", exc)
            raise StoreError(f"reading: {exc}") from exc

    async def _all(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        try:
            async with self._db.execute(sql, args) as cursor:
                return list(await cursor.fetchall())
        except sqlite3.Error as exc:
            log.error("store: reading failed: %s", exc)
            raise StoreError(f"reading: {exc}") from exc

    async def _write(self, what: str, action: Callable[[], Awaitable[T]]) -> T:
        """Run a write and commit; retry when SQLite is busy; then report, never drop."""
        for attempt, pause in enumerate((*RETRIES, None), start=1):
            try:
                async with self._lock:
                    result = await action()
                    await self._db.commit()
                return result
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):  # nothing to roll back on a broken file
                    await self._db.rollback()
                if pause is None or not isinstance(exc, sqlite3.OperationalError):
                    # busy or locked is worth a retry; a corrupted file is not
                    log.error("store: %s failed after %d attempts: %s", what, attempt, exc)
                    raise StoreError(f"{what}: {exc}") from exc
                log.warning("store: %s failed (attempt %d), retrying: %s", what, attempt, exc)
                await asyncio.sleep(pause)
        raise AssertionError("unreachable")

    # questions ---------------------------------------------------------------

    async def record(
        self, reply: Reply, normalized: str, channel: str, session: str | None = None
    ) -> int:
        """Keep one question (masked) with how it was answered; its id."""
        guesses = [{"intent": s.intent, "score": s.score} for s in reply.suggestions]
        if reply.matched and reply.intent:
            guesses.insert(0, {"intent": reply.intent, "score": reply.score})
        row = (
            time.time(),
            channel,
            session_key(channel, session),
            mask(reply.question)[:2000],
            mask(normalized)[:2000],
            int(reply.matched),
            reply.reason,
            reply.intent,
            reply.topic,
            reply.score,
            json.dumps(guesses, ensure_ascii=False),
        )

        async def insert() -> int:
            cursor = await self._db.execute(
                "INSERT INTO questions (at, channel, session, text, normalized, matched, reason,"
                " intent, topic, score, guesses) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                row,
            )
            return int(cursor.lastrowid or 0)

        return await self._write("recording a question", insert)

    async def unanswered(self, since: float) -> list[dict[str, Any]]:
        """Questions not answered since a time, newest first."""
        rows = await self._all(
            "SELECT id, at, channel, text, normalized, reason, guesses FROM questions"
            " WHERE matched = 0 AND reason NOT IN ('empty', 'greeting', 'thanks')"
            " AND at >= ? ORDER BY at DESC",
            (since,),
        )
        keys = ("id", "at", "channel", "text", "normalized", "reason", "guesses")
        return [dict(zip(keys, r, strict=True)) | {"guesses": json.loads(r[6])} for r in rows]

    async def stats(self, since: float) -> dict[str, Any]:
        """Questions per topic, answered and refused, feedback, since a time."""
        total, answered = await self._one(
            "SELECT COUNT(*), COALESCE(SUM(matched), 0) FROM questions WHERE at >= ?", (since,)
        )
        topics = await self._all(
            "SELECT topic, COUNT(*) FROM questions WHERE at >= ? AND matched = 1"
            " GROUP BY topic ORDER BY COUNT(*) DESC",
            (since,),
        )
        reasons = await self._all(
            "SELECT reason, COUNT(*) FROM questions WHERE at >= ? AND matched = 0"
            " GROUP BY reason ORDER BY COUNT(*) DESC",
            (since,),
        )
        good, bad = await self._one(
            "SELECT COALESCE(SUM(helpful), 0), COALESCE(SUM(1 - helpful), 0) FROM feedback"
            " WHERE at >= ?",
            (since,),
        )
        return {
            "questions": total,
            "answered": answered,
            "refused": total - answered,
            "topics": dict(topics),
            "refusals": dict(reasons),
            "feedback": {"helpful": good, "not_helpful": bad},
        }

    async def purge(self, older_than: float) -> int:
        """Delete stored questions and feedback older than a time (retention)."""

        async def delete() -> int:
            cursor = await self._db.execute("DELETE FROM questions WHERE at < ?", (older_than,))
            await self._db.execute("DELETE FROM feedback WHERE at < ?", (older_than,))
            await self._db.execute("DELETE FROM context WHERE at < ?", (older_than,))
            return int(cursor.rowcount)

        return await self._write("deleting old questions", delete)

    # feedback ----------------------------------------------------------------

    async def feedback(
        self, intent: str | None, helpful: bool, question: str, channel: str,
        session: str | None = None,
    ) -> None:  # fmt: skip
        """Keep a 👍 or 👎 with the intent and the (masked) question."""
        row = (time.time(), channel, session_key(channel, session), intent, int(helpful),
               mask(question)[:2000])  # fmt: skip

        async def insert() -> None:
            await self._db.execute(
                "INSERT INTO feedback (at, channel, session, intent, helpful, question)"
                " VALUES (?,?,?,?,?,?)",
                row,
            )

        await self._write("recording feedback", insert)

    # context -----------------------------------------------------------------

    async def context(self, channel: str, session: str | None, max_age: float) -> Context | None:
        """What this session last asked about, if recent enough."""
        key = session_key(channel, session)
        if key is None:
            return None
        row = await self._one(
            "SELECT topic, intent, at, pending, facts FROM context WHERE session = ?", (key,)
        )
        if row is None or row[2] < time.time() - max_age:
            return None
        return Context(row[0], row[1], row[2], row[3], row[4])

    async def remember(self, channel: str, session: str | None, topic: str,
                       intent: str | None, pending: str | None = None,
                       facts: str | None = None) -> None:  # fmt: skip
        """Remember the topic a session is on (or the vague question it left open), and
        the numbers it gave for a calculation."""
        key = session_key(channel, session)
        if key is None:
            return
        kept = mask(pending)[:500] if pending else None
        numbers = mask(facts)[-MAX_FACTS:] if facts else None

        async def upsert() -> None:
            await self._db.execute(
                "INSERT INTO context (session, topic, intent, at, pending, facts)"
                " VALUES (?,?,?,?,?,?)"
                " ON CONFLICT(session) DO UPDATE SET topic = excluded.topic,"
                " intent = excluded.intent, at = excluded.at, pending = excluded.pending,"
                " facts = excluded.facts",
                (key, topic, intent, time.time(), kept, numbers),
            )

        await self._write("remembering the context", upsert)

    async def forget(self, channel: str, session: str | None) -> None:
        """End a session's context (after a refusal, on /start, on "换个问题")."""
        key = session_key(channel, session)
        if key is None:
            return

        async def delete() -> None:
            await self._db.execute("DELETE FROM context WHERE session = ?", (key,))

        await self._write("forgetting the context", delete)
