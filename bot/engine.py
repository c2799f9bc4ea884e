"""The core's one entry point: a question in, a reply out. No I/O after loading."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from bot.booklet import Booklet
from bot.calculators import explain
from bot.loader import load_booklet
from bot.matcher import Matcher, Verdict
from bot.normalize import Normalized
from bot.reply import SUGGESTION_FLOOR, Composer, Reply
from bot.urgency import compile_rules, flag, urgency_text

log = logging.getLogger(__name__)

MAX_INPUT_CHARS = 100_000  # anything longer is cut before it is even cleaned


class Engine:
    """Answers questions from one loaded, validated booklet."""

    def __init__(self, booklet: Booklet) -> None:
        self.booklet = booklet
        self.matcher = Matcher(booklet)
        self.composer = Composer(booklet)
        self.urgency = compile_rules(booklet.urgency.rules)

    @classmethod
    def from_folder(cls, folder: Path) -> Engine:
        """Load, validate and index a booklet folder (raises BookletInvalid)."""
        return cls(load_booklet(folder))

    def answer(self, intent_id: str) -> Reply | None:
        """The booklet's answer to one intent, as when it is chosen from the menu."""
        intent = self.booklet.intents.get(intent_id)
        if intent is None:
            return None
        return self.composer.answer(intent.title, intent, 100.0, "menu")

    def details(self, intent_id: str, question: str = "详细说说") -> Reply | None:
        """The rest of an intent's answer ("详细说说"), None for no such intent."""
        intent = self.booklet.intents.get(intent_id)
        if intent is None:
            return None
        return self.composer.details(question, intent)

    def search(self, text: str, limit: int = 5) -> list[Reply]:
        """The best answers for a few words (an officer's inline query), best first;
        empty when nothing fits well enough to forward to a family."""
        try:
            match = self.matcher.match(text[:MAX_INPUT_CHARS])
        except Exception:
            log.exception("failed to search %d characters", len(text))
            return []
        if match.verdict in (Verdict.OUT_OF_SCOPE, Verdict.NOT_TEXT, Verdict.OFF_TOPIC):
            return []
        return [
            self.composer.answer(text, c.intent, c.score, "search")
            for c in match.candidates[:limit]
            if c.score >= SUGGESTION_FLOOR
            and self.booklet.topic_of[c.intent.id].topic != self.booklet.meta.roles.help_topic
        ]

    def ask(
        self, question: object, topic_hint: str | None = None, pending: str | None = None,
        last_intent: str | None = None, facts: str = "",
    ) -> Reply:  # fmt: skip
        """The reply to one question; never raises. `topic_hint`: the topic the
        conversation is on, for follow-ups that name none ("那要什么条件"); `pending`: the
        vague question the bot last asked about ("多少钱" → which policy?); `facts`: the
        numbers the conversation gave before (老人75岁, 每月交200)."""
        if not isinstance(question, str):
            kind = type(question).__name__
            log.warning("question is not text but %s", kind)
            return self.composer.decline("", "请用文字提问。", "not_text", None)
        try:
            match = self.matcher.match(question[:MAX_INPUT_CHARS], topic_hint, pending, last_intent)
            reply = self.composer.compose(question, match)
            reply = explain(reply, match.text or match.normalized.text, self.booklet.meta.roles,
                            facts)  # fmt: skip
            return self._flagged(reply, question, match.normalized)
        except Exception:  # the last line of defence: a person must get an answer
            log.exception("failed to answer a question of %d characters", len(question))
            reply = self.composer.decline(
                question,
                "对不起，我这里出了点问题，没能回答。请再问一次；"
                f"着急的话请问{self.booklet.meta.ask_person}。",
                "error",
                None,
            )
            return self._flagged(reply, question, None)

    def _flagged(self, reply: Reply, question: str, normalized: Normalized | None) -> Reply:
        """The reply with the emergency the question shows (urgency.yaml), if any."""
        if not self.urgency:
            return reply
        try:
            urgent = flag(self.urgency, urgency_text(question, normalized))
        except Exception:  # flagging must never cost the answer
            log.exception("failed to check a question of %d characters for urgency", len(question))
            return reply
        return replace(reply, urgent=urgent) if urgent else reply
