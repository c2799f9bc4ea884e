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

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

import numpy as np
from rapidfuzz import fuzz, process

from bot.booklet import Aspect, Booklet, Intent
from bot.normalize import Kind, Normalized, Normalizer
from bot.phonetic import PhoneticRepair
from bot.segment import Segmenter


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
HINT_BONUS = 25.0  # a follow-up leaves the conversation's topic only for a clearly better fit
NAMED_TOPIC = 50.0  # topic evidence at least this strong: the question names its topic
MAX_CANDIDATES = 300  # example rows scored by rapidfuzz per question
LONG_MESSAGE = 30  # characters: a longer message is also scored by its question part


class Verdict(Enum):
    """Why the matcher answered or did not."""

    MATCHED = "matched"
    OUT_OF_SCOPE = "out_of_scope"  # names a subject the booklet does not cover
    OFF_TOPIC = "off_topic"  # shares no word with the booklet
    UNSURE = "unsure"  # too low, or two topics too close
    NOT_TEXT = "not_text"  # empty, greeting, thanks, too long: see Normalized.kind


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

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def _pairs(text: str) -> list[str]:
    """Character pairs within each word of a segmented text."""
    return [w[i : i + 2] for w in text.split(" ") for i in range(max(1, len(w) - 1))]


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
        self.normalizer = Normalizer(lexicon, self._phonetic)
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
        self._intents_with: dict[str, list[int]] = {}
        for k, words in enumerate(vocab_of):
            for w in words:
                self._intents_with.setdefault(w, []).append(k)
        position = {t.topic: n for n, t in enumerate(booklet.topics)}
        self._topic_index = np.array([position[booklet.topic_of[i.id].topic] for i in self.intents])
        aspects = sorted({i.aspect for i in self.intents})
        self._aspect_names = aspects
        self._aspect_code = np.array([aspects.index(i.aspect) for i in self.intents])

        # keywords, each distinct word once: which topics (and how surely), which intents
        self._topic_keywords: dict[str, list[tuple[int, float]]] = {}
        for t, topic in enumerate(booklet.topics):
            for word in {normal(k) for k in topic.keywords}:
                weight = self._keyword_weight[(topic.topic, word)]
                self._topic_keywords.setdefault(word, []).append((t, weight))
        intent_keywords: dict[str, list[int]] = {}
        for k, intent in enumerate(self.intents):
            for word in {normal(w) for w in intent.keywords}:
                intent_keywords.setdefault(word, []).append(k)
        self._intent_keywords = {w: np.array(ks) for w, ks in intent_keywords.items()}

        # candidate rows for fuzzy scoring: rows sharing character pairs with the question
        self._row_intent = np.repeat(np.arange(n), np.diff(np.append(self._starts, len(rows))))
        postings: dict[str, list[int]] = {}
        for r, row in enumerate(rows):
            for pair in _pairs(row):
                postings.setdefault(pair, []).append(r)
        self._rows_with = {p: np.array(rs, dtype=np.int64) for p, rs in postings.items()}
        self._pair_idf = {p: math.log(1 + len(rows) / len(rs)) for p, rs in postings.items()}

    def tokens(self, text: str) -> list[str]:
        """The content words of normalized text."""
        return [w for w in self.segmenter.words(text) if w not in self._stop]

    def match(self, raw: str, topic_hint: str | None = None) -> Match:
        """Score every intent against a question and decide. `topic_hint`: the topic the
        conversation is on; it counts only when the question names no topic itself."""
        normal = self.normalizer(raw)
        if normal.kind is not Kind.TEXT:
            return Match(Verdict.NOT_TEXT, normal, ())
        text = normal.text
        tokens = self.tokens(text)
        if not tokens:
            return Match(Verdict.OFF_TOPIC, normal, ())
        evidence = self.evidence(text, tokens, normal.surface)
        if topic_hint is not None:
            evidence = self._with_hint(evidence, topic_hint)
        return self.decide(normal, evidence)

    def _with_hint(self, evidence: Evidence, topic: str) -> Evidence:
        """ "那要什么条件" after 孝善养老: the topic the question leaves out is the last one."""
        named = float(evidence.whole["topic"].max(initial=0.0))
        index = [t.topic for t in self.booklet.topics]
        if named >= NAMED_TOPIC or topic not in index:
            return evidence  # the question names a topic of its own: it switches
        whole = dict(evidence.whole)
        whole["topic"] = np.where(self._topic_index == index.index(topic), 100.0, 0.0)
        return Evidence(whole, evidence.focus, evidence.asked, hint=index.index(topic))

    def evidence(self, text: str, tokens: list[str], surface: str = "") -> Evidence:
        """All the evidence about a question: of the whole and, when long, of its question."""
        focus = self._focus(text)
        return Evidence(
            self.features(text, tokens),
            self._focus_features(focus) if focus is not None else None,
            self._focus(surface) or surface,
        )

    def decide(self, normal: Normalized, evidence: Evidence) -> Match:
        """Weigh the evidence with the current tuning and decide (pure)."""
        scores = self.combine(evidence.whole)
        if evidence.hint is not None:  # staying on the topic needs no more proof
            scores = scores + np.where(self._topic_index == evidence.hint, HINT_BONUS, 0.0)
            scores = np.minimum(scores, 100.0)
        focus_scores = None
        if evidence.focus is not None:
            focus_scores = self.combine(evidence.focus)
            w = self.tuning.focus_weight
            scores = (1 - w) * scores + w * focus_scores
        order = np.argsort(-scores, kind="stable")[:5]
        candidates = tuple(Candidate(self.intents[k], round(float(scores[k]), 1)) for k in order)
        closest = float(evidence.whole["fuzzy"][order[0]])  # its best example, already scored
        verdict = self._verdict(
            normal, candidates, evidence.asked, closest, evidence.hint is not None
        )
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
            return {name: zero for name in ("fuzzy", "words", "topic", "aspect", "intent")}
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
            for k in self._intents_with.get(token, ()):
                words[k] += weight
        words = 100.0 * words / total if total else words

        by_topic = np.zeros(len(self.booklet.topics))
        for word, places in self._topic_keywords.items():
            if word in text:
                for t, weight in places:
                    by_topic[t] = max(by_topic[t], 100.0 * weight)
        topic = by_topic[self._topic_index]

        asked = {a for a, p in self._aspects.items() if p is not None and p.search(text)}
        if _AGE.search(text):
            asked.add("who")  # 俺爹71岁: is he old enough
        if not asked:
            asked = {"what", "other"}  # a topic named with no question about it: what is it
        codes = [self._aspect_names.index(a) for a in asked if a in self._aspect_names]
        aspect = np.where(np.isin(self._aspect_code, codes), 100.0, 0.0)

        own = np.zeros(len(self.intents))
        for word, intents in self._intent_keywords.items():
            if word in text:
                own[intents] = 100.0
        return {"fuzzy": fuzzy, "words": words, "topic": topic, "aspect": aspect, "intent": own}

    def _fuzzy(self, query: str) -> np.ndarray:
        """rapidfuzz over the example rows that share character pairs with the question
        (the best MAX_CANDIDATES of them by rarity), best row per intent."""
        weights = np.zeros(len(self._rows))
        for pair in set(_pairs(query)):
            rows = self._rows_with.get(pair)
            if rows is not None:
                weights[rows] += self._pair_idf[pair]
        candidates = np.flatnonzero(weights)
        if len(candidates) > MAX_CANDIDATES:
            best = np.argpartition(-weights[candidates], MAX_CANDIDATES)[:MAX_CANDIDATES]
            candidates = np.sort(candidates[best])
        fuzzy = np.zeros(len(self.intents))
        if len(candidates):
            choices = [self._rows[r] for r in candidates]
            scores = process.cdist([query], choices, scorer=fuzz.token_set_ratio)[0]
            np.maximum.at(fuzzy, self._row_intent[candidates], scores)
        return fuzzy

    def _verdict(
        self, normal: Normalized, candidates: tuple[Candidate, ...], asked: str,
        closest: float, hinted: bool = False,
    ) -> Verdict:  # fmt: skip
        if self._out_of_scope is not None and self._out_of_scope.search(asked):
            return Verdict.OUT_OF_SCOPE
        best = candidates[0]
        no_booklet_word = self._domain is None or not self._domain.search(normal.text)
        if not hinted and no_booklet_word and closest < self.tuning.fuzzy_without_domain:
            return Verdict.OFF_TOPIC
        if best.score < self.tuning.threshold:
            return Verdict.UNSURE
        best_topic = self.booklet.topic_of[best.intent.id].topic
        for other in candidates[1:]:
            if self.booklet.topic_of[other.intent.id].topic != best_topic:
                if best.score - other.score < self.tuning.margin:
                    return Verdict.UNSURE
                break
        return Verdict.MATCHED
