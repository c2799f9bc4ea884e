"""The bot as the channels see it: the current booklet, its memory, one call per action."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.amounts import find_payment
from bot.calculators import explain
from bot.cards import Card, Cards
from bot.curation import Group, group
from bot.engine import Engine
from bot.loader import Problem, check_booklet
from bot.reply import SUGGESTION_FLOOR, Option, Reply, asks_for_more
from bot.store import Store, StoreError
from bot.urgency import Alert

log = logging.getLogger(__name__)

CONTEXT_SECONDS = 600  # a follow-up within 10 minutes continues the last topic
DAY = 86_400.0
HEAVY_CHARS = 120  # longer questions take tens of ms to read: they wait in their own lane
MAX_CARDED = 10_000  # (channel, chat, topic) remembered as having had their picture card
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Reloaded:
    """The outcome of a reload: the problems, or none and the new version."""

    problems: list[Problem]
    version: str


class Service:
    """Answers with context, remembers, takes feedback, reloads the booklet safely."""

    def __init__(self, engine: Engine, store: Store | None, folder: Path,
                 retention_days: int = 90, *,
                 alerts: Sequence[Callable[[Alert], Awaitable[None]]] = ()) -> None:  # fmt: skip
        self.engine = engine
        self.alerts = tuple(alerts)  # told of every urgent question (officers, a webhook)
        self._alerting: set[asyncio.Task[None]] = set()  # alerts under way: kept referenced
        self.store = store
        self.folder = folder
        self.retention_days = retention_days
        self.loaded_at = time.time()
        self._current: asyncio.Future[Reloaded] | None = None  # the reload under way
        self._next: asyncio.Future[Reloaded] | None = None  # the one waiting to start
        # One thread for long questions, one at a time: however many a client sends, they
        # hold the event loop no longer than a short question does, and queue among
        # themselves. (The engine is read-only after loading: safe from two threads.)
        self._heavy = ThreadPoolExecutor(max_workers=1, thread_name_prefix="long-questions")
        self._cards: Cards | None = None
        self._carded: OrderedDict[tuple[str, str, str], None] = OrderedDict()

    @classmethod
    def of(cls, engine: Engine | Service) -> Service:
        """A service as given, or one around a bare engine: no memory, the default folder."""
        return engine if isinstance(engine, Service) else cls(engine, None, Path("."))

    # picture cards, for every channel ------------------------------------------------

    async def card(self, topic: str) -> Card | None:
        """A topic's picture card, drawn once per booklet off the event loop (tens of ms);
        None when the menu has no such topic. Raises NoFont without a Chinese font."""
        if self._cards is None or self._cards.booklet is not self.engine.booklet:
            self._cards = Cards(self.engine.booklet)  # a reload brings new cards
        cards = self._cards
        return await asyncio.get_running_loop().run_in_executor(None, cards.card, topic)

    async def card_due(self, channel: str, chat: str, topic: str) -> bool:
        """True the first time a topic is answered in a chat (in a day, on any replica):
        its card goes with the answer, then it is noted. Help answers have none."""
        if topic not in {t.topic for t in self.engine.booklet.menu_topics}:
            return False
        if self.store is not None:
            try:
                return await self.store.first_time(f"card:{channel}:{chat}:{topic}")
            except StoreError:
                log.error("memory: noting a card as sent failed; the card is sent once more")
                return True
        key = (channel, chat, topic)
        if key in self._carded:
            return False
        self._carded[key] = None
        if len(self._carded) > MAX_CARDED:
            self._carded.popitem(last=False)
        return True

    async def ask(self, text: str, channel: str, session: str | None = None) -> Reply:
        """Answer, continuing the session's topic when the question names none; remember."""
        context = None
        if self.store is not None and session:
            context = await self._safely("reading the context", self.store.context(
                channel, session, CONTEXT_SECONDS))  # fmt: skip
        topic = context.topic or None if context else None
        facts = (context.facts or "") if context else ""
        args = (text, topic, context.pending if context else None,
                context.intent if context else None, facts)  # fmt: skip
        more = (
            self.engine.details(context.intent, text)
            if context is not None and context.intent and asks_for_more(text)
            else None
        )  # "详细": the rest of the last answer
        if more is not None:
            reply = more
        elif len(text) > HEAVY_CHARS:
            loop = asyncio.get_running_loop()
            reply = await loop.run_in_executor(self._heavy, self.engine.ask, *args)
        else:
            reply = self.engine.ask(*args)
        calculator = self.engine.booklet.meta.roles.calculator  # it may ask for an amount
        if context is not None and calculator and context.intent == calculator:
            reply = replace(self._amount_given(reply, context.intent, facts), urgent=reply.urgent)
        if self.store is not None:  # both in the same transaction (the store groups them)
            await asyncio.gather(
                self._safely("recording", self.store.record(
                    reply, reply.normalized, channel, session)),
                self._follow(reply, channel, session, context is not None, facts),
            )  # fmt: skip
        if reply.urgent:
            self._alert(reply, channel)
        return reply

    def _alert(self, reply: Reply, channel: str) -> None:
        """Tell the officers of an urgent question, in the background: a slow or failing
        alert is logged and never delays or changes the answer."""
        assert reply.urgent is not None
        labels = self.engine.booklet.urgency.labels
        alert = Alert.of(reply.urgent, labels.get(reply.urgent, reply.urgent), reply.question,
                         channel)  # fmt: skip

        async def send(deliver: Callable[[Alert], Awaitable[None]]) -> None:
            try:
                await deliver(alert)
            except Exception as exc:
                name = getattr(deliver, "__name__", type(deliver).__name__)
                log.error("alert %s for an urgent question (%s) failed: %s: %s",
                          name, alert.rule, type(exc).__name__, exc)  # fmt: skip

        for deliver in self.alerts:
            task = asyncio.create_task(send(deliver))
            self._alerting.add(task)
            task.add_done_callback(self._alerting.discard)

    async def alerts_sent(self, timeout: float = 10.0) -> None:
        """Wait (at most `timeout` seconds) for the alerts under way: before shutting down."""
        if self._alerting:
            await asyncio.wait(set(self._alerting), timeout=timeout)

    def _facts(self, reply: Reply, earlier: str) -> str | None:
        """The numbers a calculation may need later: earlier ones and this message's, while
        the conversation stays on the calculator's topic."""
        booklet = self.engine.booklet
        calculator = booklet.meta.roles.calculator
        if calculator is None or calculator not in booklet.topic_of:
            return None
        if reply.topic != booklet.topic_of[calculator].topic:
            return None
        told = f"{earlier} {reply.normalized}" if _DIGIT.search(reply.normalized) else earlier
        return told.strip() or None

    async def _follow(self, reply: Reply, channel: str, session: str | None,
                      had_context: bool, facts: str = "") -> None:  # fmt: skip
        """What the conversation remembers after a reply: the topic answered (and the
        numbers given for its calculation); the vague question waiting for its policy;
        nothing after a refusal or "换个问题"."""
        assert self.store is not None
        help_topic = self.engine.booklet.meta.roles.help_topic
        if reply.matched and reply.topic and reply.topic != help_topic:
            await self._safely("remembering", self.store.remember(
                channel, session, reply.topic, reply.intent,
                facts=self._facts(reply, facts)))  # fmt: skip
        elif reply.reason == "vague":
            await self._safely("remembering", self.store.remember(
                channel, session, "", None, reply.normalized))  # fmt: skip
        elif (
            had_context
            and (reply.reason == "restart" or not reply.matched)
            and (reply.reason not in ("empty", "error"))
        ):
            await self._safely("forgetting", self.store.forget(channel, session))

    async def restart(self, channel: str, session: str | None) -> None:
        """/start and the like: the conversation begins again."""
        if self.store is not None:
            await self._safely("forgetting", self.store.forget(channel, session))

    def _amount_given(self, reply: Reply, asked: str, facts: str = "") -> Reply:
        """ "150" after the bot asked how much the children pay: the amount for that
        calculation, unless the message is about something else."""
        if reply.matched and reply.intent != asked and reply.topic != asked.split(".")[0]:
            return reply
        if find_payment(reply.normalized) is None:
            return reply
        base = self.engine.answer(asked)
        if base is None:
            return reply
        given = replace(base, question=reply.question, normalized=reply.normalized)
        return explain(given, reply.normalized, self.engine.booklet.meta.roles, facts)

    async def chose(self, intent_id: str, channel: str, session: str | None) -> Reply | None:
        """An answer picked from a menu; its topic becomes the session's context."""
        reply = self.engine.answer(intent_id)
        help_topic = self.engine.booklet.meta.roles.help_topic
        if reply is not None and self.store is not None and reply.topic != help_topic:
            await self._safely("remembering", self.store.remember(
                channel, session, reply.topic or "", reply.intent))  # fmt: skip
        return reply

    async def feedback(self, channel: str, session: str | None, question: str,
                       intent: str | None, helpful: bool) -> Reply:  # fmt: skip
        """Keep a 👍/👎; after 👎, offer the other answers and a person to ask."""
        if self.store is not None:
            await self._safely("recording feedback", self.store.feedback(
                intent, helpful, question, channel, session))  # fmt: skip
        ask = self.engine.booklet.meta.ask_person
        if helpful:
            return Reply(question, False, "谢谢您的评价！", "feedback")
        match = self.engine.matcher.match(question) if question else None
        others = tuple(
            Option(c.intent.id, c.intent.title, c.score)
            for c in (match.candidates if match else ())
            if c.intent.id != intent and c.score >= SUGGESTION_FLOOR
        )[:3]
        text = "对不起，没帮上您。\n"
        text += "您看看下面是不是您想问的；" if others else ""
        text += f"也可以直接问{ask}，他们最清楚您家的情况。"
        return Reply(question, False, text, "feedback", suggestions=others)

    async def reload(self) -> Reloaded:
        """Load the booklet again; if it is invalid, keep the old one and say why.
        Reloads coalesce: calls that come together share one load, and calls that come
        while a load runs share one more load after it (so an edit made meanwhile is
        read), however many clicks there were."""
        if self._next is None:
            self._next = asyncio.ensure_future(self._after(self._current))
        return await asyncio.shield(self._next)  # one caller giving up stops no one

    async def _after(self, previous: asyncio.Future[Reloaded] | None) -> Reloaded:
        if previous is not None:
            await asyncio.wait([previous])
        self._current, self._next = asyncio.current_task(), None  # later calls queue anew
        try:
            return await self._load_again()
        finally:
            if self._current is asyncio.current_task():
                self._current = None

    async def _load_again(self) -> Reloaded:
        loop = asyncio.get_running_loop()
        booklet, problems = await loop.run_in_executor(None, check_booklet, self.folder)
        if booklet is None:
            log.warning("reload refused: %d problem(s) in the booklet", len(problems))
            return Reloaded(problems, self.engine.booklet.meta.version)
        self.engine = await loop.run_in_executor(None, Engine, booklet)
        self.loaded_at = time.time()
        log.warning("booklet reloaded: version %s", booklet.meta.version)
        return Reloaded([], booklet.meta.version)

    def version(self) -> dict[str, Any]:
        """The booklet's version and counts."""
        booklet = self.engine.booklet
        return {
            "version": booklet.meta.version,
            "topics": len(booklet.topics),
            "intents": len(booklet.intents),
            "examples": sum(len(i.examples) for i in booklet.intents.values()),
            "loaded_at": self.loaded_at,
        }

    async def unanswered(self, days: int) -> list[Group]:
        """What could not be answered in the last `days` days, grouped."""
        if self.store is None:
            return []
        rows = await self.store.unanswered(since=time.time() - days * DAY)
        return group(rows, labels=self.engine.booklet.urgency.labels)

    async def stats(self, days: int) -> dict[str, Any]:
        if self.store is None:
            return {}
        return await self.store.stats(since=time.time() - days * DAY)

    async def purge(self) -> int:
        """Apply the retention setting."""
        if self.store is None:
            return 0
        return await self.store.purge(older_than=time.time() - self.retention_days * DAY)

    async def _safely(self, what: str, action: Any) -> Any:
        """A failed memory write is reported (the store logs it) but the person is answered."""
        try:
            return await action
        except StoreError:
            log.error("memory: %s failed; the person was answered anyway", what)
            return None
