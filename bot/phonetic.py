"""Sound-alike repairs: homophone typos (报消 → 报销) and pinyin input (linli huzhu → 邻里互助).

Both only ever produce a word from the booklet's own vocabulary, so a repair
cannot invent a topic the booklet does not have.

The readings come from a compact table, bot/data/pinyin.tsv (tools/make_pinyin_table.py
writes it from pypinyin): the common characters and the booklet's own, and how the
booklet's words are spelt in context. pypinyin itself, whose tables take tens of MB and
a third of a second to import, is loaded only for a character or word the table lacks.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from pathlib import Path

_HAN = re.compile(r"[\u4e00-\u9fff]+")
_LATIN_RUN = re.compile(r"[a-z]+(?: +[a-z]+)*")
_MIXED = re.compile(r"([a-z]+)([\u4e00-\u9fff]+)")
_COMMON_WORD = 5  # a window this frequent in the general dictionary is a word, not a typo
_COMMON_CHAR = 30_000  # characters this frequent (是, 能, 有) are never typos
TABLE = Path(__file__).parent / "data" / "pinyin.tsv"


BLOCK = range(0x4E00, 0xA000)  # CJK Unified Ideographs: every character the repairs read


class PinyinTable:
    """Readings of characters and spellings of words, as pypinyin gives them.
    A line of the file: a character, a tab, its toneless readings joined by commas
    (none: it has no reading); or a word of two or more characters, a tab, its
    spelling in context (银行 = yinhang)."""

    def __init__(self, chars: dict[str, tuple[str, ...]], words: dict[str, str]) -> None:
        # each character's usual reading (itself when it has none): how a typo is typed,
        # by code point for the block (no string a character); the few with other
        # readings, or none, apart
        self.block: list[str | None] = [None] * len(BLOCK)
        self._outside: dict[str, str] = {}
        self._other: dict[str, tuple[str, ...]] = {}
        for ch, found in chars.items():
            found = tuple(map(sys.intern, found))
            first = found[0] if found else ch
            if ord(ch) in BLOCK:
                self.block[ord(ch) - BLOCK.start] = first
            else:
                self._outside[ch] = first
            if len(found) != 1:
                self._other[ch] = found
        self.words = words

    def usual(self, ch: str) -> str | None:
        """The usual reading of `ch` (itself when it has none); None when not here."""
        if ord(ch) in BLOCK:
            return self.block[ord(ch) - BLOCK.start]
        return self._outside.get(ch)

    def readings(self, ch: str) -> tuple[str, ...] | None:
        """All the readings of `ch`, usual first; None when the table lacks it."""
        found = self._other.get(ch)
        if found is not None:
            return found
        usual = self.usual(ch)
        return None if usual is None else (usual,)

    @classmethod
    def read(cls, path: Path = TABLE) -> PinyinTable:
        """The table in `path`; an empty one when there is no such file."""
        chars: dict[str, tuple[str, ...]] = {}
        words: dict[str, str] = {}
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(chars, words)
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            key, _, value = line.partition("\t")
            if len(key) == 1:
                chars[key] = tuple(value.split(",")) if value else ()
            else:
                words[key] = value
        return cls(chars, words)


@cache
def table() -> PinyinTable:
    """The shipped table, read once per process."""
    return PinyinTable.read()


@lru_cache(maxsize=8192)
def looked_up(ch: str) -> tuple[str, ...]:
    """A character's readings from pypinyin itself (for one the table lacks)."""
    from pypinyin import Style, pinyin

    found = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore")
    return tuple(dict.fromkeys(found[0])) if found and found[0] else ()


def spelt(word: str) -> str:
    """A word's spelling in context from pypinyin itself (for one the table lacks)."""
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(word, style=Style.NORMAL, errors="ignore"))


def readings(ch: str) -> tuple[str, ...]:
    """Toneless pinyin readings of one Han character (heteronyms included)."""
    found = table().readings(ch)
    return looked_up(ch) if found is None else found


def _usual_reading(ch: str) -> str:
    """A character's usual reading (itself when it has none)."""
    code = ord(ch) - BLOCK.start
    found = table().block[code] if 0 <= code < len(BLOCK) else table().usual(ch)
    if found is None:
        return (looked_up(ch) or (ch,))[0]
    return found


def usual(word: str) -> str:
    """A word spelt with each character's usual reading: how a typo is typed."""
    return "".join(map(_usual_reading, word))


def spelling(word: str) -> str:
    """A word spelt in context, pypinyin's way (银行 = yinhang, not yinxing)."""
    found = table().words.get(word)
    return spelt(word) if found is None else found


def _keys(word: str) -> set[str]:
    """How a booklet term is spelt: in context (银行 = yinhang) and by usual readings."""
    return {spelling(word), usual(word)}


class PhoneticRepair:
    """Repairs words that sound like a booklet term but are spelt otherwise."""

    def __init__(self, vocabulary: Iterable[str], frequency: Callable[[str], int]) -> None:
        """`vocabulary`: the booklet's terms, the only words a typo is repaired into.
        `frequency`: how common a word is in ordinary text."""
        self._vocab = {w for w in vocabulary if 2 <= len(w) <= 6 and _HAN.fullmatch(w)}
        self._frequency = frequency
        by_sound: dict[str, set[str]] = {}
        for word in self._vocab:
            for key in _keys(word):
                by_sound.setdefault(key, set()).add(word)
        # a sound shared by two booklet words is ambiguous: leave such typos alone
        self._by_sound = {k: next(iter(v)) for k, v in by_sound.items() if len(v) == 1}
        self._lengths = sorted({len(w) for w in self._vocab}, reverse=True)
        self._sizes = frozenset(self._lengths)
        self._longest = max(self._lengths, default=0)
        # every beginning of a sound: a window whose sound begins no term's cannot grow
        # into one, so the windows at a position are tried only while they can
        self._sound_starts = frozenset(k[:n] for k in self._by_sound for n in range(1, len(k) + 1))
        ordered = sorted(self._vocab, key=lambda w: (-len(w), w))
        self._exact = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        self._by_spelling = dict(self._by_sound)

    def learn_spoken(self, words: Iterable[str]) -> None:
        """Every word the booklet uses: pinyin typed on purpose may spell any of them
        ("jiedui帮扶" → 结对帮扶); a booklet term wins over a word of the same spelling."""
        by_spelling: dict[str, set[str]] = {}
        for word in {w for w in words if 2 <= len(w) <= 6 and _HAN.fullmatch(w)}:
            for key in _keys(word):
                by_spelling.setdefault(key, set()).add(word)
        self._by_spelling = {k: min(v) for k, v in by_spelling.items() if len(v) == 1}
        self._by_spelling.update(self._by_sound)
        ordered = sorted(self._vocab, key=lambda w: (-len(w), w))
        self._exact = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def fix_homophones(self, text: str) -> str:
        """Replace unknown Han words that sound exactly like a booklet term."""
        return _HAN.sub(lambda m: self._fix_run(m.group(0)), text)

    def _fix_run(self, run: str) -> str:
        # booklet terms already spelt right are kept whole: 能报孝善 must not become
        # 能报销善 through the window 报孝 that straddles 孝善 (a window may contain a
        # term whole, as 孝善养劳 contains 孝善, but neither of its ends may cut one)
        inside = [False] * (len(run) + 1)
        if self._exact is not None:
            for m in self._exact.finditer(run):
                inside[m.start() + 1 : m.end()] = [True] * (m.end() - m.start() - 1)
        sounds = [_usual_reading(ch) for ch in run]  # each character's usual reading
        out: list[str] = []
        n = len(run)
        i = 0
        while i < n:
            for j, target in () if inside[i] else self._sounding(sounds, i, n):
                if not inside[j] and self._is_typo(run[i:j], target):
                    out.append(target)
                    i = j
                    break
            else:
                out.append(run[i])
                i += 1
        return "".join(out)

    def _sounding(self, sounds: list[str], i: int, n: int) -> list[tuple[int, str]]:
        """The windows from `i` (their ends, longest first) that sound like a term of
        one of the vocabulary's lengths, and that term."""
        found: list[tuple[int, str]] = []
        sound = ""
        for j in range(i + 1, min(n, i + self._longest) + 1):
            sound += sounds[j - 1]
            if sound not in self._sound_starts:
                break
            if j - i in self._sizes:
                target = self._by_sound.get(sound)
                if target is not None:
                    found.append((j, target))
        found.reverse()
        return found

    def _is_typo(self, window: str, target: str) -> bool:
        """Whether `window`, which sounds like the booklet term `target`, is a typo of it.
        A typo is a wrong character picked for the right pinyin: the typed character's
        usual reading counts, not its rare ones (么 is "me", not "yao")."""
        if window == target:
            return True
        if len(target) != len(window) or self._frequency(window) >= _COMMON_WORD:
            return False  # "xian" is 先 and 西安; 事业 is a word, not a typo of 失业
        wrong = [b for a, b in zip(target, window, strict=True) if a != b]
        # a typo swaps one or two characters; in a two-character window a very common
        # character (是, 能, 有) is a word of its own, not a typo
        if len(wrong) > 2:
            return False
        return len(window) > 2 or all(self._frequency(ch) < _COMMON_CHAR for ch in wrong)

    def from_pinyin(self, text: str) -> str:
        """Turn runs of Latin letters that spell a booklet word in pinyin into that word;
        also when the word's last characters follow in Chinese (jiedui帮扶 → 结对帮扶)."""
        text = _MIXED.sub(self._mixed, text)
        return _LATIN_RUN.sub(lambda m: self._latin(m.group(0)), text)

    def _mixed(self, match: re.Match[str]) -> str:
        latin, han = match.group(1), match.group(2)
        for k in range(min(len(han), 4), 0, -1):
            target = self._by_spelling.get(latin + usual(han[:k]))
            if target is not None:
                return target + han[k:]
        return match.group(0)

    def _latin(self, run: str) -> str:
        words = run.split(" ")
        out: list[str] = []
        i = 0
        while i < len(words):
            for j in range(len(words), i, -1):
                target = self._by_spelling.get("".join(words[i:j]))
                if target is not None:
                    out.append(target)
                    i = j
                    break
            else:
                out.append(words[i])
                i += 1
        return " ".join(out)
