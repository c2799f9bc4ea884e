"""Sound-alike repairs: homophone typos (报消 → 报销) and pinyin input (linli huzhu → 邻里互助).

Both only ever produce a word from the booklet's own vocabulary, so a repair
cannot invent a topic the booklet does not have.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from pypinyin import Style, lazy_pinyin, pinyin

_HAN = re.compile(r"[\u4e00-\u9fff]+")
_LATIN_RUN = re.compile(r"[a-z]+(?: +[a-z]+)*")
_MIXED = re.compile(r"([a-z]+)([\u4e00-\u9fff]+)")
_COMMON_WORD = 5  # a window this frequent in the general dictionary is a word, not a typo
_COMMON_CHAR = 30_000  # characters this frequent (是, 能, 有, 号) are never typos


@lru_cache(maxsize=8192)
def readings(ch: str) -> tuple[str, ...]:
    """Toneless pinyin readings of one Han character (heteronyms included)."""
    found = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore")
    return tuple(dict.fromkeys(found[0])) if found and found[0] else ()


def usual(word: str) -> str:
    """A word spelt with each character's usual reading: how a typo is typed."""
    return "".join((readings(ch) or (ch,))[0] for ch in word)


def _keys(word: str) -> set[str]:
    """How a booklet term is spelt: in context (银行 = yinhang) and by usual readings."""
    return {"".join(lazy_pinyin(word, style=Style.NORMAL, errors="ignore")), usual(word)}


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
        sounds = [(readings(ch) or (ch,))[0] for ch in run]  # each character's usual reading
        out: list[str] = []
        i = 0
        while i < len(run):
            for size in self._lengths:
                j = i + size
                if j > len(run) or inside[i] or inside[j]:
                    continue
                target = self._by_sound.get("".join(sounds[i:j]))
                if target is not None and self._is_typo(run[i:j], target):
                    out.append(target)
                    i = j
                    break
            else:
                out.append(run[i])
                i += 1
        return "".join(out)

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
