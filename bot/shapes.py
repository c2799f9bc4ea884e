"""Shape-alike repairs: a character picked or written for one that looks like it
(扶贫货款 → 扶贫贷款, 考善养老 → 孝善养老). Like the sound-alike repairs, they only ever
produce a whole term of the booklet's own vocabulary."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from importlib import resources

_HAN = re.compile(r"[\u4e00-\u9fff]+")
_COMMON_WORD = 5  # a window this frequent in the general dictionary is a word, not a typo
_COMMON_CHAR = 30_000  # characters this frequent are words of their own, not typos


def load_groups() -> list[str]:
    """The shipped groups of characters that look alike (bot/data/shapes.txt)."""
    text = resources.files("bot").joinpath("data/shapes.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


class ShapeRepair:
    """Repairs a window that differs from a booklet term only by look-alike characters."""

    def __init__(
        self, vocabulary: Iterable[str], frequency: Callable[[str], int], groups: Iterable[str]
    ) -> None:
        self._frequency = frequency
        self._key: dict[str, str] = {}
        for group in groups:
            for ch in group:
                self._key.setdefault(ch, group[0])  # a character keeps its first group
        self._table = str.maketrans(self._key)
        self._key_chars = frozenset(self._key)
        by_shape: dict[str, set[str]] = {}
        for word in {w for w in vocabulary if 2 <= len(w) <= 6 and _HAN.fullmatch(w)}:
            by_shape.setdefault(self._shape(word), set()).add(word)
        # a shape two terms share is ambiguous: leave such typos alone
        self._by_shape = {k: next(iter(v)) for k, v in by_shape.items() if len(v) == 1}
        self._terms = set().union(*by_shape.values()) if by_shape else set()
        self._lengths = sorted({len(k) for k in self._by_shape}, reverse=True)
        # where a term's shape appears in a run, the longest one there (its window may
        # be the term itself, spelt right: kept whole, nothing shorter is tried there)
        keys = sorted(self._by_shape, key=lambda k: (-len(k), k))
        self._shapes_at = re.compile(f"(?=({'|'.join(map(re.escape, keys))}))") if keys else None

    def _shape(self, text: str) -> str:
        return text.translate(self._table)

    def fix(self, text: str) -> str:
        """Replace look-alike misspellings of booklet terms within runs of Han characters."""
        if not self._by_shape:
            return text
        return _HAN.sub(lambda m: self._fix_run(m.group(0)), text)

    def _fix_run(self, run: str) -> str:
        if self._key_chars.isdisjoint(run):
            return run
        shaped = self._shape(run)  # a character's shape is its own: windows share it
        if self._shapes_at is None or all(
            run[m.start() : m.end(1)] in self._terms for m in self._shapes_at.finditer(shaped)
        ):
            return run  # no window looks like a term but the terms themselves
        out: list[str] = []
        i = 0
        while i < len(run):
            for size in self._lengths:
                window = run[i : i + size]
                if len(window) < size:
                    continue
                if window in self._terms:
                    out.append(window)  # spelt right: kept whole
                    i += size
                    break
                target = self._by_shape.get(shaped[i : i + size])
                if target is not None and self._is_typo(window, target):
                    out.append(target)
                    i += size
                    break
            else:
                out.append(run[i])
                i += 1
        return "".join(out)

    def _is_typo(self, window: str, target: str) -> bool:
        """One look-alike character wrong (two in a longer term), and the window is no
        word of its own (货款 is a word: only 扶贫货款 is a typo)."""
        if self._frequency(window) >= _COMMON_WORD:
            return False
        wrong = [b for a, b in zip(target, window, strict=True) if a != b]
        if len(wrong) > (2 if len(target) > 3 else 1):
            return False
        return len(window) > 2 or all(self._frequency(ch) < _COMMON_CHAR for ch in wrong)
