"""Word segmentation with jieba, the booklet's own terms added to its dictionary."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

import jieba

jieba.setLogLevel(logging.WARNING)

_SPACE = re.compile(r"\s+")
_TERM_FREQ = 200_000  # high enough that jieba keeps a booklet term whole
# the 100,000 most frequent words of jieba's dictionary (tools/make_words.py): a third of
# the memory and load time of the full one
WORDS = Path(__file__).parent / "data" / "words.txt"


class Segmenter:
    """Splits Chinese text into words; booklet terms stay whole (孝善养老, 一站式结算)."""

    def __init__(self, terms: Iterable[str]) -> None:
        self._jieba = jieba.Tokenizer(dictionary=str(WORDS))
        self._jieba.initialize()
        self._dictionary: dict[str, int] = self._jieba.FREQ
        self._before: dict[str, int] = {}  # what the general dictionary said of our terms
        for term in sorted(set(terms)):
            term = term.strip()
            if term and not _SPACE.search(term):
                self._before.setdefault(term, self._dictionary.get(term, 0))
                self._jieba.add_word(term, freq=_TERM_FREQ)

    def words(self, text: str) -> list[str]:
        """The words of `text`, without spaces."""
        return [w for w in self._jieba.lcut(text, HMM=True) if w.strip()]

    def frequency(self, word: str) -> int:
        """How common `word` is in the general dictionary (0 when unknown)."""
        if word in self._before:
            return self._before[word]
        return int(self._dictionary.get(word, 0))
