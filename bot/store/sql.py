"""The store in SQL, for SQLite and PostgreSQL alike, over a small `Database` interface.

Writes are grouped: every write asked for in one turn of the event loop (the questions,
context and budgets of everyone asking at that moment) goes to the database in one
transaction, and each caller still waits for its own commit before anyone is answered.
A write that finds the database busy is retried; a question or feedback that still
cannot be written is kept in memory (a bounded backlog) and written with the next
transaction that works. While writes fail the store says so (`health`) and stops
retrying, so nobody waits seconds for a broken disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.reply import SOCIAL, Reply
from bot.store.base import (
    BACKLOG,
    CONTEXT_KEPT,
    HITS_KEPT,
    MAX_TEXT,
    SEEN_KEPT,
    WRONG_WITHIN,
    Budget,
    Context,
    Health,
    Store,
    StoreError,
    clean,
    kept_facts,
    kept_pending,
    kept_rest,
    question_row,
)
from bot.store.migrations import Dialect

log = logging.getLogger("bot.store")

RETRIES = (0.05, 0.2)  # seconds between attempts of a write that found the database busy
BUSY_MS = 2000  # how long one attempt waits for another writer
DEGRADED_BUSY_MS = 100  # ... while writes are failing: answer people, do not wait
PRUNE_EVERY = 500  # old message keys and rate-limit hits go with every 500th write of them
READ_WAIT = 5.0  # seconds a read waits for a free connection (PostgreSQL's pool)
MAX_BATCH = 500  # writes in one transaction at most (the rest go in the next)


@dataclass(frozen=True)
class Step:
    """One statement of a transaction, with `?` placeholders."""

    sql: str
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Done:
    """What a statement gave: its rows (SELECT, RETURNING) and how many rows it changed."""

    rows: list[tuple[Any, ...]]
    count: int


class Database(ABC):
    """What the SQL store needs of a database: reads, transactions, migrations."""

    dialect: Dialect

    @abstractmethod
    async def read(self, sql: str, args: tuple[Any, ...] = (),
                   wait: float = READ_WAIT) -> list[tuple[Any, ...]]:  # fmt: skip
        """Rows of one query, waiting at most `wait` seconds for a connection (raises
        `self.errors`)."""

    @abstractmethod
    async def run(self, steps: Sequence[Step], busy_ms: int) -> list[Done]:
        """Run the statements in one transaction and commit; waits at most `busy_ms` for
        another writer. On failure nothing of it is kept (raises `self.errors`)."""

    @abstractmethod
    def lock(self, keys: Sequence[str]) -> list[Step]:
        """Statements that make a read-then-write on these keys atomic across processes
        (none where every write transaction is serialized anyway)."""

    @abstractmethod
    async def version(self) -> int: ...

    @abstractmethod
    async def migrate(self) -> None:
        """Apply the missing migrations, once even when replicas start together."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    def retryable(self, exc: BaseException) -> bool:
        """Whether another attempt may succeed (busy, locked, a dropped connection)."""

    @abstractmethod
    def faulty(self, exc: BaseException) -> bool:
        """Whether a statement is at fault (bad data, a broken constraint), not the
        database: the write cannot succeed however often it is tried."""

    errors: tuple[type[BaseException], ...]  # what a failing database raises


@dataclass
class _Write:
    """Writes waiting for the next transaction: one caller's statements and its future."""

    what: str
    steps: list[Step]
    done: asyncio.Future[list[Done]]
    keep: bool  # a question or feedback: kept in memory if it cannot be written now
    locks: tuple[str, ...] = ()  # keys read then written (budgets): locked first
    order: str = ""  # the row an upsert locks ("context:<key>"): rows are locked sorted


class SqlStore(Store):
    """The store over a `Database` (SQLite or PostgreSQL)."""

    def __init__(self, db: Database, key: bytes = b"") -> None:
        self.db = db
        self.key = key
        self._failing = ""  # why the last write failed; "" while writes work
        self._backlog: deque[Step] = deque(maxlen=BACKLOG)
        self.dropped = 0  # rows the full backlog had to let go (counted, logged)
        self._queue: list[_Write] = []
        self._flushing: asyncio.Task[None] | None = None
        self._pruned = 0
        self.transactions = 0  # committed, for the benchmarks
        self.writes = 0

    async def start(self, secret: str | None) -> None:
        """Migrate and settle the session key (or raise StoreError)."""
        try:
            await self.db.migrate()
            self.key = (secret or await self._stored_key()).encode()
        except self.db.errors as exc:
            raise StoreError(f"cannot use the database: {exc}") from exc

    async def _stored_key(self) -> str:
        """The key sessions are hashed with, made once and kept (replicas share it)."""
        await self.db.run([Step(
            "INSERT INTO meta (name, value) VALUES ('session_key', ?)"
            " ON CONFLICT (name) DO NOTHING", (secrets.token_hex(32),),
        )], BUSY_MS)  # fmt: skip
        rows = await self.db.read("SELECT value FROM meta WHERE name = 'session_key'")
        return str(rows[0][0])

    # the machinery --------------------------------------------------------------------

    def health(self) -> Health:
        return Health(not self._failing, self._failing, len(self._backlog))

    async def probe(self) -> Health:
        touch = Step(
            "INSERT INTO meta (name, value) VALUES ('probed', ?) ON CONFLICT (name)"
            " DO UPDATE SET value = excluded.value", (str(time.time()),),
        )  # fmt: skip
        with contextlib.suppress(StoreError):
            await self._write("checking the database", [touch], order="meta:probed")
        return self.health()

    async def close(self) -> None:
        if self._flushing is not None:
            with contextlib.suppress(Exception):
                await self._flushing
        await self.db.close()

    async def version(self) -> int:
        return await self.db.version()

    async def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            # while writes fail, a read does not wait long either: people are answered
            return await self.db.read(sql, args, DEGRADED_BUSY_MS / 1000 if self._failing
                                      else READ_WAIT)  # fmt: skip
        except Exception as exc:  # a corrupted page, a lost server: reported, not raised
            log.error("store: reading failed: %s: %s", type(exc).__name__, exc)
            raise StoreError(f"reading: {exc}") from exc

    async def _one(self, sql: str, args: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        rows = await self._read(sql, args)
        return rows[0] if rows else None

    async def _write(self, what: str, steps: list[Step], keep: bool = False,
                     locks: tuple[str, ...] = (), order: str = "") -> list[Done]:  # fmt: skip
        """Join the next transaction and wait for its commit; what each statement gave."""
        loop = asyncio.get_running_loop()
        write = _Write(what, steps, loop.create_future(), keep, locks, order)
        self._queue.append(write)
        if self._flushing is None:
            self._flushing = asyncio.ensure_future(self._flush())
        return await asyncio.shield(write.done)  # a caller giving up stops no one's write

    async def _flush(self) -> None:
        """Write what the callers of this turn of the loop asked for, in transactions,
        until nothing waits."""
        try:
            await asyncio.sleep(0)  # let everyone of this turn join
            while self._queue:
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                try:
                    await self._commit(batch)
                except Exception as exc:  # a driver's surprise: nobody may wait forever
                    log.exception("store: writing failed unexpectedly")
                    self._failed(batch, exc)
        finally:
            self._flushing = None

    async def _commit(self, batch: list[_Write]) -> None:
        """One transaction for the backlog and the batch. A statement at fault (not the
        database) must not fail the others: then each is tried on its own, and only the
        one at fault is refused (not kept: it would fail forever)."""
        kept = list(self._backlog)
        # every transaction takes its locks in one order (budget keys, then the rows it
        # upserts, sorted), so two replicas' transactions wait for each other, never
        # deadlock (PostgreSQL would break the cycle only after a second)
        batch.sort(key=lambda w: w.order)
        locks = self.db.lock(sorted({k for w in batch for k in w.locks}))
        steps = locks + kept + [s for w in batch for s in w.steps]
        what = batch[0].what if len(batch) == 1 else f"{len(batch)} writes"
        try:
            done = await self._run(what, steps)
        except self.db.errors as exc:
            if self.db.faulty(exc):
                await self._one_by_one(batch, kept)
            else:
                self._failed(batch, exc)
            return
        for _ in kept:  # written (nothing else takes from the backlog meanwhile)
            self._backlog.popleft()
        self._working(len(kept))
        self._deliver(batch, done[len(locks) + len(kept) :])

    def _working(self, kept: int) -> None:
        if self._failing:
            log.warning("store: writes work again (%d kept row(s) written)", kept)
            self._failing = ""

    async def _run(self, what: str, steps: list[Step]) -> list[Done]:
        """Run, retrying while the database is busy (not while writes are known to fail);
        the last error is raised."""
        pauses = () if self._failing else RETRIES
        for attempt, pause in enumerate((*pauses, None), start=1):
            try:
                done = await self.db.run(steps, DEGRADED_BUSY_MS if self._failing else BUSY_MS)
                self.transactions += 1
                return done
            except self.db.errors as exc:
                if pause is None or not self.db.retryable(exc):
                    # busy or locked is worth a retry; a full disk or a broken file is not
                    if not self._failing and not self.db.faulty(exc):
                        log.error("store: %s failed after %d attempt(s): %s", what, attempt, exc)
                    raise
                log.warning("store: %s failed (attempt %d), retrying: %s", what, attempt, exc)
                await asyncio.sleep(pause)
        raise AssertionError("unreachable")

    async def _one_by_one(self, batch: list[_Write], kept: list[Step]) -> None:
        """Each kept row, then each write, in its own transaction: the ones at fault are
        dropped (logged), the others written; a database failure keeps what is left."""
        for step in kept:
            try:
                await self._run("writing a kept row", [step])
            except self.db.errors as exc:
                if not self.db.faulty(exc):
                    self._failed(batch, exc)
                    return
                self.dropped += 1
                log.error("store: a kept row cannot be written and is dropped: %s", exc)
            self._backlog.popleft()
        self._working(len(kept))
        for write in batch:
            locks = self.db.lock(sorted(set(write.locks)))
            try:
                done = await self._run(write.what, locks + write.steps)
            except self.db.errors as exc:
                if self.db.faulty(exc):
                    log.error("store: %s is at fault and not kept: %s", write.what, exc)
                    if not write.done.done():
                        write.done.set_exception(StoreError(f"{write.what}: {exc}"))
                    continue
                self._failed([write], exc)
                continue
            self._deliver([write], done[len(locks) :])

    def _failed(self, batch: list[_Write], exc: BaseException) -> None:
        """The database failed: say so, keep the questions and feedback, tell everyone
        (a write already answered is neither kept again nor told)."""
        self._failing = f"{batch[0].what}: {exc}"
        for write in batch:
            if write.done.done():
                continue
            if write.keep:
                self._keep(write.steps)
            write.done.set_exception(StoreError(f"{write.what}: {exc}"))

    def _deliver(self, batch: list[_Write], done: list[Done]) -> None:
        self.writes += len(batch)
        at = 0
        for write in batch:
            if not write.done.done():
                write.done.set_result(done[at : at + len(write.steps)])
            at += len(write.steps)

    def _keep(self, steps: list[Step]) -> None:
        for step in steps:
            if len(self._backlog) == BACKLOG:
                self.dropped += 1
                log.error("store: the backlog is full; the oldest kept row is lost")
            self._backlog.append(step)

    def _prune_due(self) -> bool:
        self._pruned += 1
        return self._pruned % PRUNE_EVERY == 0

    # questions and feedback ---------------------------------------------------------

    async def record(self, reply: Reply, normalized: str, channel: str,
                     session: str | None = None) -> None:  # fmt: skip
        row = question_row(reply, normalized, channel, self.session_key(channel, session),
                           time.time())  # fmt: skip
        # a row's own token: a retry after a commit whose answer was lost (a dropped
        # connection) or a kept row written again inserts nothing twice
        await self._write("recording a question", [Step(
            "INSERT INTO questions (at, channel, session, text, normalized, matched, reason,"
            " intent, topic, score, guesses, urgent, token)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (token) DO NOTHING",
            (*row, secrets.token_hex(12)),
        )], keep=True)  # fmt: skip

    async def unanswered(self, since: float) -> list[dict[str, Any]]:
        rows = await self._read(
            "SELECT id, at, channel, text, normalized, reason, guesses, urgent FROM questions"
            " WHERE at >= ? AND (urgent IS NOT NULL"
            " OR (matched = 0 AND reason NOT IN ('empty', 'greeting', 'thanks')))"
            " ORDER BY urgent IS NULL, at DESC",
            (since,),
        )
        keys = ("id", "at", "channel", "text", "normalized", "reason", "guesses", "urgent")
        return [dict(zip(keys, r, strict=True)) | {"guesses": json.loads(r[6])} for r in rows]

    async def wrong_answers(self, since: float) -> dict[str, int]:
        rated = await self._read(
            "SELECT intent, COUNT(*) FROM feedback"
            " WHERE at >= ? AND helpful = 0 AND intent IS NOT NULL GROUP BY intent",
            (since,),
        )
        social = ", ".join(f"'{r}'" for r in SOCIAL)  # replies that answer nothing
        said = await self._read(
            "SELECT p.intent, COUNT(*) FROM questions w JOIN questions p ON p.id = ("
            " SELECT MAX(q.id) FROM questions q WHERE q.session = w.session AND q.id < w.id"
            " AND q.at >= ? AND q.at >= w.at - ?)"
            " WHERE w.at >= ? AND w.reason = 'wrong' AND w.session IS NOT NULL"
            f" AND p.matched = 1 AND p.intent IS NOT NULL AND p.reason NOT IN ({social})"
            " GROUP BY p.intent",
            (since - WRONG_WITHIN, WRONG_WITHIN, since),
        )
        found: dict[str, int] = {}
        for intent, count in (*rated, *said):
            found[str(intent)] = found.get(str(intent), 0) + int(count)
        return found

    async def stats(self, since: float) -> dict[str, Any]:
        total, answered = (await self._read(
            "SELECT COUNT(*), COALESCE(SUM(matched), 0) FROM questions WHERE at >= ?", (since,)
        ))[0]  # fmt: skip
        topics = await self._read(
            "SELECT topic, COUNT(*) FROM questions WHERE at >= ? AND matched = 1"
            " GROUP BY topic ORDER BY COUNT(*) DESC, topic",
            (since,),
        )
        reasons = await self._read(
            "SELECT reason, COUNT(*) FROM questions WHERE at >= ? AND matched = 0"
            " GROUP BY reason ORDER BY COUNT(*) DESC, reason",
            (since,),
        )
        good, bad = (await self._read(
            "SELECT COALESCE(SUM(helpful), 0), COALESCE(SUM(1 - helpful), 0) FROM feedback"
            " WHERE at >= ?", (since,),
        ))[0]  # fmt: skip
        return {
            "questions": int(total),
            "answered": int(answered),
            "refused": int(total) - int(answered),
            "topics": {str(t): int(n) for t, n in topics},
            "refusals": {str(r): int(n) for r, n in reasons},
            "feedback": {"helpful": int(good), "not_helpful": int(bad)},
        }

    async def purge(self, older_than: float) -> int:
        done = await self._write("deleting old questions", [
            Step("DELETE FROM questions WHERE at < ?", (older_than,)),
            Step("DELETE FROM feedback WHERE at < ?", (older_than,)),
            Step("DELETE FROM context WHERE at < ?", (time.time() - CONTEXT_KEPT,)),
            Step("DELETE FROM numbered WHERE at < ?", (time.time() - CONTEXT_KEPT,)),
        ])  # fmt: skip
        return done[0].count

    async def feedback(self, intent: str | None, helpful: bool, question: str, channel: str,
                       session: str | None = None) -> None:  # fmt: skip
        row = (time.time(), channel, self.session_key(channel, session), intent,
               int(helpful), clean(question)[:MAX_TEXT])  # fmt: skip
        await self._write("recording feedback", [Step(
            "INSERT INTO feedback (at, channel, session, intent, helpful, question, token)"
            " VALUES (?,?,?,?,?,?,?) ON CONFLICT (token) DO NOTHING",
            (*row, secrets.token_hex(12)),
        )], keep=True)  # fmt: skip

    # conversations --------------------------------------------------------------------

    async def context(self, channel: str, session: str | None,
                      max_age: float) -> Context | None:  # fmt: skip
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
        key = self.session_key(channel, session)
        if key is None:
            return
        await self._write("remembering the context", order=f"context:{key}", steps=[Step(
            "INSERT INTO context (session, topic, intent, at, pending, facts)"
            " VALUES (?,?,?,?,?,?)"
            " ON CONFLICT (session) DO UPDATE SET topic = excluded.topic,"
            " intent = excluded.intent, at = excluded.at, pending = excluded.pending,"
            " facts = excluded.facts",
            (key, topic, intent, time.time(), kept_pending(pending), kept_facts(facts)),
        )])  # fmt: skip

    async def forget(self, channel: str, session: str | None) -> None:
        key = self.session_key(channel, session)
        if key is None:
            return
        forget = Step("DELETE FROM context WHERE session = ?", (key,))
        await self._write("forgetting the context", [forget], order=f"context:{key}")

    # budgets --------------------------------------------------------------------------

    async def spend(self, budgets: Sequence[Budget]) -> float:
        if not budgets:
            return 0.0
        now = time.time()
        keys = [b.key for b in budgets]
        room = " AND ".join(["(SELECT COUNT(*) FROM hits WHERE key = ? AND at > ?) < ?"] * len(
            budgets))  # fmt: skip
        rows = " UNION ALL ".join(["SELECT CAST(? AS TEXT) AS k"] * len(budgets))
        args: list[Any] = [now, *keys]
        for b in budgets:
            args += [b.key, now - b.window, b.limit]
        count = Step(
            "INSERT INTO hits (key, at) SELECT k, CAST(? AS DOUBLE PRECISION)"
            f" FROM ({rows}) AS v WHERE {room}", tuple(args),
        )  # fmt: skip
        windows = " OR ".join(["(key = ? AND at > ?)"] * len(budgets))
        look = Step(
            f"SELECT key, COUNT(*), MIN(at) FROM hits WHERE {windows} GROUP BY key",
            tuple(a for b in budgets for a in (b.key, now - b.window)),
        )
        steps = [count, look]
        if self._prune_due():
            steps.append(Step("DELETE FROM hits WHERE at < ?", (now - HITS_KEPT,)))
        done = await self._write("counting a question", steps, locks=tuple(keys))
        counted, seen = done[0], done[1]
        if counted.count:
            return 0.0
        found = {str(k): (int(n), float(oldest)) for k, n, oldest in seen.rows}
        waits = [
            found[b.key][1] + b.window - now
            for b in budgets
            if b.key in found and found[b.key][0] >= b.limit
        ]
        return max(1e-9, max(waits, default=1e-9))

    # WeChat and the cards ---------------------------------------------------------------

    async def first_time(self, key: str) -> bool:
        hashed = self.session_key("seen", key) or ""
        now = time.time()
        steps = [Step(
            "INSERT INTO seen (key, at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE"
            " SET at = excluded.at WHERE seen.at < ? RETURNING key",
            (hashed, now, now - SEEN_KEPT),
        )]  # fmt: skip
        if self._prune_due():
            steps.append(Step("DELETE FROM seen WHERE at < ?", (now - SEEN_KEPT,)))
        done = await self._write("noting a message as seen", steps, order=f"seen:{hashed}")
        return bool(done[0].rows)

    async def keep_numbered(self, channel: str, session: str | None, intents: list[str],
                            rest: str | None) -> None:  # fmt: skip
        key = self.session_key(channel, session)
        if key is None:
            return
        await self._write("keeping the numbered list", order=f"numbered:{key}", steps=[Step(
            "INSERT INTO numbered (session, intents, rest, at) VALUES (?,?,?,?)"
            " ON CONFLICT (session) DO UPDATE SET intents = excluded.intents,"
            " rest = excluded.rest, at = excluded.at",
            (key, json.dumps(intents), kept_rest(rest), time.time()),
        )])  # fmt: skip

    async def numbered(self, channel: str, session: str | None,
                       max_age: float) -> tuple[list[str], str | None] | None:  # fmt: skip
        key = self.session_key(channel, session)
        if key is None:
            return None
        row = await self._one("SELECT intents, rest, at FROM numbered WHERE session = ?", (key,))
        if row is None or row[2] < time.time() - max_age:
            return None
        return [str(i) for i in json.loads(row[0])], row[1]

    async def token(self, name: str) -> tuple[str, float] | None:
        row = await self._one("SELECT value, expires FROM tokens WHERE name = ?", (name,))
        return (str(row[0]), float(row[1])) if row is not None else None

    async def keep_token(self, name: str, value: str, expires: float) -> None:
        await self._write("keeping a token", order=f"tokens:{name}", steps=[Step(
            "INSERT INTO tokens (name, value, expires) VALUES (?,?,?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value,"
            " expires = excluded.expires",
            (name, value, float(expires)),
        )])  # fmt: skip
