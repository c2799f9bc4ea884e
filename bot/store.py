"""The bot's memory in SQLite (aiosqlite: never blocks the event loop).

Questions (masked), feedback and short conversation context. WAL mode; migrations are
versioned and applied at start-up. A write that finds the database busy is retried; a
question or feedback that still cannot be written is kept in memory (a bounded backlog)
and written when the database works again. While writes fail the store says so
(`health`), and it stops retrying, so nobody waits seconds for a broken disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import secrets
import sqlite3
import time
from collections import deque
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
    # 4: the secret key sessions are hashed with. The unsalted hashes kept before could be
    # reversed by trying every chat id, so they are erased.
    """
    CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    UPDATE questions SET session = NULL;
    UPDATE feedback SET session = NULL;
    DELETE FROM context;
    """,
    # 5: the urgency rule that flagged a question (someone in hospital with no money, ...)
    """
    ALTER TABLE questions ADD COLUMN urgent TEXT;
    """,
    # 6: WeChat: messages already answered (WeChat retries), the numbered list and the
    # full answer last sent to a person ("回复 1", "回复 详细"), and the access token
    """
    CREATE TABLE seen (key TEXT PRIMARY KEY, at REAL NOT NULL);
    CREATE TABLE numbered (
        session TEXT PRIMARY KEY,
        intents TEXT NOT NULL,
        rest TEXT,
        at REAL NOT NULL
    );
    CREATE TABLE tokens (name TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL NOT NULL);
    """,
)
MAX_FACTS = 300  # characters of a conversation's numbers kept
RETRIES = (0.05, 0.2)  # seconds between attempts of a write that found the database busy
BUSY_MS = 2000  # how long one attempt waits for another process's write lock
DEGRADED_BUSY_MS = 100  # ... while writes are failing: answer people, do not wait
BACKLOG = 10_000  # questions and feedback kept in memory while the database fails
CONTEXT_KEPT = 86_400.0  # seconds a conversation's context is kept (it is used for 10 min)
SEEN_KEPT = 86_400.0  # seconds a message key is kept against retries (WeChat's come in 15 s)
SEEN_PRUNE_EVERY = 500  # old keys are deleted with every 500th new one
MAX_REST = 8000  # characters of a shortened answer kept for "详细"
_RETRIED = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}  # worth another attempt


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


def hash_session(key: bytes, channel: str, session: str | None) -> str | None:
    """Sessions are kept as keyed hashes (HMAC-SHA256): a chat id or a browser id is not
    stored as such, and without the key the hash cannot be reversed by trying ids."""
    if not session:
        return None
    return hmac.new(key, f"{channel}:{session}".encode(), "sha256").hexdigest()[:32]


@dataclass(frozen=True)
class Health:
    """Whether the store takes writes now; the reason when it does not."""

    writable: bool
    reason: str = ""
    backlog: int = 0  # questions and feedback waiting in memory to be written


class Store:
    """One SQLite file; open with `await Store.open(path)`, close with `await close()`."""

    def __init__(self, db: aiosqlite.Connection, key: bytes = b"") -> None:
        self._db = db
        self._lock = asyncio.Lock()
        self.key = key
        self._failing = ""  # why the last write failed; "" while writes work
        self._backlog: deque[tuple[str, tuple[Any, ...]]] = deque(maxlen=BACKLOG)
        self.dropped = 0  # rows the full backlog had to let go (counted, logged)
        self._busy_ms = BUSY_MS  # as connected
        self._seen_writes = 0

    @classmethod
    async def open(cls, path: Path, secret: str | None = None) -> Store:
        """Open (creating if needed), switch to WAL, apply missing migrations. Sessions are
        hashed with `secret`, or with a key made at the first start and kept in the file."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder of the database {path}: {exc}") from exc
        try:
            db = await aiosqlite.connect(path, timeout=BUSY_MS / 1000)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from exc
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")  # committed rows survive a kill
            await db.execute("PRAGMA secure_delete=ON")  # deleted questions are overwritten
            store = cls(db)
            await store._migrate()
            store.key = (secret or await store._stored_key()).encode()
        except (sqlite3.Error, OSError) as exc:
            await db.close()  # its thread must end, or the process cannot exit
            raise StoreError(f"cannot use the database {path}: {exc}") from exc
        return store

    async def _stored_key(self) -> str:
        """The key sessions are hashed with, made once and kept (replicas share it)."""
        await self._db.execute(
            "INSERT OR IGNORE INTO meta (name, value) VALUES ('session_key', ?)",
            (secrets.token_hex(32),),
        )
        await self._db.commit()
        async with self._db.execute("SELECT value FROM meta WHERE name = 'session_key'") as c:
            row = await c.fetchone()
        assert row is not None
        return str(row[0])

    def session_key(self, channel: str, session: str | None) -> str | None:
        return hash_session(self.key, channel, session)

    def health(self) -> Health:
        """Whether writes work now (as the last write found), and the backlog's size."""
        return Health(not self._failing, self._failing, len(self._backlog))

    async def probe(self) -> Health:
        """Try a small write now (readiness checks), and write the backlog if it works."""

        async def touch() -> None:
            await self._db.execute(
                "INSERT INTO meta (name, value) VALUES ('probed', ?) ON CONFLICT(name)"
                " DO UPDATE SET value = excluded.value", (str(time.time()),),
            )  # fmt: skip

        with contextlib.suppress(StoreError):
            await self._write("checking the database", touch)
        return self.health()

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
        """Run a write and commit, first writing any backlog; retry while another process
        holds the lock; then report. While writes are failing, one quick attempt only."""
        pauses = () if self._failing else RETRIES
        for attempt, pause in enumerate((*pauses, None), start=1):
            try:
                async with self._lock:
                    await self._busy_timeout(DEGRADED_BUSY_MS if self._failing else BUSY_MS)
                    waiting = len(self._backlog)
                    for sql, row in list(self._backlog):
                        await self._db.execute(sql, row)
                    result = await action()
                    await self._db.commit()
                    for _ in range(waiting):  # written: no await since the copy was taken
                        self._backlog.popleft()
                if self._failing:
                    log.warning("store: writes work again (%d kept row(s) written)", waiting)
                    self._failing = ""
                return result
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):  # nothing to roll back on a broken file
                    await self._db.rollback()
                if pause is None or getattr(exc, "sqlite_errorcode", None) not in _RETRIED:
                    # busy or locked is worth a retry; a full disk or a broken file is not
                    if not self._failing:
                        log.error("store: %s failed after %d attempt(s): %s", what, attempt, exc)
                    self._failing = f"{what}: {exc}"
                    raise StoreError(f"{what}: {exc}") from exc
                log.warning("store: %s failed (attempt %d), retrying: %s", what, attempt, exc)
                await asyncio.sleep(pause)
        raise AssertionError("unreachable")

    async def _busy_timeout(self, ms: int) -> None:
        if self._busy_ms != ms:
            await self._db.execute(f"PRAGMA busy_timeout = {int(ms)}")
            self._busy_ms = ms

    async def _insert(self, what: str, sql: str, row: tuple[Any, ...]) -> int:
        """Insert a row that must not be lost: when it cannot be written now it joins the
        backlog (the oldest kept row goes when the backlog is full), and StoreError tells
        the caller it is not on disk yet. Its id, or 0 when kept in memory."""

        async def insert() -> int:
            cursor = await self._db.execute(sql, row)
            return int(cursor.lastrowid or 0)

        try:
            return await self._write(what, insert)
        except StoreError:
            if len(self._backlog) == BACKLOG:
                self.dropped += 1
                log.error("store: the backlog is full; the oldest kept row is lost")
            self._backlog.append((sql, row))
            raise

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
            self.session_key(channel, session),
            mask(reply.question)[:2000],
            mask(normalized)[:2000],
            int(reply.matched),
            reply.reason,
            reply.intent,
            reply.topic,
            reply.score,
            json.dumps(guesses, ensure_ascii=False),
            reply.urgent,
        )

        return await self._insert(
            "recording a question",
            "INSERT INTO questions (at, channel, session, text, normalized, matched, reason,"
            " intent, topic, score, guesses, urgent) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            row,
        )

    async def unanswered(self, since: float) -> list[dict[str, Any]]:
        """Questions an officer should see since a time: the urgent ones first (answered
        or not: someone may be in hospital with no money), then those not answered;
        newest first in each. `urgent` is the urgency rule's id, or None."""
        rows = await self._all(
            "SELECT id, at, channel, text, normalized, reason, guesses, urgent FROM questions"
            " WHERE at >= ? AND (urgent IS NOT NULL"
            " OR (matched = 0 AND reason NOT IN ('empty', 'greeting', 'thanks')))"
            " ORDER BY urgent IS NULL, at DESC",
            (since,),
        )
        keys = ("id", "at", "channel", "text", "normalized", "reason", "guesses", "urgent")
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
        """Delete stored questions and feedback older than a time (retention), and
        conversations' context older than a day."""

        async def delete() -> int:
            cursor = await self._db.execute("DELETE FROM questions WHERE at < ?", (older_than,))
            await self._db.execute("DELETE FROM feedback WHERE at < ?", (older_than,))
            await self._db.execute(
                "DELETE FROM context WHERE at < ?", (time.time() - CONTEXT_KEPT,)
            )
            return int(cursor.rowcount)

        return await self._write("deleting old questions", delete)

    # feedback ----------------------------------------------------------------

    async def feedback(
        self, intent: str | None, helpful: bool, question: str, channel: str,
        session: str | None = None,
    ) -> None:  # fmt: skip
        """Keep a 👍 or 👎 with the intent and the (masked) question."""
        row = (time.time(), channel, self.session_key(channel, session), intent,
               int(helpful), mask(question)[:2000])  # fmt: skip
        await self._insert(
            "recording feedback",
            "INSERT INTO feedback (at, channel, session, intent, helpful, question)"
            " VALUES (?,?,?,?,?,?)",
            row,
        )

    # context -----------------------------------------------------------------

    async def context(self, channel: str, session: str | None, max_age: float) -> Context | None:
        """What this session last asked about, if recent enough."""
        key = self.session_key(channel, session)
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
        key = self.session_key(channel, session)
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
        key = self.session_key(channel, session)
        if key is None:
            return

        async def delete() -> None:
            await self._db.execute("DELETE FROM context WHERE session = ?", (key,))

        await self._write("forgetting the context", delete)

    # channels without buttons or memory of their own (WeChat) --------------------

    async def first_time(self, key: str) -> bool:
        """True the first time a message's key is seen, False for a retry of it (WeChat
        resends a message it had no reply to within 5 seconds, three times). Keys are
        kept a day, hashed (an event's key holds the person's OpenID)."""
        hashed = self.session_key("seen", key) or ""
        now = time.time()
        self._seen_writes += 1
        prune = self._seen_writes % SEEN_PRUNE_EVERY == 0

        async def insert() -> bool:
            if prune:
                await self._db.execute("DELETE FROM seen WHERE at < ?", (now - SEEN_KEPT,))
            cursor = await self._db.execute(
                "INSERT OR IGNORE INTO seen (key, at) VALUES (?, ?)", (hashed, now)
            )
            return cursor.rowcount == 1

        return await self._write("noting a message as seen", insert)

    async def keep_numbered(self, channel: str, session: str | None, intents: list[str],
                            rest: str | None) -> None:  # fmt: skip
        """The numbered list just sent to a person ("回复 1 / 2 / 3") and the whole answer
        when it was shortened ("回复 详细"): what a bare digit or 详细 refers to."""
        key = self.session_key(channel, session)
        if key is None:
            return
        kept = mask(rest)[:MAX_REST] if rest else None

        async def upsert() -> None:
            await self._db.execute(
                "INSERT INTO numbered (session, intents, rest, at) VALUES (?,?,?,?)"
                " ON CONFLICT(session) DO UPDATE SET intents = excluded.intents,"
                " rest = excluded.rest, at = excluded.at",
                (key, json.dumps(intents), kept, time.time()),
            )

        await self._write("keeping the numbered list", upsert)

    async def numbered(self, channel: str, session: str | None,
                       max_age: float) -> tuple[list[str], str | None] | None:  # fmt: skip
        """The numbered list and whole answer last sent to a person, if recent enough."""
        key = self.session_key(channel, session)
        if key is None:
            return None
        row = await self._one("SELECT intents, rest, at FROM numbered WHERE session = ?", (key,))
        if row is None or row[2] < time.time() - max_age:
            return None
        intents = json.loads(row[0])
        return [str(i) for i in intents], row[1]

    async def token(self, name: str) -> tuple[str, float] | None:
        """A kept API token and when it expires (shared by every replica)."""
        row = await self._one("SELECT value, expires FROM tokens WHERE name = ?", (name,))
        return (str(row[0]), float(row[1])) if row is not None else None

    async def keep_token(self, name: str, value: str, expires: float) -> None:
        async def upsert() -> None:
            await self._db.execute(
                "INSERT INTO tokens (name, value, expires) VALUES (?,?,?)"
                " ON CONFLICT(name) DO UPDATE SET value = excluded.value,"
                " expires = excluded.expires",
                (name, value, expires),
            )

        await self._write("keeping a token", upsert)
