"""A channel-neutral reply: what every channel shows, and the JSON answer object."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from bot.booklet import Booklet, Intent
from bot.matcher import Match, Verdict
from bot.normalize import MAX_CHARS, Kind

SOCIAL = ("greeting", "thanks", "wrong", "restart")  # replies with no title line
# what a person types for the rest of the last answer
MORE_WORDS = frozenset({"详细", "详细说说", "详细的", "全文", "看全文", "详细点", "再详细点",
                        "说详细点", "详细说", "详细讲讲", "细说", "展开说说"})  # fmt: skip
_MORE_EDGES = " \t\r\n。！？!?，,.~～…、：:"


def asks_for_more(text: str) -> bool:
    """Whether a message asks for the rest of the last answer ("详细", "详细说说。")."""
    return text.strip(_MORE_EDGES).replace("詳細", "详细") in MORE_WORDS


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
    source: str = ""  # the exact citation
    suggestions: tuple[Option, ...] = ()
    follow_ups: tuple[Option, ...] = field(default=())
    details: str = ""  # what "详细说说" shows: the whole answer and its exact citation
    source_line: str = ""  # one plain line a household reads ("来源：枣庄日报2018年的报道")
    caveat: str = ""  # once under an answer: these are 2017–2018 rules, ask before acting
    normalized: str = ""  # the question in the booklet's words (for the memory, not shown)
    urgent: str | None = None  # the urgency rule the question shows (not in the JSON)

    @property
    def first(self) -> str:
        """What is read first: the answer itself, then the caveat."""
        return "\n".join(p for p in (self.answer, self.caveat) if p)

    def to_json(self) -> dict[str, Any]:
        """The answer object of the CLI and HTTP contracts (GUIDE.md), exactly; `answer`
        is what is read first (the answer itself and the caveat)."""
        return {
            "question": self.question,
            "matched": self.matched,
            "intent": self.intent,
            "topic": self.topic,
            "title": self.title,
            "score": self.score,
            "answer": self.first,
            "source": self.source,
            "suggestions": [s.to_json() for s in self.suggestions],
        }

    def to_page_json(self) -> dict[str, Any]:
        """The answer object and what the web page shows beside it: the rest of the
        answer ("详细说说") and the plain source line."""
        return {**self.to_json(), "details": self.details, "source_line": self.source_line}

    def to_text(self) -> str:
        """What a person reads on a plain-text channel (the terminal): all of it."""
        parts = []
        if self.matched and self.title and self.reason not in SOCIAL:
            parts.append(f"【{self.title}】")
        parts.append(self.answer)
        if self.caveat:
            parts.append(self.caveat)
        if self.details:  # the whole answer, ending with its exact citation
            parts.append(f"{self.source_line}\n—— 详细 ——\n{self.details}")
        elif self.source:
            parts.append(f"来源：{self.source}")
        if self.suggestions:
            parts.append("您是不是想问：")
            parts.extend(f"  {n}. {s.title}" for n, s in enumerate(self.suggestions, 1))
        if self.follow_ups:
            parts.append("还可以问：" + " / ".join(f.title for f in self.follow_ups))
        return "\n".join(parts)


def caveat(booklet: Booklet) -> str:
    """Said once under every answer: what these rules are, and to ask before acting."""
    return f"这是枣庄2017–2018年的政策，现在可能有变，办事前请问{booklet.meta.ask_person}。"


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
        self.caveat = f"（{caveat(booklet)}）"

    def answer(self, question: str, intent: Intent, score: float, reason: str) -> Reply:
        """A reply that answers from the booklet."""
        topic = self.booklet.topic_of[intent.id]
        social = topic.topic == self.roles.help_topic  # 你好, 谢谢: no caveat, no source
        whole = intent.answer.strip()
        cite = self.booklet.cite(intent)
        return Reply(
            question=question,
            matched=True,
            answer=intent.short or whole,
            reason=reason,
            intent=intent.id,
            topic=topic.topic,
            title=intent.title,
            score=score,
            source=cite,
            follow_ups=tuple(Option(i, self.booklet.intents[i].title) for i in intent.follow_ups),
            details=f"{whole}\n出处：{cite}" if intent.short else "",
            source_line="" if social else f"来源：{self.booklet.plain_cite(intent)}",
            caveat="" if social else self.caveat,
        )

    def details(self, question: str, intent: Intent) -> Reply:
        """The rest of an intent's answer ("详细说说"): the whole answer and its citation."""
        reply = self.answer(question, intent, 100.0, "details")
        if not reply.details:
            return replace(reply, answer=f"这就是全部了。\n{reply.answer}")
        text = reply.details.rpartition("\n出处：")[0]  # the citation is `source` already
        return replace(reply, answer=text, details="")

    def decline(self, question: str, text: str, reason: str, match: Match | None) -> Reply:
        """A reply that does not answer, says why kindly, and offers what it can."""
        suggestions: tuple[Option, ...] = ()
        score = 0.0
        if match is not None and match.best is not None:
            score = match.best.score
            if match.verdict is Verdict.UNSURE:
                suggestions = self._offered(match)
        return Reply(question, False, text, reason, score=score, suggestions=suggestions)

    @staticmethod
    def _offered(match: Match) -> tuple[Option, ...]:
        """The guesses good enough to offer ("您是不是想问"): the best few, none weak."""
        return tuple(
            Option(c.intent.id, c.intent.title, c.score)
            for c in match.candidates[:MAX_SUGGESTIONS]
            if c.score >= SUGGESTION_FLOOR
        )

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
                "这件事我们这里的资料里没有，我答不了，也不敢乱说。\n"
                f"{self.ask_line}\n{self.menu_line}"
            )
        elif match.verdict is Verdict.UNSURE and self._offered(match):
            text = (
                "我不太确定您问的是哪一项，怕说错。\n"
                "您看看下面哪一个是您想问的；也可以换个说法再问一次。\n"
                f"{self.ask_line}"
            )
        elif match.verdict is Verdict.UNSURE and match.best is not None:
            text = (  # every guess too weak to offer: nothing below to look at
                "我不太确定您问的是哪一项，怕说错。\n"
                "请换个说法再问一次，说清是哪项政策、想知道啥。\n"
                f"{self.menu_line}\n{self.ask_line}"
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
