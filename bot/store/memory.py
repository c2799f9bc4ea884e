"""The store in memory: for tests and a quick try (`POLICYBOT_DB=:memory:`). Nothing
survives the process, and no other process sees it. It keeps the same rows as the SQL
stores (masked, sessions hashed), so tests of the store run against all three."""

from __future__ import annotations

import json
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Sequence
from typing import Any

from bot.reply import SOCIAL, Reply
from bot.store.base import (
    CONTEXT_KEPT,
    MAX_TEXT,
    QUESTION_KEYS,
    SEEN_KEPT,
    WRONG_WITHIN,
    Budget,
    Context,
    Health,
    Store,
    clean,
    is_unanswered,
    kept_facts,
    kept_pending,
    kept_rest,
    question_row,
)
from bot.store.migrations import MIGRATIONS

MAX_SEEN = 1_000_000  # keys kept at most (the oldest go first)


class MemoryStore(Store):
    def __init__(self, secret: str | None = None) -> None:
        self.key = (secret or secrets.token_hex(32)).encode()
        self.questions: list[dict[str, Any]] = []
        self.ratings: list[dict[str, Any]] = []
        self._context: dict[str, Context] = {}
        self._hits: defaultdict[str, deque[float]] = defaultdict(deque)
        self._seen: dict[str, float] = {}
        self._numbered: dict[str, tuple[list[str], str | None, float]] = {}
        self._tokens: dict[str, tuple[str, float]] = {}
        self._ids = 0

    def health(self) -> Health:
        return Health(True)

    async def probe(self) -> Health:
        return Health(True)

    async def close(self) -> None:
        return None

    async def version(self) -> int:
        return len(MIGRATIONS)

    async def record(self, reply: Reply, normalized: str, channel: str,
                     session: str | None = None) -> None:  # fmt: skip
        row = question_row(reply, normalized, channel, self.session_key(channel, session),
                           time.time())  # fmt: skip
        self._ids += 1
        self.questions.append({"id": self._ids, **dict(zip(QUESTION_KEYS, row, strict=True))})

    async def unanswered(self, since: float) -> list[dict[str, Any]]:
        found = [q for q in self.questions if q["at"] >= since and is_unanswered(q)]
        found.sort(key=lambda q: (q["urgent"] is None, -q["at"], -q["id"]))
        keys = ("id", "at", "channel", "text", "normalized", "reason", "guesses", "urgent")
        return [{k: q[k] for k in keys} | {"guesses": json.loads(q["guesses"])} for q in found]

    async def wrong_answers(self, since: float) -> dict[str, int]:
        found: dict[str, int] = {}
        for r in self.ratings:
            if r["at"] >= since and not r["helpful"] and r["intent"] is not None:
                found[r["intent"]] = found.get(r["intent"], 0) + 1
        last: dict[str, dict[str, Any]] = {}  # session -> its question before
        for q in self.questions:  # in the order they were asked
            before = last.get(q["session"]) if q["session"] else None
            if (
                before is not None and q["reason"] == "wrong" and q["at"] >= since
                and q["at"] - before["at"] <= WRONG_WITHIN and before["matched"]
                and before["intent"] is not None and before["reason"] not in SOCIAL
            ):  # fmt: skip
                found[before["intent"]] = found.get(before["intent"], 0) + 1
            if q["session"]:
                last[q["session"]] = q
        return found

    async def stats(self, since: float) -> dict[str, Any]:
        asked = [q for q in self.questions if q["at"] >= since]
        answered = [q for q in asked if q["matched"]]
        topics: dict[str, int] = {}
        refusals: dict[str, int] = {}
        for q in answered:
            topics[q["topic"]] = topics.get(q["topic"], 0) + 1
        for q in asked:
            if not q["matched"]:
                refusals[q["reason"]] = refusals.get(q["reason"], 0) + 1
        rated = [r for r in self.ratings if r["at"] >= since]
        good = sum(1 for r in rated if r["helpful"])
        return {
            "questions": len(asked),
            "answered": len(answered),
            "refused": len(asked) - len(answered),
            "topics": dict(sorted(topics.items(), key=lambda t: (-t[1], t[0]))),
            "refusals": dict(sorted(refusals.items(), key=lambda t: (-t[1], t[0]))),
            "feedback": {"helpful": good, "not_helpful": len(rated) - good},
        }

    async def purge(self, older_than: float) -> int:
        before = len(self.questions)
        self.questions = [q for q in self.questions if q["at"] >= older_than]
        self.ratings = [r for r in self.ratings if r["at"] >= older_than]
        day_ago = time.time() - CONTEXT_KEPT
        self._context = {k: c for k, c in self._context.items() if c.at >= day_ago}
        self._numbered = {k: n for k, n in self._numbered.items() if n[2] >= day_ago}
        return before - len(self.questions)

    async def feedback(self, intent: str | None, helpful: bool, question: str, channel: str,
                       session: str | None = None) -> None:  # fmt: skip
        self.ratings.append({
            "at": time.time(), "channel": channel,
            "session": self.session_key(channel, session), "intent": intent,
            "helpful": int(helpful), "question": clean(question)[:MAX_TEXT],
        })  # fmt: skip

    async def context(self, channel: str, session: str | None,
                      max_age: float) -> Context | None:  # fmt: skip
        key = self.session_key(channel, session)
        found = self._context.get(key) if key else None
        if found is None or found.at < time.time() - max_age:
            return None
        return found

    async def remember(self, channel: str, session: str | None, topic: str,
                       intent: str | None, pending: str | None = None,
                       facts: str | None = None) -> None:  # fmt: skip
        key = self.session_key(channel, session)
        if key is not None:
            self._context[key] = Context(topic, intent, time.time(), kept_pending(pending),
                                         kept_facts(facts))  # fmt: skip

    async def forget(self, channel: str, session: str | None) -> None:
        key = self.session_key(channel, session)
        if key is not None:
            self._context.pop(key, None)

    async def spend(self, budgets: Sequence[Budget]) -> float:
        now = time.time()
        waits = []
        for b in budgets:
            times = self._hits[b.key]
            while times and times[0] <= now - b.window:
                times.popleft()
            if len(times) >= b.limit:
                waits.append(times[0] + b.window - now)
        if waits:
            return max(1e-9, max(waits))
        for b in budgets:
            self._hits[b.key].append(now)
        return 0.0

    async def first_time(self, key: str) -> bool:
        hashed = self.session_key("seen", key) or ""
        now = time.time()
        if hashed in self._seen and self._seen[hashed] >= now - SEEN_KEPT:
            return False
        self._seen[hashed] = now
        if len(self._seen) > MAX_SEEN:
            del self._seen[next(iter(self._seen))]
        return True

    async def keep_numbered(self, channel: str, session: str | None, intents: list[str],
                            rest: str | None) -> None:  # fmt: skip
        key = self.session_key(channel, session)
        if key is not None:
            self._numbered[key] = (list(intents), kept_rest(rest), time.time())

    async def numbered(self, channel: str, session: str | None,
                       max_age: float) -> tuple[list[str], str | None] | None:  # fmt: skip
        key = self.session_key(channel, session)
        found = self._numbered.get(key) if key else None
        if found is None or found[2] < time.time() - max_age:
            return None
        return list(found[0]), found[1]

    async def token(self, name: str) -> tuple[str, float] | None:
        return self._tokens.get(name)

    async def keep_token(self, name: str, value: str, expires: float) -> None:
        self._tokens[name] = (value, float(expires))
