"""Bring a question into the booklet's own words, ready for matching (pure, in memory)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

import opencc

from bot.booklet import Lexicon
from bot.numerals import arabize
from bot.phonetic import PhoneticRepair

_T2S = opencc.OpenCC("t2s")
_KEEP_CATEGORIES = ("L", "N", "Zs")
_SPACES = re.compile(r"\s+")
_MAX_PASSES = 4
NEUTRAL_ASKER = "贫困户"  # what an asker word becomes when it is not the question's topic
MAX_CHARS = 600  # longer messages are answered with a request to shorten them


class Kind(Enum):
    """What a message is, before any matching."""

    TEXT = "text"
    EMPTY = "empty"
    GREETING = "greeting"
    THANKS = "thanks"
    WRONG = "wrong"  # "不对": the last answer was not what they asked
    RESTART = "restart"  # "换个问题": start the conversation again
    TOO_LONG = "too_long"


@dataclass(frozen=True)
class Normalized:
    """A question in the booklet's words, and what kind of message it was."""

    text: str
    kind: Kind
    length: int
    surface: str = ""  # simplified and lower-cased, before any word was replaced
    # the text with the words for who asks (低保户, 建档立卡户) as the plain 贫困户: the
    # topic is what they ask about; equal to `text` when the question has no such word
    neutral: str = ""
    restarted: bool = False  # began with "新问题" / "换个问题": nothing carries over
    written: str = ""  # simplified and lower-cased, numerals as written (三元区, not 3元区)


def _t2s(text: str) -> str:
    """Traditional to simplified, to a fixed point (OpenCC maps 薴 to 苧, and 苧 to 苎)."""
    for _ in range(3):
        simple = _T2S.convert(text)
        if simple == text:
            break
        text = simple
    return text


def sanitize(raw: str) -> str:
    """Drop what no person means: control and format characters, lone surrogates,
    private-use code points, emoji and symbols; full-width forms become half-width."""
    raw = raw.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> '?'
    text = unicodedata.normalize("NFKC", raw)
    out = []
    last = len(text) - 1
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if ch == "%" or category.startswith(_KEEP_CATEGORIES):
            out.append(ch)
        elif ch == "." and 0 < i < last and text[i - 1].isdigit() and text[i + 1].isdigit():
            out.append(ch)  # 8.9
        elif category == "Cf":
            continue  # zero-width and direction marks: not even a space
        else:
            out.append(" ")  # punctuation, emoji, symbols, control characters
    return _SPACES.sub(" ", "".join(out)).strip()


_HAN4 = re.compile(r"^[\u4e00-\u9fff]{4}$")
_HAN = re.compile(r"[\u4e00-\u9fff]+")
RUNS_KEPT = 1024  # runs of Han characters whose repair is remembered


def _swapped(name: str) -> list[str]:
    """A four-character policy name as people swap its parts: 危房改造 -> 改造危房 (halves),
    建档立卡 -> 建卡立档 (second and fourth)."""
    if not _HAN4.match(name):
        return []
    return [v for v in (name[2:] + name[:2], name[0] + name[3] + name[2] + name[1]) if v != name]


def _alternation(words: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted({w for w in words if w}, key=lambda w: (-len(w), w))
    if not ordered:
        return None
    return re.compile("|".join(re.escape(w) for w in ordered))


class Normalizer:
    """traditional → simplified, width, numerals, pinyin and homophones, dialect and
    synonyms, fillers: the same steps for questions and for the booklet's examples."""

    def __init__(
        self,
        lexicon: Lexicon,
        phonetic: PhoneticRepair,
        names: Iterable[str] = (),
        shapes: Callable[[str], str] | None = None,
    ) -> None:
        """`shapes`: look-alike repairs, each run of Han characters on its own (as the
        sound-alike ones), into Han characters as many as it replaces."""
        self._phonetic = phonetic
        self._shapes = shapes  # look-alike repairs (扶贫货款 → 扶贫贷款), run by run
        # a run repaired once is not repaired again: the passes to a fixed point see the
        # same clauses again, and the booklet's examples share many
        self._repair_run = lru_cache(maxsize=RUNS_KEPT)(self._repair_han)
        self._replace: dict[str, str] = {}
        for table in (lexicon.dialect, lexicon.synonyms):
            for canonical, variants in table.items():
                for variant in variants:
                    self._replace[variant.lower()] = canonical
        for table in (lexicon.dialect, lexicon.synonyms):
            # a canonical word matches as itself, so 一站式结算 is not read as 一站式 + 结算
            for canonical in table:
                self._replace.setdefault(canonical.lower(), canonical)
        for name in names:  # 建卡立档, 改造危房: a policy name with its parts swapped
            for swapped in _swapped(name):
                self._replace.setdefault(swapped, self._replace.get(name, name))
        for filler in lexicon.fillers:
            self._replace[filler.lower()] = " "
        self._neutral = dict(self._replace)
        for canonical, variants in lexicon.askers.items():
            for variant in variants:
                self._replace[variant.lower()] = canonical
                self._neutral[variant.lower()] = NEUTRAL_ASKER
            self._replace.setdefault(canonical.lower(), canonical)
        self._asker = _alternation(v.lower() for vs in lexicon.askers.values() for v in vs)
        social = {w.lower(): Kind.GREETING for w in lexicon.greetings}
        social.update({w.lower(): Kind.THANKS for w in lexicon.thanks})
        social.update({w.lower(): Kind.WRONG for w in lexicon.wrong})
        social.update({w.lower(): Kind.RESTART for w in lexicon.restart})
        self._social = social
        # "你好，…" and "…，谢谢": dropped at the start and the end of a real question only,
        # so that 身体不好的 keeps its 好的
        greetings = _alternation(w.lower() for w in (*lexicon.greetings, *lexicon.wrong))
        thanks = _alternation(w.lower() for w in lexicon.thanks)
        # (a separator must follow: 在不在名单里 asks about the list, it greets nobody)
        self._leading = re.compile(rf"^(?:(?:{greetings.pattern})\s+)+") if greetings else None
        self._trailing = re.compile(rf"(?:\s+(?:{thanks.pattern}))+$") if thanks else None
        restart = _alternation(w.lower() for w in lexicon.restart)
        self._restart = re.compile(rf"^(?:{restart.pattern})\s+") if restart else None
        self._pattern = _alternation(self._replace)
        only_social = _alternation(
            [*social, *(f.lower() for f in lexicon.fillers), *lexicon.stopwords]
        )
        self._only_social = re.compile(rf"(?:{only_social.pattern}|\s)+") if only_social else None
        self._social_word = _alternation(social)

    def __call__(self, raw: str) -> Normalized:
        text = sanitize(raw)
        if not text:
            return Normalized("", Kind.EMPTY, 0)
        if len(text) > MAX_CHARS:
            return Normalized("", Kind.TOO_LONG, len(text))
        text = _t2s(text).lower()
        kind = self._social_kind(text)
        if kind is not None:
            return Normalized("", kind, len(text))
        restarted = False
        if self._restart is not None:
            text, n = self._restart.subn(" ", text)
            restarted, text = n > 0, text.strip()
        text = self._strip_edges(text)
        written = text
        text = arabize(text)
        surface = text
        text = self._repair(text)
        neutral = ""
        if self._asker is not None and self._asker.search(text):
            neutral = _SPACES.sub(" ", self._words(text, self._neutral)).strip()
        text = _SPACES.sub(" ", self._words(text)).strip()
        for _ in range(_MAX_PASSES):  # a repair can make another one possible (孝消善):
            again = self._strip_edges(text)  # go on to a fixed point, so that normalizing
            again = _SPACES.sub(" ", self._words(self._repair(again))).strip()  # twice
            if again == text:  # gives the same text
                break
            text = again
        if neutral == text:
            neutral = ""
        social = self._social_kind(text) if text else None
        if social is not None:  # "nihao 有人不": a greeting once the pinyin is read
            return Normalized("", social, len(text))
        kind = Kind.TEXT if text else Kind.EMPTY
        return Normalized(text, kind, len(text), surface, neutral, restarted, written)

    def forget(self) -> None:
        """Drop the repairs remembered so far (the booklet's, once it is indexed)."""
        self._repair_run.cache_clear()

    def _repair(self, text: str) -> str:
        """Pinyin, look-alike and sound-alike typos into the booklet's terms."""
        text = self._phonetic.from_pinyin(text)
        return _HAN.sub(lambda m: self._repair_run(m.group(0)), text)

    def _repair_han(self, run: str) -> str:
        """Look-alike then sound-alike typos in one run of Han characters: both repair
        each run on its own, into terms of Han characters as long as what they replace."""
        if self._shapes is not None:
            run = self._shapes(run)
        return self._phonetic.fix_homophones(run)

    def _strip_edges(self, text: str) -> str:
        for edge in (self._leading, self._trailing):
            if edge is not None:
                text = edge.sub(" ", text).strip()
        return text

    def _words(self, text: str, table: dict[str, str] | None = None) -> str:
        """Dialect and everyday words -> the booklet's, until nothing changes (立卡户 ->
        建档立卡户 -> 建档立卡), so that normalizing twice gives the same text."""
        if self._pattern is None:
            return text
        words = self._replace if table is None else table

        def swap(m: re.Match[str]) -> str:
            found = m.group(0)
            word = words.get(found, found)
            if word == found:
                return word
            # 小额 + 扶贫贷款 -> 小额信贷, not 小额小额信贷: what the text before already says
            before = m.string[: m.start()]
            for k in range(len(word) - 1, 1, -1):
                if before.endswith(word[:k]):
                    return word[k:]
            return word

        for _ in range(_MAX_PASSES):
            replaced = self._pattern.sub(swap, text)
            if replaced == text:
                break
            text = replaced
        return text

    def _social_kind(self, text: str) -> Kind | None:
        """GREETING or THANKS when the message is nothing but such words."""
        if self._only_social is None or not self._only_social.fullmatch(text):
            return None
        assert self._social_word is not None
        kinds = [self._social[m.group(0)] for m in self._social_word.finditer(text)]
        if not kinds:
            return None  # fillers only ("请问")
        for kind in (Kind.RESTART, Kind.WRONG, Kind.THANKS):
            if kind in kinds:
                return kind
        return Kind.GREETING
