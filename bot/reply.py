"""A channel-neutral reply: what every channel shows, and the JSON answer object."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from bot.booklet import Booklet, Intent
from bot.matcher import Match, Verdict
from bot.normalize import MAX_CHARS, Kind

SOCIAL = ("greeting", "thanks", "wrong", "restart")  # replies with no title line
SUGGESTION_FLOOR = 35.0  # weaker guesses than this are not offered
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Option:
    """An intent offered to the person: a follow-up or a 'did you mean'."""

    intent: str
    title: str
    score: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"intent": self.intent, "title": self.title, "score": self.score}


@dataclass(frozen=True)
class Reply:
    """The bot's answer to one question, for any channel."""

    question: str
    matched: bool
    answer: str
    reason: str
    intent: str | None = None
    topic: str | None = None
    title: str | None = None
    score: float = 0.0
    source: str = ""
    suggestions: tuple[Option, ...] = ()
    follow_ups: tuple[Option, ...] = field(default=())
    normalized: str = ""  # the question in the booklet's words (for the memory, not shown)
    urgent: str | None = None  # the urgency rule the question shows (not in the JSON)

    def to_json(self) -> dict[str, Any]:
        """The answer object of the CLI and HTTP contracts (GUIDE.md), exactly."""
        return {
            "question": self.question,
            "matched": self.matched,
            "intent": self.intent,
            "topic": self.topic,
            "title": self.title,
            "score": self.score,
            "answer": self.answer,
            "source": self.source,
            "suggestions": [s.to_json() for s in self.suggestions],
        }

    def to_text(self) -> str:
        """What a person reads on a plain-text channel (the terminal)."""
        parts = []
        if self.matched and self.title and self.reason not in SOCIAL:
            parts.append(f"【{self.title}】")
        parts.append(self.answer)
        if self.source:
            parts.append(f"来源：{self.source}")
        if self.suggestions:
            parts.append("您是不是想问：")
            parts.extend(f"  {n}. {s.title}" for n, s in enumerate(self.suggestions, 1))
        if self.follow_ups:
            parts.append("还可以问：" + " / ".join(f.title for f in self.follow_ups))
        return "\n".join(parts)


class Composer:
    """Turns the matcher's decision into words a 70-year-old can follow."""

    def __init__(self, booklet: Booklet) -> None:
        self.booklet = booklet
        ask = booklet.meta.ask_person
        self.ask_person = ask
        self.roles = booklet.meta.roles
        help_topic = self.roles.help_topic
        topics = "、".join(t.title for t in booklet.topics if t.topic != help_topic)
        self.menu_line = f"我能回答这些政策：{topics}。"
        self.ask_line = f"拿不准的事，请问{ask}。"

    def answer(self, question: str, intent: Intent, score: float, reason: str) -> Reply:
        """A reply that answers from the booklet."""
        topic = self.booklet.topic_of[intent.id]
        return Reply(
            question=question,
            matched=True,
            answer=intent.answer.strip(),
            reason=reason,
            intent=intent.id,
            topic=topic.topic,
            title=intent.title,
            score=score,
            source=self.booklet.cite(intent),
            follow_ups=tuple(Option(i, self.booklet.intents[i].title) for i in intent.follow_ups),
        )

    def decline(self, question: str, text: str, reason: str, match: Match | None) -> Reply:
        """A reply that does not answer, says why kindly, and offers what it can."""
        suggestions: tuple[Option, ...] = ()
        score = 0.0
        if match is not None and match.best is not None:
            score = match.best.score
            if match.verdict is Verdict.UNSURE:
                suggestions = tuple(
                    Option(c.intent.id, c.intent.title, c.score)
                    for c in match.candidates[:MAX_SUGGESTIONS]
                    if c.score >= SUGGESTION_FLOOR
                )
        return Reply(question, False, text, reason, score=score, suggestions=suggestions)

    def compose(self, question: str, match: Match) -> Reply:
        """The reply for one question, from the matcher's decision."""
        return replace(self._compose(question, match), normalized=match.normalized.text)

    def _compose(self, question: str, match: Match) -> Reply:
        kind = match.normalized.kind
        if match.verdict is Verdict.NOT_TEXT:
            return self._not_text(question, kind, match.normalized.length)
        if match.verdict is Verdict.MATCHED and match.best is not None:
            return self.answer(question, match.best.intent, match.best.score, "matched")
        refusal = self._refusal(match)
        if refusal is not None:
            reply = self.decline(question, refusal, match.verdict.value, match)
            if match.verdict is Verdict.VAGUE:
                return replace(reply, suggestions=self._choices(match))
            return reply
        if match.verdict is Verdict.OUT_OF_SCOPE:
            text = (
                "这件事不在《精准帮扶画说政策》里，我答不了，也不敢乱说。\n"
                f"{self.ask_line}\n{self.menu_line}"
            )
        elif match.verdict is Verdict.UNSURE and match.best is not None:
            text = (
                "我不太确定您问的是哪一项，怕说错。\n"
                "您看看下面哪一个是您想问的；也可以换个说法再问一次。\n"
                f"{self.ask_line}"
            )
        else:
            text = (
                "抱歉，我没看明白您问的是哪项扶贫政策。\n"
                f"{self.menu_line}\n请换个说法再问，比如：“孝善养老怎么领？”\n{self.ask_line}"
            )
        return self.decline(question, text, match.verdict.value, match)

    def _refusal(self, match: Match) -> str | None:
        """What to say about a place, a year, a neighbouring programme, a vague message."""
        about = match.subject
        region = self.booklet.meta.region
        if match.verdict is Verdict.ELSEWHERE:
            return (
                f"您问的是{about}的政策吧？我只知道{region}2017–2018年的扶贫政策，"
                f"{about}的规定我不知道，不能拿枣庄的说法告诉您。\n"
                f"请问{about}当地的村干部。要是问枣庄的，请直接问，比如“孝善养老政府添多少”。"
            )
        if match.verdict is Verdict.OUTDATED:
            return (
                f"您问的是{about}年的政策。我这里只有枣庄2017–2018年的规定，"
                f"{about}年的可能已经变了，我不能乱说。\n请问{self.ask_person}。"
            )
        if match.verdict is Verdict.NEIGHBOUR:
            return (
                f"{about}的事，我这里的资料没有写，我答不了，也不敢乱说。\n"
                f"请问{self.ask_person}。\n{self.menu_line}"
            )
        if match.verdict is Verdict.VAGUE:
            return (
                "您想问哪项政策？请点下面的一项，或者把政策的名字说出来，"
                "比如“孝善养老政府添多少”“住院能报多少”。"
            )
        return None

    def _choices(self, match: Match) -> tuple[Option, ...]:
        """The main topics to choose from, each at the intent that answers what was asked
        (多少钱 → each topic's amount answer)."""
        asked = {c.intent.aspect for c in match.candidates[:1]}
        options = []
        for intent_id in self.roles.choices:
            intent = self.booklet.intents.get(intent_id)
            if intent is None:
                continue
            topic = self.booklet.topic_of[intent_id]
            fit = next((i for i in topic.intents if i.aspect in asked), intent)
            options.append(Option(fit.id, fit.title))
        return tuple(options)

    def _not_text(self, question: str, kind: Kind, length: int) -> Reply:
        roles = self.roles
        special = {
            Kind.GREETING: roles.greeting,
            Kind.THANKS: roles.thanks,
            Kind.WRONG: roles.wrong,
            Kind.RESTART: roles.restart,
        }.get(kind)
        if special is not None and special in self.booklet.intents:
            return self.answer(question, self.booklet.intents[special], 100.0, kind.value)
        if kind is Kind.TOO_LONG:
            text = (
                f"您的消息有{length}个字，太长了，我看不过来。\n"
                f"请用一两句话问（{MAX_CHARS}字以内），比如：“孝善养老政府添多少？”"
            )
        elif kind is Kind.EMPTY:
            text = (
                "您还没有写问题。\n请直接打字问，比如：“孝善养老怎么领？”"
                f"“住院能报多少？”\n{self.menu_line}"
            )
        else:
            text = f"您好！{self.menu_line}\n请直接打字问。"
        return self.decline(question, text, kind.value, None)
