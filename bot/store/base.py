"""What every store offers (`Store`), and what the implementations share: the rows they
keep (masked), how sessions are hashed, and the result types.

Three stores implement it: SQLite (the embedded default: one file, nothing to install),
PostgreSQL (several replicas on several machines share it) and memory (tests, a quick
try). Everything replicas must share goes through the store: questions and feedback,
conversation context, the rate-limit windows, WeChat's retries and numbered lists, API
tokens, and which chat has had which picture card.
"""

from __future__ import annotations

import hmac
import json
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.privacy import mask
from bot.reply import Reply

MAX_FACTS = 300  # characters of a conversation's numbers kept
MAX_TEXT = 2000  # characters of a question kept
MAX_PENDING = 500  # characters of a vague question kept while the bot asks which policy
MAX_REST = 8000  # characters of a shortened answer kept for "详细"
BACKLOG = 10_000  # questions and feedback kept in memory while the database fails
CONTEXT_KEPT = 86_400.0  # seconds a conversation's context is kept (it is used for 10 min)
SEEN_KEPT = 86_400.0  # seconds a message key is kept against retries (WeChat's come in 15 s)
HITS_KEPT = 60.0  # seconds the rate-limit windows look back (the longest window)
WRONG_WITHIN = 600.0  # seconds: a "不对" this soon after an answer says that answer was wrong


class StoreError(Exception):
    """A write failed even after retrying, or a read failed."""


@dataclass(frozen=True)
class Context:
    """What a session last asked about."""

    topic: str  # "" while the bot waits to hear which policy a vague question meant
    intent: str | None
    at: float
    pending: str | None = None  # that vague question, in the booklet's words
    facts: str | None = None  # earlier messages with numbers for a calculation (masked)


@dataclass(frozen=True)
class Health:
    """Whether the store takes writes now; the reason when it does not."""

    writable: bool
    reason: str = ""
    backlog: int = 0  # questions and feedback waiting in memory to be written


@dataclass(frozen=True)
class Budget:
    """One limit a question must fit: at most `limit` questions under `key` in any
    `window` seconds (a person's per minute, an address's, the service's per second)."""

    key: str
    limit: int
    window: float


def hash_session(key: bytes, channel: str, session: str | None) -> str | None:
    """Sessions are kept as keyed hashes (HMAC-SHA256): a chat id or a browser id is not
    stored as such, and without the key the hash cannot be reversed by trying ids."""
    if not session:
        return None
    return hmac.new(key, f"{channel}:{session}".encode(), "sha256").hexdigest()[:32]


def clean(text: str) -> str:
    """Masked, without NUL characters (PostgreSQL refuses them in text; SQLite keeps
    them): every store keeps the same text."""
    return mask(text).replace("\x00", "")


def question_row(reply: Reply, normalized: str, channel: str,
                 session: str | None, now: float) -> tuple[Any, ...]:  # fmt: skip
    """A question as kept, masked (the session is already hashed): at, channel, session,
    text, normalized, matched, reason, intent, topic, score, guesses, urgent."""
    guesses = [{"intent": s.intent, "score": s.score} for s in reply.suggestions]
    if reply.matched and reply.intent:
        guesses.insert(0, {"intent": reply.intent, "score": reply.score})
    return (
        now, channel, session, clean(reply.question)[:MAX_TEXT], clean(normalized)[:MAX_TEXT],
        int(reply.matched), reply.reason, reply.intent, reply.topic, float(reply.score),
        json.dumps(guesses, ensure_ascii=False), reply.urgent,
    )  # fmt: skip


QUESTION_KEYS = ("at", "channel", "session", "text", "normalized", "matched", "reason",
                 "intent", "topic", "score", "guesses", "urgent")  # fmt: skip


def is_unanswered(row: dict[str, Any]) -> bool:
    """What an officer should see: urgent questions (answered or not: someone may be in
    hospital with no money) and those not answered, except greetings and the like."""
    if row["urgent"] is not None:
        return True
    return not row["matched"] and row["reason"] not in ("empty", "greeting", "thanks")


def kept_pending(pending: str | None) -> str | None:
    return clean(pending)[:MAX_PENDING] if pending else None


def kept_facts(facts: str | None) -> str | None:
    return clean(facts)[-MAX_FACTS:] if facts else None


def kept_rest(rest: str | None) -> str | None:
    return clean(rest)[:MAX_REST] if rest else None


class Store(ABC):
    """The bot's memory. `await Store.open(target)` opens what POLICYBOT_DB names: a
    `postgresql://` URL, `:memory:`, or a SQLite file. Close with `await close()`.

    Reads and writes raise StoreError when the database fails; a question or feedback
    that cannot be written is kept in memory (a bounded backlog) and written when the
    database works again, so nothing already accepted is lost."""

    key: bytes  # sessions are hashed with it

    @staticmethod
    async def open(target: str | Path, secret: str | None = None) -> Store:
        """The store POLICYBOT_DB names. Sessions are hashed with `secret`, or with a
        key made at the first start and kept in the database (replicas share it)."""
        text = str(target)
        if text.startswith(("postgresql://", "postgres://")):
            from bot.store.postgres import open_postgres

            return await open_postgres(text, secret)
        if text == ":memory:":
            from bot.store.memory import MemoryStore

            return MemoryStore(secret)
        from bot.store.sqlite import open_sqlite

        return await open_sqlite(Path(target), secret)

    def session_key(self, channel: str, session: str | None) -> str | None:
        return hash_session(self.key, channel, session)

    @abstractmethod
    def health(self) -> Health:
        """Whether writes work now (as the last write found), and the backlog's size."""

    @abstractmethod
    async def probe(self) -> Health:
        """Try a small write now (readiness checks), and write the backlog if it works."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def version(self) -> int:
        """The number of migrations applied."""

    # questions and feedback ---------------------------------------------------

    @abstractmethod
    async def record(self, reply: Reply, normalized: str, channel: str,
                     session: str | None = None) -> None:  # fmt: skip
        """Keep one question (masked) with how it was answered."""

    @abstractmethod
    async def unanswered(self, since: float) -> list[dict[str, Any]]:
        """Questions an officer should see since a time (`is_unanswered`): the urgent ones
        first, then those not answered; newest first in each. Each has id, at, channel,
        text, normalized, reason, guesses (a list) and urgent (the rule's id, or None)."""

    @abstractmethod
    async def wrong_answers(self, since: float) -> dict[str, int]:
        """The intents whose answer people said was wrong since a time, and how often: a 👎
        on it, or "不对" as the next message of the conversation (within WRONG_WITHIN)."""

    @abstractmethod
    async def stats(self, since: float) -> dict[str, Any]:
        """Questions per topic, answered and refused, feedback, since a time."""

    @abstractmethod
    async def purge(self, older_than: float) -> int:
        """Delete questions and feedback older than a time (retention), and context
        older than a day; the number of questions deleted."""

    @abstractmethod
    async def feedback(self, intent: str | None, helpful: bool, question: str, channel: str,
                       session: str | None = None) -> None:  # fmt: skip
        """Keep a 👍 or 👎 with the intent and the (masked) question."""

    # conversations ----------------------------------------------------------------

    @abstractmethod
    async def context(self, channel: str, session: str | None,
                      max_age: float) -> Context | None:  # fmt: skip
        """What this session last asked about, if recent enough."""

    @abstractmethod
    async def remember(self, channel: str, session: str | None, topic: str,
                       intent: str | None, pending: str | None = None,
                       facts: str | None = None) -> None:  # fmt: skip
        """Remember the topic a session is on (or the vague question it left open), and
        the numbers it gave for a calculation."""

    @abstractmethod
    async def forget(self, channel: str, session: str | None) -> None:
        """End a session's context (after a refusal, on /start, on "换个问题")."""

    # budgets --------------------------------------------------------------------------

    @abstractmethod
    async def spend(self, budgets: Sequence[Budget]) -> float:
        """Count one question against every budget if each has room (0.0), else count
        it against none and say how many seconds until all have room."""

    # channels without memory of their own (WeChat), and the picture cards ------------

    @abstractmethod
    async def first_time(self, key: str) -> bool:
        """True the first time a key is seen (a WeChat message, a card sent to a chat),
        False after. Keys are kept a day, hashed (a key may hold a person's OpenID)."""

    @abstractmethod
    async def keep_numbered(self, channel: str, session: str | None, intents: list[str],
                            rest: str | None) -> None:  # fmt: skip
        """The numbered list just sent to a person ("回复 1 / 2 / 3") and the whole answer
        when it was shortened ("回复 详细"): what a bare digit or 详细 refers to."""

    @abstractmethod
    async def numbered(self, channel: str, session: str | None,
                       max_age: float) -> tuple[list[str], str | None] | None:  # fmt: skip
        """The numbered list and whole answer last sent to a person, if recent enough."""

    @abstractmethod
    async def token(self, name: str) -> tuple[str, float] | None:
        """A kept API token and when it expires (shared by every replica)."""

    @abstractmethod
    async def keep_token(self, name: str, value: str, expires: float) -> None: ...


def now() -> float:
    return time.time()
