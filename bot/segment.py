"""Word segmentation with jieba's dictionary and method, the booklet's own terms added.

The words are exactly those of jieba's `Tokenizer.cut(text, HMM=True)` (without spaces)
for the shipped dictionary and the booklet's terms: the same prefix dictionary, the
same most probable route through it, jieba's own HMM (finalseg) for runs of single
characters it does not know. Only the bookkeeping is the bot's own: the dictionary's
keys are kept as UTF-16 bytes (half the memory of jieba's strings, some 5 MB), cached
in the temporary folder as jieba caches its own, and a text block seen before is cut
as it was.
"""

from __future__ import annotations

import logging
import marshal
import os
import re
import sys
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from hashlib import md5
from math import log
from pathlib import Path

# jieba imports pkg_resources (a tenth of a second, and deprecated) only to open its own
# files, and opens them directly when it cannot: the bot gives it no file to open
_BLOCKED = "pkg_resources" not in sys.modules
if _BLOCKED:
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]
try:
    import jieba
    from jieba import finalseg
finally:
    if _BLOCKED:
        del sys.modules["pkg_resources"]

jieba.setLogLevel(logging.WARNING)

_SPACE = re.compile(r"\s+")
_TERM_FREQ = 200_000  # high enough that jieba keeps a booklet term whole
# the 100,000 most frequent words of jieba's dictionary (tools/make_words.py): a third of
# the memory and load time of the full one
WORDS = Path(__file__).parent / "data" / "words.txt"
# jieba cuts a text block by block: runs of Han, letters, digits and +#&._%- (each by
# the dictionary), the rest character by character (spaces dropped here)
_BLOCK = jieba.re_han_default
BLOCKS_KEPT = 1024  # blocks whose words are remembered
UNKNOWN_KEPT = 1024  # runs of unknown characters whose HMM words are remembered
_CODEC = "utf-16-le"  # two bytes a character of a block: a slice of it is a slice of text


def _key(word: str) -> bytes:
    """A dictionary key: the word in UTF-16 (one to one, whatever the word)."""
    return word.encode(_CODEC, "surrogatepass")


Dictionary = dict[bytes, int]


def _read(path: Path) -> tuple[Dictionary, int]:
    """jieba's prefix dictionary of a dictionary file (`Tokenizer.gen_pfdict`): every
    word with its frequency, every beginning of a word with 0 unless a word itself."""
    freq: Dictionary = {}
    total = 0
    lines = path.read_bytes().split(b"\n")
    if lines and not lines[-1]:
        lines.pop()  # the end of the last line
    for lineno, raw in enumerate(lines, 1):
        line = raw.strip().decode("utf-8")
        try:
            word, count = line.split(" ")[:2]
            number = int(count)
        except ValueError as exc:
            message = f"invalid dictionary entry in {path} at line {lineno}: {line}"
            raise ValueError(message) from exc
        freq[_key(word)] = number
        total += number
        for end in range(1, len(word) + 1):
            freq.setdefault(_key(word[:end]), 0)
    return freq, total


def _cache_file(path: Path) -> Path:
    digest = md5(str(path.resolve()).encode("utf-8", "replace")).hexdigest()
    return Path(tempfile.gettempdir()) / f"policybot-words.{digest}.cache"


def load_dictionary(path: Path = WORDS) -> tuple[Dictionary, int]:
    """The prefix dictionary of `path`, from the cache when that is newer than the file
    (as jieba's own), else read and cached."""
    cache = _cache_file(path)
    try:
        if cache.stat().st_mtime > path.stat().st_mtime:
            freq, total = marshal.loads(cache.read_bytes())
            if isinstance(freq, dict) and isinstance(total, int):
                return freq, total
    except (OSError, ValueError, EOFError, TypeError):
        pass  # no cache yet, or a broken one: read the file again
    freq, total = _read(path)
    try:
        fd, temporary = tempfile.mkstemp(dir=cache.parent, prefix=cache.name)
        with os.fdopen(fd, "wb") as out:
            out.write(marshal.dumps((freq, total)))
        os.replace(temporary, cache)
    except OSError:
        pass  # a folder that cannot be written: read the file each time
    return freq, total


class Segmenter:
    """Splits Chinese text into words; booklet terms stay whole (孝善养老, 一站式结算)."""

    def __init__(self, terms: Iterable[str], dictionary: Path = WORDS) -> None:
        self._freq, self._total = load_dictionary(dictionary)
        self._before: dict[str, int] = {}  # what the general dictionary said of our terms
        for term in sorted(set(terms)):
            term = term.strip()
            if term and not _SPACE.search(term):
                self._before.setdefault(term, self.frequency(term))
                self._add(term, _TERM_FREQ)
        self._logtotal = log(self._total)
        self._cut = lru_cache(maxsize=BLOCKS_KEPT)(self._cut_block)
        self._unknown = lru_cache(maxsize=UNKNOWN_KEPT)(self._hmm)

    def _add(self, word: str, freq: int) -> None:
        """jieba's `add_word`: the word, its frequency, its beginnings."""
        self._freq[_key(word)] = freq
        self._total += freq
        for end in range(1, len(word) + 1):
            self._freq.setdefault(_key(word[:end]), 0)

    def forget(self) -> None:
        """Drop the blocks remembered so far (the booklet's, once it is indexed)."""
        self._cut.cache_clear()
        self._unknown.cache_clear()

    def words(self, text: str) -> list[str]:
        """The words of `text`, without spaces."""
        return [w for block in _BLOCK.split(text) if block for w in self._cut(block)]

    def frequency(self, word: str) -> int:
        """How common `word` is in the general dictionary (0 when unknown)."""
        if word in self._before:
            return self._before[word]
        return self._freq.get(_key(word), 0)

    def _cut_block(self, block: str) -> tuple[str, ...]:
        if not _BLOCK.fullmatch(block):  # spaces, punctuation: one character at a time
            return tuple(ch for ch in block if not ch.isspace())
        return tuple(w for w in self._cut_dag(block) if w.strip())

    @staticmethod
    def _hmm(run: str) -> tuple[str, ...]:
        return tuple(finalseg.cut(run))

    def _route(self, sentence: str) -> list[int]:
        """jieba's `get_DAG` and `calc`: where the most probable word from each
        position ends (ties to the longer word)."""
        freq = self._freq
        data = _key(sentence)
        n = len(sentence)
        logtotal = self._logtotal
        score = [0.0] * (n + 1)
        end = [0] * (n + 1)
        for k in range(n - 1, -1, -1):
            start = 2 * k
            best = 0.0
            best_end = -1
            i = k
            found = freq.get(data[start : start + 2])
            while found is not None:
                if found:
                    value = log(found) - logtotal + score[i + 1]
                    if best_end < 0 or value > best or (value == best and i > best_end):
                        best, best_end = value, i
                i += 1
                if i >= n:
                    break
                found = freq.get(data[start : 2 * i + 2])
            if best_end < 0:  # no word begins here: the character alone
                best, best_end = log(1) - logtotal + score[k + 1], k
            score[k] = best
            end[k] = best_end
        return end

    def _cut_dag(self, sentence: str) -> Iterable[str]:
        """jieba's `__cut_DAG`: the route's words; runs of single characters that are no
        word together go to the HMM."""
        end = self._route(sentence)
        x = 0
        buf = ""
        n = len(sentence)
        while x < n:
            y = end[x] + 1
            word = sentence[x:y]
            if y - x == 1:
                buf += word
            else:
                if buf:
                    yield from self._loose(buf)
                    buf = ""
                yield word
            x = y
        if buf:
            yield from self._loose(buf)

    def _loose(self, buf: str) -> Iterable[str]:
        if len(buf) == 1:
            return (buf,)
        if not self._freq.get(_key(buf)):
            return self._unknown(buf)
        return tuple(buf)
