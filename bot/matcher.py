"""Find the intent a question asks for, or decide honestly that there is none.

The index is built once from the booklet; matching is pure and in memory.
Each intent gets a score from four kinds of evidence:

- fuzzy: rapidfuzz over jieba-segmented words, against the intent's examples (only the
  examples that share character pairs with the question: an inverted index);
- words: how much of the question, weighted by rarity, the intent's own words cover;
- topic: the question names the topic (a keyword of it, after synonyms);
- aspect: the question asks what the intent answers (who, how much, how to apply, ...).

It refuses when the question names a subject the booklet does not cover, shares
no word with the booklet, scores too low, or when two topics score too close.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

import numpy as np
from rapidfuzz import fuzz, process

from bot.amounts import find_age, find_payment
from bot.booklet import Aspect, Booklet, Intent
from bot.normalize import NEUTRAL_ASKER, Kind, Normalized, Normalizer
from bot.phonetic import PhoneticRepair
from bot.places import Place, PlaceFinder, later_year, load_gazetteer
from bot.segment import Segmenter
from bot.shapes import ShapeRepair, load_groups


@dataclass(frozen=True)
class Tuning:
    """Weights of the evidence and the refusal rules. Calibrated on tests/eval/dev.yaml
    only; tests/eval/holdout.yaml is kept apart to measure the result honestly."""

    fuzzy: float = 0.50
    words: float = 0.30
    topic: float = 0.20
    aspect: float = 0.05
    intent: float = 0.15
    threshold: float = 46.0  # below this the bot does not answer
    margin: float = 3.0  # best and runner-up of another topic closer than this: ask which
    fuzzy_without_domain: float = 80.0  # no booklet word at all: needs a very close example
    focus_weight: float = 0.3  # a long message: share of the score from its question part
    focus_floor: float = 25.0  # the answer must be supported by the question part itself


_AGE = re.compile(r"\d+岁")
_ASKS = re.compile(
    r"吗|呢|么|啥|咋|多少|怎么|什么|谁|哪|能不能|是不是|有没有|行不行|(?:不|没|没有)$"
)
_DIGIT = re.compile(r"\d")
_CAN_I = re.compile(r"我(?:家)?(?:也)?(?:能|可以|够).{0,8}(?:不|吗|没)$")
_DEFINES = re.compile(r"是什么|什么是|什么意思|什么叫|指的是|怎么回事")
_COMPARES = re.compile(r"一回事|一样|区别|不同|两码事")
_NUMBERISH = re.compile(r"^[\d.%]+(?:岁|元|块|月|年|季度)?$")
LAST_ANSWER_BONUS = 60.0  # intent evidence for the answer a message points back to
SHORT_FOLLOW_UP = 12  # characters: a message this short names its topic, or continues
STRONG_FACTOR = 6.0  # ... and by how much more, when it is all the message says
VAGUE_ASPECT = 4.0  # a vague follow-up: what it asks weighs this much more
SWITCH = 15.0  # topic evidence for another topic that ends the conversation's
NAMED_SLACK = 12.0  # in a conversation, one topic named outright and alone: this much
CONTINUED_SLACK = 8.0  # a follow-up on a known topic may score this much under threshold
FOLLOW_UP_FIT = 58.0  # a follow-up in other words must fit its topic's questions this well
HINT_BONUS = 25.0  # a follow-up leaves the conversation's topic only for a clearly better fit
NAMED_TOPIC = 50.0  # topic evidence at least this strong: the question names its topic
MAX_CANDIDATES = 300  # example rows scored by rapidfuzz per question (at most)
MIN_CANDIDATES = 80  # ... and at least, however long the question
CANDIDATE_CHARS = 6000  # ... about this many query characters times rows
LONG_MESSAGE = 30  # characters: a longer message is also scored by its question part


class Verdict(Enum):
    """Why the matcher answered or did not."""

    MATCHED = "matched"
    OUT_OF_SCOPE = "out_of_scope"  # names a subject the booklet does not cover
    OFF_TOPIC = "off_topic"  # shares no word with the booklet
    UNSURE = "unsure"  # too low, or two topics too close
    NOT_TEXT = "not_text"  # empty, greeting, thanks, too long: see Normalized.kind
    ELSEWHERE = "elsewhere"  # about another province, city or county
    OUTDATED = "outdated"  # about a year after the booklet's facts
    NEIGHBOUR = "neighbour"  # a programme next to the booklet's (低保标准, 高龄补贴)
    VAGUE = "vague"  # names no programme and nothing to continue: which one?


Features = dict[str, np.ndarray]


@dataclass(frozen=True)
class Evidence:
    """The features of a question for every intent; `focus` for a long message's question."""

    whole: Features
    focus: Features | None
    asked: str  # the text checked for subjects the booklet does not cover
    hint: int | None = None  # the conversation's topic (index), when the question names none


@dataclass(frozen=True)
class Candidate:
    """An intent and how well it fits, 0-100."""

    intent: Intent
    score: float


@dataclass(frozen=True)
class Match:
    """The matcher's decision about one question."""

    verdict: Verdict
    normalized: Normalized
    candidates: tuple[Candidate, ...]  # best first, one per intent
    subject: str = ""  # what a refusal is about: the place, the year, the programme
    text: str = ""  # the words the decision was made on (the question, or with `pending`)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def _pairs(text: str) -> list[str]:
    """Character pairs within each word of a segmented text."""
    return [w[i : i + 2] for w in text.split(" ") for i in range(max(1, len(w) - 1))]


def _word_set(text: str) -> str:
    """A segmented text as token_set_ratio reads it: its distinct words, sorted."""
    return " ".join(sorted(set(text.split())))


def _alternation(words: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted({w for w in words if w.strip()}, key=lambda w: (-len(w), w))
    return re.compile("|".join(map(re.escape, ordered))) if ordered else None


class Matcher:
    """An index of the booklet, built once; `match` is pure and in memory."""

    def __init__(self, booklet: Booklet, tuning: Tuning | None = None) -> None:
        self.booklet = booklet
        self.tuning = tuning or Tuning()
        lexicon = booklet.lexicon
        keywords = [k for t in booklet.topics for k in t.keywords]
        phrases = [k for t in booklet.topics for i in t.intents for k in i.keywords]
        terms = [
            *keywords,
            *phrases,
            *lexicon.synonyms,
            *lexicon.dialect,
            *(w for cues in lexicon.aspects.values() for w in cues),
        ]
        self.segmenter = Segmenter(terms)
        # sound-alike repair only ever yields terms, never phrases such as 怎么贷
        vocabulary = [
            *keywords,
            *lexicon.synonyms,
            *(v for vs in lexicon.synonyms.values() for v in vs),
        ]
        self._phonetic = PhoneticRepair(vocabulary, self.segmenter.frequency)
        shapes = ShapeRepair(vocabulary, self.segmenter.frequency, _shape_groups())
        self.normalizer = Normalizer(
            lexicon, self._phonetic, [*keywords, *lexicon.synonyms], shapes.fix
        )
        self._stop = set(lexicon.stopwords)

        # topic keywords, in the booklet's words, each weighted by how much it belongs
        # to its topic alone: a word that other topics' examples use too (建档立卡,
        # 房子) is context more than topic
        memo: dict[str, str] = {}

        def normalized(text: str) -> str:
            """Each booklet text normalized once while the index is built."""
            if text not in memo:
                memo[text] = self.normalizer(text).text
            return memo[text]

        def normal(word: str) -> str:
            """A keyword in the booklet's words (itself when nothing is left)."""
            return normalized(word) or word

        examples_of = {
            t.topic: [normalized(e) for i in t.intents for e in (i.title, *i.examples)]
            for t in booklet.topics
        }
        self._keyword_weight: dict[tuple[str, str], float] = {}
        for topic in booklet.topics:
            for word in {normal(k) for k in topic.keywords}:
                others = sum(
                    any(word in e for e in texts)
                    for name, texts in examples_of.items()
                    if name != topic.topic
                )
                self._keyword_weight[(topic.topic, word)] = 1.0 / (1.0 + others)
        domain = [*keywords, *booklet.scope.domain, *lexicon.synonyms]
        self._domain = _alternation(normal(k) for k in domain)
        self._out_of_scope = _alternation(w.lower() for w in booklet.scope.out_of_scope)
        scope = booklet.scope
        self._places = PlaceFinder(_gazetteer(), scope.home_places, scope.not_places)
        self._neighbours = [
            (
                n.subject,
                [frozenset(normal(part) for part in entry.split()) for entry in n.words],
                tuple(normal(u) for u in n.unless),
            )
            for n in scope.neighbours
        ]
        self._neighbour_parts = frozenset(
            part for _, entries, _ in self._neighbours for entry in entries for part in entry
        )
        generic = [*lexicon.generic, *lexicon.stopwords, NEUTRAL_ASKER]
        generic += [w for cues in lexicon.aspects.values() for w in cues]
        self._generic = _alternation(normal(w) for w in generic)
        self._continuation = _alternation(w.lower() for w in lexicon.continuations)
        self._households = _alternation(normal(w) for w in lexicon.households)
        self._reference = _alternation(w.lower() for w in lexicon.references)
        roles = booklet.meta.roles
        self._own_topic = {roles.overview, roles.menu, roles.greeting} - {None}
        overview = booklet.intents.get(roles.overview) if roles.overview else None
        self._overview = overview
        self._overview_id = None if overview is None else overview.id
        self._overview_name = None if overview is None else booklet.topic_of[overview.id].topic
        self._aspects: dict[Aspect, re.Pattern[str] | None] = {
            aspect: _alternation(normal(c) for c in cues)
            for aspect, cues in lexicon.aspects.items()
        }

        # one row per example (titles too), grouped by intent
        self.intents: list[Intent] = [i for t in booklet.topics for i in t.intents]
        rows: list[str] = []
        starts: list[int] = []
        vocab_of: list[set[str]] = []
        for intent in self.intents:
            starts.append(len(rows))
            words: set[str] = set()
            for text in (intent.title, *intent.examples):
                tokens = self.tokens(normalized(text))
                words.update(tokens)
                rows.append(" ".join(tokens))
            vocab_of.append(words)
        self._rows = rows
        # rapidfuzz's token_set_ratio sees only the set of words: each row as its words,
        # once each and sorted, costs it less to take apart
        self._row_texts = np.array([_word_set(row) for row in rows], dtype=object)
        self._starts = np.array(starts, dtype=np.int64)
        # pinyin typed on purpose may spell any word the booklet uses ("jiedui帮扶")
        self._phonetic.learn_spoken(w for ws in vocab_of for w in ws)
        n = len(self.intents)
        df: dict[str, int] = {}
        for words in vocab_of:
            for w in words:
                df[w] = df.get(w, 0) + 1
        self._idf = {w: math.log(1 + n / d) for w, d in df.items()}
        self._unknown_idf = math.log(1 + n)
        intents_with: dict[str, list[int]] = {}
        for k, words in enumerate(vocab_of):
            for w in words:
                intents_with.setdefault(w, []).append(k)
        self._intents_with = {w: np.array(ks, dtype=np.int64) for w, ks in intents_with.items()}
        self._topic_position = {t.topic: n for n, t in enumerate(booklet.topics)}
        self._overview_topic = (
            None if self._overview_name is None else self._topic_position[self._overview_name]
        )
        self._intent_position = {intent.id: k for k, intent in enumerate(self.intents)}
        self._calculator = (
            self._intent_position.get(booklet.meta.roles.calculator)
            if booklet.meta.roles.calculator
            else None
        )
        self._topic_index = np.array(
            [self._topic_position[booklet.topic_of[i.id].topic] for i in self.intents]
        )
        aspects = sorted({i.aspect for i in self.intents})
        self._aspect_names = aspects
        self._aspect_code = np.array([aspects.index(i.aspect) for i in self.intents])
        # the intents that answer each aspect, and, once asked, each set of aspects
        self._aspect_masks = {a: self._aspect_code == c for c, a in enumerate(aspects)}
        self._aspect_values: dict[frozenset[str], np.ndarray] = {}
        self._what_code = aspects.index("what") if "what" in aspects else None

        # keywords, each distinct word once: which topics (and how surely), which intents
        topic_keywords: dict[str, list[tuple[int, float]]] = {}
        for t, topic in enumerate(booklet.topics):
            for word in {normal(k) for k in topic.keywords}:
                weight = self._keyword_weight[(topic.topic, word)]
                topic_keywords.setdefault(word, []).append((t, weight))
        self._topic_keywords = {
            word: (np.array([t for t, _ in places], dtype=np.int64),
                   np.array([100.0 * weight for _, weight in places]))
            for word, places in topic_keywords.items()
        }  # fmt: skip
        # situations: every part present names the topic, as a keyword of its own would
        # (each distinct set of parts once, with the topics it names)
        situations: dict[frozenset[str], list[int]] = {}
        for t, topic in enumerate(booklet.topics):
            for entry in topic.situations:
                situations.setdefault(frozenset(normal(p) for p in entry.split()), []).append(t)
        self._situations = [
            (parts, np.array(ts, dtype=np.int64)) for parts, ts in situations.items()
        ]
        self._situation_parts = frozenset(p for parts, _ in self._situations for p in parts)
        intent_keywords: dict[str, list[int]] = {}
        for k, intent in enumerate(self.intents):
            for word in {normal(w) for w in intent.keywords}:
                intent_keywords.setdefault(word, []).append(k)
        self._intent_keywords = {w: np.array(ks) for w, ks in intent_keywords.items()}
        self._specific_keywords = frozenset(
            w for w in intent_keywords if self._generic is None or self._generic.sub("", w)
        )

        # candidate rows for fuzzy scoring: rows sharing character pairs with the question
        self._row_intent = np.repeat(np.arange(n), np.diff(np.append(self._starts, len(rows))))
        postings: dict[str, list[int]] = {}
        for r, row in enumerate(rows):
            for pair in _pairs(row):
                postings.setdefault(pair, []).append(r)
        self._rows_with = {p: np.array(rs, dtype=np.int64) for p, rs in postings.items()}
        self._pair_idf = {p: math.log(1 + len(rows) / len(rs)) for p, rs in postings.items()}
        # what was remembered while indexing is the booklet's: questions start afresh
        self.normalizer.forget()
        self.segmenter.forget()

    def tokens(self, text: str) -> list[str]:
        """The content words of normalized text."""
        return [w for w in self.segmenter.words(text) if w not in self._stop]

    def match(
        self, raw: str, topic_hint: str | None = None, pending: str | None = None,
        last_intent: str | None = None,
    ) -> Match:  # fmt: skip
        """Score every intent against a question and decide. `topic_hint`: the topic the
        conversation is on; it counts only for a follow-up that names no topic itself.
        `pending`: a vague question the bot asked about ("多少钱" → which policy?), read
        together with a reply that only names the policy."""
        normal = self.normalizer(raw)
        if normal.kind is Kind.EMPTY and normal.surface:
            return Match(Verdict.VAGUE, normal, ())  # "问问", "问个事": asks nothing yet
        if normal.kind is not Kind.TEXT:
            return Match(Verdict.NOT_TEXT, normal, ())
        if normal.restarted:
            topic_hint = pending = None  # "新问题，…": nothing carries over
        refused = self._elsewhere(normal)
        if refused is not None:
            return refused
        year = later_year(normal.surface)
        # who asks is not what they ask about: 低保户住院能报多少 is about hospital bills,
        # unless nothing else names a topic (低保户一个月多少钱)
        texts = [normal.neutral, normal.text] if normal.neutral else [normal.text]
        for n, text in enumerate(texts):
            found = self._match_text(
                normal, text, year, topic_hint, pending, last_intent, neutral=n < len(texts) - 1
            )
            if found.verdict is Verdict.MATCHED or n == len(texts) - 1:
                return found
        raise AssertionError("unreachable")

    def _match_text(
        self, normal: Normalized, text: str, year: int | None, topic_hint: str | None,
        pending: str | None, last_intent: str | None, neutral: bool = False,
    ) -> Match:  # fmt: skip
        """Decide on one reading of the question (askers neutral, or as they are): a
        neighbouring programme or a later year refused, a vague message, a follow-up.
        `neutral`: the asker words read as 贫困户; this reading stands only when something
        else names a topic (建档立卡户是什么 is about 建档立卡 itself)."""
        tokens = self.tokens(text)
        if not tokens:  # 俺想问个事: nothing but fillers and little words
            return Match(Verdict.VAGUE, normal, (), text=text)
        asked = self._focus(text) or text
        subject = self._neighbour(asked, text) or self._neighbour(
            self._focus(normal.surface) or normal.surface, f"{normal.surface} {text}", asked
        )
        if subject is not None:
            return Match(Verdict.NEIGHBOUR, normal, (), subject=subject, text=text)
        if year is not None:
            return Match(Verdict.OUTDATED, normal, (), subject=str(year), text=text)
        vague = self._vague(tokens)
        evidence = self.evidence(text, tokens, normal.surface)
        named = self._named(evidence) or self._leaves(evidence, topic_hint)
        if not evidence.whole["topic"].any() and asked != text:
            # a long story about a neighbouring programme with no word of the booklet's
            # topics (养老保险 … 一个月能差多少): the programme it tells of is its subject
            story = self._neighbour(text, text)
            if story is not None:
                return Match(Verdict.NEIGHBOUR, normal, (), subject=story, text=text)
        if pending and named and not self._asks(text) and not _ASKS.search(normal.surface):
            text = f"{pending} {text}"  # "多少钱" … "孝善养老的": how much, of 孝善养老
            evidence = self.evidence(text, self.tokens(text), normal.surface)
            if self._asked(pending):  # what the first message asked is the question
                whole = dict(evidence.whole)
                whole["aspect"] = whole["aspect"] * VAGUE_ASPECT
                evidence = Evidence(whole, evidence.focus, evidence.asked, hint=evidence.hint)
        continued = False
        if (
            topic_hint is not None
            and not named
            and (
                vague
                or self._continues(normal.surface)
                or self._fits(evidence, topic_hint)
                or self._short_follow_up(text)
            )
        ):
            evidence = self._with_hint(evidence, topic_hint, only=vague)
            continued = evidence.hint is not None
            if (
                continued
                and last_intent is not None
                and (self._refers(normal.surface) or not self._asks(text))
                and not self._names_intent(evidence, last_intent)
            ):
                # "这个数是啥时候的"; a message of nothing but a pointer back and
                # generic words ("这是哪年的政策") is about the last answer outright
                strong = vague and self._refers(normal.surface)
                evidence = self._prefer(evidence, last_intent, strong)
        found = self.decide(normal, evidence, topic_hint is not None)
        overview = self._overview_topic
        if (
            overview is not None
            and found.best is not None
            and self._topic_index[self._intent_position[found.best.intent.id]] == overview
            and self._points_elsewhere(evidence, overview, 0)
        ):
            found = self.decide(normal, self._without(evidence, overview), topic_hint is not None)
        if neutral and not named and not continued:
            return Match(Verdict.UNSURE, normal, found.candidates, text=text)
        best = found.best
        general = (
            not continued
            and not self._points_elsewhere(evidence, self._overview_topic, NAMED_TOPIC)
            and (
                vague
                or (
                    found.verdict is not Verdict.MATCHED
                    and self._named_only(evidence, self._overview_topic)
                )
            )
            and self._households is not None
            and self._households.search(text) is not None
            and not _DEFINES.search(text)  # 贫困户是什么: which policy, not all of them
        )
        if general and self._overview is not None:  # 贫困户每个月有补助吗: what at all
            return self._answer_with(normal, found, self._overview, text)
        if (
            vague
            and not continued
            and not named
            and (best is None or best.intent.id not in self._own_topic - {self._overview_id})
        ):
            return Match(Verdict.VAGUE, normal, found.candidates, text=text)
        return Match(found.verdict, normal, found.candidates, text=text)

    def _answer_with(self, normal: Normalized, found: Match, intent: Intent, text: str) -> Match:
        """Matched to `intent`, whatever scored first (the overview for a general question)."""
        k = self._intent_position[intent.id]
        mine = [c for c in found.candidates if c.intent.id == intent.id]
        score = max(mine[0].score if mine else 0.0, self.tuning.threshold)
        others = tuple(c for c in found.candidates if c.intent.id != intent.id)
        first = Candidate(self.intents[k], score)
        return Match(Verdict.MATCHED, normal, (first, *others), text=text)

    def _leaves(self, evidence: Evidence, topic: str | None) -> bool:
        """In a conversation on `topic`, the message points to another topic and not at
        all to this one ("那看病这块有啥保障" after 危房): it switches."""
        position = self._topic_position.get(topic) if topic else None
        if position is None:
            return False
        values = evidence.whole["topic"]
        ours = self._topic_index == position
        return bool(values[ours].max(initial=0.0) == 0 and values[~ours].max(initial=0.0) >= SWITCH)

    def _only_topic(self, features: Features, position: int) -> bool:
        """The question names the topic at `position` outright and no other at all."""
        values = features["topic"]
        ours = self._topic_index == position
        return bool(values[ours].max(initial=0.0) >= 100.0 and not values[~ours].any())

    def _named_only(self, evidence: Evidence, position: int | None) -> bool:
        """The only topic the question's words point to is the one at `position`."""
        if position is None:
            return False
        named = evidence.whole["topic"] > 0
        return bool(named.any()) and bool((self._topic_index[named] == position).all())

    def _names_other(self, evidence: Evidence, position: int | None, floor: float = 0) -> bool:
        """The question names a topic other than the one at `position` (精准扶贫的小额贷款
        names 小额信贷: the overview gives way to it), with evidence above `floor`."""
        named = evidence.whole["topic"] > floor
        return bool((named & (self._topic_index != position)).any())

    def _points_elsewhere(self, evidence: Evidence, position: int | None, floor: float) -> bool:
        """A topic other than the one at `position` is named (above `floor`), or a word of
        one of its questions is there (贷不上)."""
        if self._names_other(evidence, position, floor):
            return True
        return bool((evidence.whole["specific"][self._topic_index != position] > 0).any())

    def _without(self, evidence: Evidence, position: int) -> Evidence:
        """The evidence with one topic's intents out of the running."""
        keep = self._topic_index != position

        def cut(features: Features) -> Features:
            return {name: np.where(keep, values, 0.0) for name, values in features.items()}

        focus = None if evidence.focus is None else cut(evidence.focus)
        return Evidence(cut(evidence.whole), focus, evidence.asked, hint=evidence.hint)

    def _elsewhere(self, normal: Normalized) -> Match | None:
        """A question about what the booklet does not hold, seen in its words as written:
        a subject it does not cover, another place."""
        asked = self._focus(normal.surface) or normal.surface
        if self._out_of_scope is not None and self._out_of_scope.search(asked):
            return Match(Verdict.OUT_OF_SCOPE, normal, (), text=normal.text)
        place = self._places.foreign(normal.written or normal.surface)
        if place is not None:
            return Match(Verdict.ELSEWHERE, normal, (), subject=place.said, text=normal.text)
        return None

    def _fits(self, evidence: Evidence, topic: str) -> bool:
        """A follow-up in other words ("为啥俺家比他家少" after 分红): the question is
        close to one of the conversation topic's own questions, without the topic."""
        position = self._topic_position.get(topic)
        if position is None:
            return False
        whole = evidence.whole
        ours = self._topic_index == position
        if whole["intent"][ours].max(initial=0.0) > 0:
            return True  # a word that points to one of its questions ("上哪贷" → 去哪贷)
        support = self.tuning.fuzzy * whole["fuzzy"] + self.tuning.words * whole["words"]
        support = support / (self.tuning.fuzzy + self.tuning.words)
        return bool(support[ours].max(initial=0.0) >= FOLLOW_UP_FIT)

    def _names_intent(self, evidence: Evidence, other_than: str) -> bool:
        """The message holds a word of another intent's own ("比他家少": how much)."""
        k = self._intent_position.get(other_than)
        own = evidence.whole["intent"]
        named = np.flatnonzero(own > 0)
        return bool(len(named)) and k not in named

    def _short_follow_up(self, text: str) -> bool:
        """A short message in the booklet's world that names no topic ("钱是谁给俺爹送
        过去" after 孝善): in a conversation it is about the conversation's topic."""
        if len(text) > SHORT_FOLLOW_UP:
            return False
        if _DIGIT.search(text):
            return True  # 俺今年虚岁七十, 一个月五百: the numbers for the last question
        return self._domain is not None and self._domain.search(text) is not None

    def _refers(self, surface: str) -> bool:
        return self._reference is not None and self._reference.search(surface) is not None

    def _prefer(self, evidence: Evidence, intent_id: str, strong: bool = False) -> Evidence:
        """A message that points back ("这么多", "这个数") is about the last answer."""
        k = self._intent_position.get(intent_id)
        if k is None:
            return evidence
        whole = dict(evidence.whole)
        whole["intent"] = whole["intent"].copy()
        bonus = LAST_ANSWER_BONUS * (STRONG_FACTOR if strong else 1)
        whole["intent"][k] = max(float(whole["intent"][k]), 100.0) + bonus
        return Evidence(whole, evidence.focus, evidence.asked, hint=evidence.hint)

    def _neighbour(self, asked: str, text: str, also: str = "") -> str | None:
        """The neighbouring programme a question asks about (低保标准 …), if any: named
        in its question part `asked`, with no `unless` word there (nor in `also`, the same
        part in the booklet's words: fupin daikuan). A comparison ("跟养老保险是一回事不")
        is about the booklet's programme the message names anywhere."""
        present = {part for part in self._neighbour_parts if part in asked}
        if not present:
            return None
        scope = text if _COMPARES.search(asked) else f"{asked} {also}"
        for subject, entries, unless in self._neighbours:
            if any(entry <= present for entry in entries) and not any(
                u and u in scope for u in unless
            ):
                return subject
        return None

    @staticmethod
    def _named(evidence: Evidence) -> bool:
        """The question names a topic of its own (a keyword that belongs to it)."""
        return float(evidence.whole["topic"].max(initial=0.0)) >= NAMED_TOPIC

    def _vague(self, tokens: list[str]) -> bool:
        """Only words that name no programme: 多少钱, 怎么办理, 政策, numbers (word by word,
        or across the words: 多长 时间 能批 is 多长时间 + 能 + 批)."""
        if self._generic is not None:
            rest = self._generic.sub("", "".join(tokens))
            if not rest or _NUMBERISH.match(rest):
                return True
        for token in tokens:
            rest = self._generic.sub("", token) if self._generic is not None else token
            if rest and not _NUMBERISH.match(rest):
                return False
        return True

    def _asked(self, text: str) -> set[str]:
        """The aspects a text asks about. A cue inside a longer cue of another aspect does
        not count: 鉴定标准 asks who, though 标准 alone asks how much."""
        spans = [
            (m.start(), m.end(), aspect)
            for aspect, pattern in self._aspects.items()
            if pattern is not None
            for m in pattern.finditer(text)
        ]
        return {
            aspect
            for start, end, aspect in spans
            if not any(
                a != aspect and s <= start and end <= e and e - s > end - start for s, e, a in spans
            )
        }

    def _asks(self, text: str) -> bool:
        """The message asks something itself (an aspect word: 多少, 怎么办, 条件 …)."""
        return any(p is not None and p.search(text) for p in self._aspects.values())

    def _continues(self, surface: str) -> bool:
        """Reads as a follow-up: 那…, 还有… at the start; 这么多, 这个钱, 也能 anywhere."""
        if self._continuation is not None and self._continuation.match(surface) is not None:
            return True
        return self._refers(surface)

    def _with_hint(self, evidence: Evidence, topic: str, only: bool = False) -> Evidence:
        """ "那要什么条件" after 孝善养老: the topic the question leaves out is the last one.
        `only`: the message names nothing at all ("一年给多少"): it can only be about it."""
        position = self._topic_position.get(topic)
        if self._named(evidence) or position is None:
            return evidence  # the question names a topic of its own: it switches
        ours = self._topic_index == position
        whole = dict(evidence.whole)
        whole["topic"] = np.where(ours, 100.0, 0.0)
        if only:
            whole = {name: np.where(ours, values, 0.0) for name, values in whole.items()}
            # a message that names nothing ("那能给俺钱不") says only what it asks
            whole["aspect"] = whole["aspect"] * VAGUE_ASPECT
        focus = evidence.focus
        if only and focus is not None:
            focus = {name: np.where(ours, values, 0.0) for name, values in focus.items()}
        return Evidence(whole, focus, evidence.asked, hint=position)

    def evidence(self, text: str, tokens: list[str], surface: str = "") -> Evidence:
        """All the evidence about a question: of the whole and, when long, of its question."""
        focus = self._focus(text)
        return Evidence(
            self.features(text, tokens),
            self._focus_features(focus) if focus is not None else None,
            self._focus(surface) or surface,
        )

    def decide(
        self, normal: Normalized, evidence: Evidence, in_conversation: bool = False
    ) -> Match:
        """Weigh the evidence with the current tuning and decide (pure).
        `in_conversation`: the message comes after an answered question."""
        scores = self.combine(evidence.whole)
        if evidence.hint is not None:  # staying on the topic needs no more proof
            scores = scores + np.where(self._topic_index == evidence.hint, HINT_BONUS, 0.0)
        focus_scores = None
        if evidence.focus is not None:
            focus_scores = self.combine(evidence.focus)
            w = self.tuning.focus_weight
            scores = (1 - w) * scores + w * focus_scores
        # extra weight (a vague follow-up's aspect, the hint) can pass 100: a score is 0-100
        scores = np.minimum(scores, 100.0)
        order = np.argsort(-scores, kind="stable")[:5]
        candidates = tuple(Candidate(self.intents[k], round(float(scores[k]), 1)) for k in order)
        closest = float(evidence.whole["fuzzy"][order[0]])  # its best example, already scored
        # a topic's situation (屋 塌) is the booklet's world too
        known = bool(evidence.whole["topic"].any())
        verdict = self._verdict(
            normal, candidates, evidence.asked, closest, evidence.hint is not None, known
        )
        if (
            verdict is Verdict.UNSURE
            and evidence.hint is not None
            and candidates[0].score >= self.tuning.threshold - CONTINUED_SLACK
            and self._topic_index[order[0]] == evidence.hint
            and (len(candidates) < 2 or candidates[0].score > candidates[1].score)
        ):
            # the topic is known; the best of its questions, if the message picks one out
            # (two tied: nothing in it but the hint chose, so it asks which)
            verdict = Verdict.MATCHED
        if (
            verdict is Verdict.UNSURE
            and in_conversation
            and evidence.hint is None  # named by the message, not lent by the hint
            and candidates[0].score >= self.tuning.threshold - NAMED_SLACK
            and self._only_topic(evidence.whole, int(self._topic_index[order[0]]))
        ):
            verdict = Verdict.MATCHED  # …"还有 俺那三间屋子快塌了": one topic, named outright
        if (
            verdict is Verdict.MATCHED
            and focus_scores is not None
            and focus_scores[order[0]] < self.tuning.focus_floor
        ):
            verdict = Verdict.UNSURE  # the story mentions a topic; the question is elsewhere
        return Match(verdict, normal, candidates)

    @staticmethod
    def _focus(text: str) -> str | None:
        """In a long message, its question part: the last clause that asks (吗, 怎么,
        多少, 谁 …) and the clause before it. None for a short message."""
        parts = text.split(" ")
        if len(text) < LONG_MESSAGE or len(parts) < 3:
            return None
        asking = [i for i, part in enumerate(parts) if _ASKS.search(part)]
        end = asking[-1] if asking else len(parts) - 1
        return " ".join(parts[max(0, end - 1) : end + 1])

    def _focus_features(self, focus: str) -> Features:
        tokens = self.tokens(focus)
        if not tokens:
            zero = np.zeros(len(self.intents))
            names = ("fuzzy", "words", "topic", "aspect", "intent", "specific")
            return {name: zero for name in names}
        return self.features(focus, tokens)

    def combine(self, features: Features) -> np.ndarray:
        """One score per intent, 0-100: the weighted evidence."""
        w = self.tuning
        total = w.fuzzy + w.words + w.topic + w.aspect + w.intent
        return (
            w.fuzzy * features["fuzzy"]
            + w.words * features["words"]
            + w.topic * features["topic"]
            + w.aspect * features["aspect"]
            + w.intent * features["intent"]
        ) / total

    def features(self, text: str, tokens: list[str]) -> Features:
        """Each kind of evidence for every intent, 0-100."""
        fuzzy = self._fuzzy(" ".join(tokens))

        words = np.zeros(len(self.intents))
        total = 0.0
        for token in dict.fromkeys(tokens):  # each word once, in a fixed order
            weight = self._idf.get(token, self._unknown_idf)
            total += weight
            having = self._intents_with.get(token)
            if having is not None:
                words[having] += weight
        words = 100.0 * words / total if total else words

        by_topic = np.zeros(len(self.booklet.topics))
        for word, (topics, weights) in self._topic_keywords.items():
            if word in text:
                np.maximum.at(by_topic, topics, weights)
        if self._situations:
            present = {part for part in self._situation_parts if part in text}
            for parts, topics in self._situations:
                if parts <= present:
                    by_topic[topics] = 100.0
        topic = by_topic[self._topic_index]

        asked = self._asked(text)
        paid = find_payment(text) is not None
        if paid:
            asked.add("amount")  # 俺一个月给他二百: what that brings (the age is in it)
            asked.discard("who")
        elif _CAN_I.search(text):
            asked.add("who")  # 俺能去帮人家不: may I
        elif _AGE.search(text) or find_age(text) is not None:
            asked.add("who")  # 俺爹71岁, 俺娘72了: is she old enough
        if "contact" in asked:
            asked.add("apply")  # 找谁办: where a topic has no contact answer, its how-to
        if not asked:
            asked = {"what", "other"}  # a topic named with no question about it: what is it
        aspect = self._aspect_value(frozenset(asked))

        own = np.zeros(len(self.intents))
        # 托管扶贫 适用对象: the programme's own name points to "what is it" only when
        # nothing else is asked
        asks_more = bool(asked - {"what", "other"})
        specific = np.zeros(len(self.intents))  # from words that are not generic (贷不上)
        for word, intents in self._intent_keywords.items():
            if word in text:
                if word in self._specific_keywords:
                    specific[intents] = 100.0
                if asks_more and word in self._topic_keywords:
                    own[intents[self._aspect_code[intents] != self._what_code]] = 100.0
                else:
                    own[intents] = 100.0
        if paid and self._calculator is not None and topic[self._calculator] > 0:
            own[self._calculator] = 100.0  # the answer that works the numbers through
        return {
            "fuzzy": fuzzy, "words": words, "topic": topic, "aspect": aspect, "intent": own,
            "specific": specific,
        }  # fmt: skip

    def _fuzzy(self, query: str) -> np.ndarray:
        """rapidfuzz over the example rows that share character pairs with the question
        (the best MAX_CANDIDATES of them by rarity), best row per intent."""
        weights = np.zeros(len(self._rows))
        for pair in set(_pairs(query)):
            rows = self._rows_with.get(pair)
            if rows is not None:
                weights[rows] += self._pair_idf[pair]
        candidates = np.flatnonzero(weights)
        # a long query costs more per row, and its many pairs rank the rows well
        limit = max(MIN_CANDIDATES, min(MAX_CANDIDATES, CANDIDATE_CHARS // max(1, len(query))))
        if len(candidates) > limit:
            best = np.argpartition(-weights[candidates], limit)[:limit]
            candidates = np.sort(candidates[best])
        fuzzy = np.zeros(len(self.intents))
        if len(candidates):
            choices = self._row_texts[candidates].tolist()
            scores = process.cdist([_word_set(query)], choices, scorer=fuzz.token_set_ratio)[0]
            np.maximum.at(fuzzy, self._row_intent[candidates], scores)
        return fuzzy

    def _aspect_value(self, asked: frozenset[str]) -> np.ndarray:
        """100 for the intents that answer one of the aspects `asked`, else 0 (the
        same array for the same aspects: callers never change it)."""
        found = self._aspect_values.get(asked)
        if found is None:
            mask = np.zeros(len(self.intents), dtype=bool)
            for a in asked:
                if a in self._aspect_masks:
                    mask |= self._aspect_masks[a]
            found = np.where(mask, 100.0, 0.0)
            found.flags.writeable = False
            self._aspect_values[asked] = found
        return found

    def _verdict(
        self, normal: Normalized, candidates: tuple[Candidate, ...], asked: str,
        closest: float, hinted: bool = False, known: bool = False,
    ) -> Verdict:  # fmt: skip
        best = candidates[0]
        no_booklet_word = not known and (
            self._domain is None or not self._domain.search(normal.text)
        )
        if not hinted and no_booklet_word and closest < self.tuning.fuzzy_without_domain:
            return Verdict.OFF_TOPIC
        if best.score < self.tuning.threshold:
            return Verdict.UNSURE
        best_topic = self.booklet.topic_of[best.intent.id].topic
        for other in candidates[1:]:
            if other.intent is self._overview and best_topic != self._overview_name:
                continue  # the overview touches every topic: it is no rival to one
            if self.booklet.topic_of[other.intent.id].topic != best_topic:
                if best.score - other.score < self.tuning.margin:
                    return Verdict.UNSURE
                break
        return Verdict.MATCHED


@functools.lru_cache(maxsize=1)
def _shape_groups() -> tuple[str, ...]:
    """The shipped look-alike characters, read once per process."""
    return tuple(load_groups())


@functools.lru_cache(maxsize=1)
def _gazetteer() -> dict[str, Place]:
    """The shipped gazetteer, read once per process (it never changes at run time)."""
    return load_gazetteer()
