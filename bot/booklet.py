"""The booklet as typed data: sources, topics, intents and word lists."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    field_validator,
    model_validator,
)
from pydantic_core import core_schema

Aspect = Literal["what", "who", "amount", "apply", "contact", "stats", "kinds", "other"]

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_ID = 40  # ids travel in Telegram's callback data (64 bytes) and inline result ids
SHORT_MAX = 80  # characters of an answer's first part: one phone screen, read in a breath
BUTTON_MAX = 16  # characters of a button's title on a phone
_INTENT_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("不能是空的")
    return value


def _numbers_as_text(value: object) -> object:
    """A keyword written as a bare number (116, 8.9) means the text of that number."""
    if isinstance(value, list):
        return [
            str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v for v in value
        ]
    return value


# a keyword written as a bare number (116, 337) is the text of that number
Keywords = Annotated[list[str], BeforeValidator(_numbers_as_text)]


CARD_POINT_MAX = 24  # characters of a card's key point: two lines of big text at most
CARD_POINTS_MAX = 5  # key points on one card


def _one_emoji(value: str) -> str:
    """A pictogram is one emoji: one symbol, optionally with the emoji selector U+FE0F.
    Whether the emoji font draws it is checked by tests/test_cards.py (it needs the font)."""
    base = value.removesuffix("\ufe0f")
    if len(base) != 1 or unicodedata.category(base) != "So":
        raise ValueError(f"{value!r} 不是一个表情符号：请只写一个图标，比如 👵 🏥 💰 🏠")
    return value


class CardPointSpec(_Strict):
    """A card's key point written out in full: `{text, icon, sources}`."""

    text: str = Field(min_length=1, max_length=CARD_POINT_MAX)
    icon: Annotated[str, AfterValidator(_one_emoji)] | None = None  # one emoji: 👵 🏥 💰
    sources: list[str] = Field(default_factory=list)  # ids from booklet.yaml's sources

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        return _not_blank(value)


class CardPoint(str):
    """One key point of a picture card: its text (the str itself), a pictogram and the
    sources its fact comes from. The booklet writes it as plain text (the old form: no
    pictogram, no source) or as `{text, icon, sources}`. Being a str, code that reads a
    card's points as text still works; two points with the same text are equal."""

    icon: str | None
    sources: tuple[str, ...]

    def __new__(
        cls, text: str, icon: str | None = None, sources: tuple[str, ...] = ()
    ) -> CardPoint:
        point = super().__new__(cls, text)
        point.icon = icon
        point.sources = tuple(sources)
        return point

    def spec(self) -> dict[str, Any]:
        """The point as the booklet writes it in full (what model_dump gives)."""
        return {"text": str(self), "icon": self.icon, "sources": list(self.sources)}

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def written_out(value: object) -> object:
            if isinstance(value, CardPoint):
                return value.spec()
            return value if isinstance(value, dict) else {"text": value}

        def point(spec: CardPointSpec) -> CardPoint:
            return cls(spec.text, spec.icon, tuple(spec.sources))

        return core_schema.no_info_before_validator_function(
            written_out,
            core_schema.no_info_after_validator_function(
                point, handler.generate_schema(CardPointSpec)
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(CardPoint.spec),
        )


class Source(_Strict):
    """Where a fact comes from, with the place and year it holds for."""

    title: str = Field(min_length=1)
    place: str = Field(min_length=1)
    year: str = Field(min_length=1)
    # how a household is told where it comes from ("枣庄日报2018年的报道"); the title
    # when not given
    plain: str = ""

    def cite(self) -> str:
        """The exact citation (under "详细说说")."""
        return f"{self.title}（{self.place}，{self.year}年）"


class Intent(_Strict):
    """One question a person really has, and its answer."""

    id: str
    aspect: Aspect
    title: str = Field(min_length=1)
    examples: list[str] = Field(min_length=8)
    # the answer itself in a breath: the rule with its figure and the next step, at most
    # SHORT_MAX characters; the answer below it is what "详细说说" shows
    short: str = Field(default="", max_length=SHORT_MAX)
    answer: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    as_of: str = Field(min_length=1)
    follow_ups: list[str] = Field(default_factory=list)
    keywords: Keywords = Field(default_factory=list)  # words that point to this intent
    title_short: str = Field(default="", max_length=BUTTON_MAX)  # a button's title

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _INTENT_ID.match(value):
            raise ValueError("问题编号要写成 主题.名字（小写字母、数字、_），比如 xiaoshan.amount")
        if len(value) > MAX_ID:
            raise ValueError(f"问题编号最多{MAX_ID}个字符")
        return value

    @field_validator("examples")
    @classmethod
    def _examples_not_blank(cls, value: list[str]) -> list[str]:
        for example in value:
            _not_blank(example)
        return value

    @field_validator("answer", "title")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        return _not_blank(value)


class Topic(_Strict):
    """One topic of the booklet: a file under policies/topics/."""

    topic: str
    title: str = Field(min_length=1)
    order: int = 100
    summary: str = Field(min_length=1)
    keywords: Keywords = Field(min_length=1)
    # the family's situation in everyday words, each a few space-separated parts that
    # must all be there ("老人 交 添": a child pays the elder and the state adds)
    situations: list[str] = Field(default_factory=list)
    intents: list[Intent] = Field(min_length=1)
    card: list[CardPoint] = Field(default_factory=list, max_length=CARD_POINTS_MAX)

    @field_validator("topic")
    @classmethod
    def _topic_shape(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("主题编号只能用小写字母、数字和 _")
        if len(value) > MAX_ID:
            raise ValueError(f"主题编号最多{MAX_ID}个字符")
        return value


class Roles(_Strict):
    """Which intents play a part in the conversation (ids from the topics)."""

    help_topic: str | None = None  # the topic kept off the menu
    greeting: str | None = None
    thanks: str | None = None
    menu: str | None = None
    wrong: str | None = None  # "不对": the last answer was not what they asked
    restart: str | None = None  # "换个问题": the conversation starts again
    overview: str | None = None  # "贫困户能享受啥": every programme in one line
    calculator: str | None = None  # the answer that works the family's numbers through
    # answers that also check the age the person gave (the same programme's other answers)
    calculator_explains: list[str] = Field(default_factory=list)
    # offered when a message names no programme ("多少钱" with nothing before it)
    choices: list[str] = Field(default_factory=list)


class Meta(_Strict):
    """policies/booklet.yaml: the booklet's name, version and sources."""

    title: str = Field(min_length=1)
    version: str = Field(min_length=1)
    region: str = Field(min_length=1)
    ask_person: str = Field(min_length=1)
    sources: dict[str, Source] = Field(min_length=1)
    roles: Roles = Field(default_factory=Roles)


class Lexicon(_Strict):
    """policies/synonyms.yaml: the words people use, mapped to the booklet's."""

    synonyms: dict[str, list[str]] = Field(default_factory=dict)
    dialect: dict[str, list[str]] = Field(default_factory=dict)
    fillers: list[str] = Field(default_factory=list)
    greetings: list[str] = Field(default_factory=list)
    thanks: list[str] = Field(default_factory=list)
    stopwords: list[str] = Field(default_factory=list)
    aspects: dict[Aspect, list[str]] = Field(default_factory=dict)
    # who asks, not what about: 低保户住院能报多少 is about hospital bills. An asker word
    # decides the topic only when nothing else in the question names one.
    askers: dict[str, list[str]] = Field(default_factory=dict)
    # words that name no programme (政策, 补贴, 钱): a message of only these and the aspect
    # words is vague: a follow-up in a conversation, else "which policy do you mean?"
    generic: list[str] = Field(default_factory=list)
    # words for poor households as a whole (贫困户, 扶贫): a message that names no programme
    # but one of these (贫困户每月有补助吗) asks what they get at all: the overview
    households: list[str] = Field(default_factory=list)
    # how a follow-up starts (那, 那么, 还有): with no topic named, it continues the last one
    continuations: list[str] = Field(default_factory=list)
    # words anywhere that point back (这么多, 这个钱, 也能): a follow-up too
    references: list[str] = Field(default_factory=list)
    # a message of only these: the last answer was wrong (不对) / a new question (换个问题)
    wrong: list[str] = Field(default_factory=list)
    restart: list[str] = Field(default_factory=list)


class Neighbour(_Strict):
    """A programme next to the booklet's (低保, 高龄补贴 …) that it does not cover."""

    subject: str = Field(min_length=1)  # how the refusal names it
    # an entry matches when every one of its space-separated parts is in the question
    words: list[str] = Field(min_length=1)
    # ... unless one of these is there too (脱贫了低保还给吗 is the booklet's 四不脱)
    unless: list[str] = Field(default_factory=list)


class Scope(_Strict):
    """policies/scope.yaml: words that mark a question the booklet does not cover."""

    out_of_scope: list[str] = Field(default_factory=list)
    domain: list[str] = Field(default_factory=list)
    neighbours: list[Neighbour] = Field(default_factory=list)
    # the region the rules hold for (and 山东 for the province-wide facts)
    home_places: list[str] = Field(default_factory=list)
    # words the gazetteer would read as places (新乡村 is not 新乡)
    not_places: list[str] = Field(default_factory=list)


def _combination(value: str) -> str:
    """ "住院|医院 没钱|拿不出钱": space-separated parts, each a few words separated by |."""
    parts = value.split()
    if not parts:
        raise ValueError("不能是空的")
    for part in parts:
        if any(not w.strip() for w in part.split("|")):
            raise ValueError(
                f"{part!r} 里有一个空词（两个 | 连在一起，或 | 在开头或结尾）："
                "这样每个问题都会被标成紧急"
            )
    return value


def _regex(value: str) -> str:
    try:
        compiled = re.compile(value)
    except re.error as exc:
        raise ValueError(f"不是正确的正则表达式：{exc}") from None
    if compiled.search("") is not None:
        raise ValueError("这个正则表达式能匹配空的文字：这样每个问题都会被标成紧急")
    return value


# words that must all be there, each part a choice of words: "住院|医院 没钱|拿不出钱"
Combination = Annotated[str, AfterValidator(_combination)]
UrgencyRegex = Annotated[str, AfterValidator(_regex)]
Word = Annotated[str, AfterValidator(_not_blank)]


class UrgencyRule(_Strict):
    """One kind of emergency (住院没钱, 房子要塌 …): answered as usual, and flagged."""

    id: str
    label: str = Field(min_length=1, max_length=20)  # what an officer reads: 住院没钱
    # a question is flagged when one entry has a word of each of its parts
    words: list[Combination] = Field(default_factory=list)
    regex: list[UrgencyRegex] = Field(default_factory=list)  # for what words cannot say
    unless: list[Word] = Field(default_factory=list)  # ... but not when one of these is there

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("规则编号只能用小写字母、数字和 _（比如 hospital_no_money）")
        if len(value) > MAX_ID:
            raise ValueError(f"规则编号最多{MAX_ID}个字符")
        return value

    @field_validator("label")
    @classmethod
    def _label_not_blank(cls, value: str) -> str:
        return _not_blank(value)

    @model_validator(mode="after")
    def _says_when(self) -> UrgencyRule:
        if not self.words and not self.regex:
            raise ValueError("规则要有 `words`（或 `regex`），说明什么样的问题算紧急")
        return self


class Urgency(_Strict):
    """policies/urgency.yaml: the emergencies an officer must hear about at once."""

    rules: list[UrgencyRule] = Field(default_factory=list)

    @property
    def labels(self) -> dict[str, str]:
        """Rule id -> the label an officer reads."""
        return {r.id: r.label for r in self.rules}


@dataclass(frozen=True)
class Booklet:
    """The whole validated booklet, ready for the matcher."""

    meta: Meta
    topics: tuple[Topic, ...]
    lexicon: Lexicon
    scope: Scope
    intents: dict[str, Intent] = field(default_factory=dict)
    topic_of: dict[str, Topic] = field(default_factory=dict)
    urgency: Urgency = field(default_factory=Urgency)

    @classmethod
    def build(cls, meta: Meta, topics: list[Topic], lexicon: Lexicon, scope: Scope,
              urgency: Urgency | None = None) -> Booklet:  # fmt: skip
        """Index a validated booklet by intent id."""
        ordered = tuple(sorted(topics, key=lambda t: (t.order, t.topic)))
        intents = {i.id: i for t in ordered for i in t.intents}
        topic_of = {i.id: t for t in ordered for i in t.intents}
        return cls(meta, ordered, lexicon, scope, intents, topic_of, urgency or Urgency())

    @property
    def menu_topics(self) -> tuple[Topic, ...]:
        """The topics a menu shows: all but the help topic (booklet.yaml's roles)."""
        return tuple(t for t in self.topics if t.topic != self.meta.roles.help_topic)

    def cite(self, intent: Intent) -> str:
        """The source line for an intent's answer, with the date its facts hold for."""
        names = "；".join(self.meta.sources[s].cite() for s in intent.sources)
        return f"{names}；信息时间：{intent.as_of}"

    def plain_cite(self, intent: Intent) -> str:
        """Where an intent's answer comes from, as a household is told it."""
        sources = (self.meta.sources[s] for s in intent.sources)
        return "、".join(dict.fromkeys(s.plain or s.title for s in sources))
