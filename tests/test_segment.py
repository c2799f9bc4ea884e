"""The bot's segmenter cuts exactly as jieba does with the same dictionary and terms."""

from __future__ import annotations

import logging
import os
import random
from pathlib import Path

import jieba

from bot.engine import Engine
from bot.segment import _TERM_FREQ, WORDS, Segmenter, load_dictionary


def _terms(engine: Engine) -> list[str]:
    booklet = engine.booklet
    lexicon = booklet.lexicon
    return [
        *(k for t in booklet.topics for k in t.keywords),
        *(k for t in booklet.topics for i in t.intents for k in i.keywords),
        *lexicon.synonyms,
        *lexicon.dialect,
        *(w for cues in lexicon.aspects.values() for w in cues),
    ]


def _texts(engine: Engine) -> list[str]:
    texts = [t for i in engine.booklet.intents.values() for t in (i.title, *i.examples)]
    texts += [engine.matcher.normalizer(t).text for t in texts[::3]]
    rng = random.Random(12)
    pool = "".join(sorted(set("".join(texts))))
    pool += "abcXYZ019+#&._%-  \t\r\n、，。？！·…—\u3000\xa0é\U00020000"
    pool += "".join(chr(rng.randrange(0x4E00, 0xA000)) for _ in range(200))
    texts += ["".join(rng.choice(pool) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    return texts


def test_the_words_are_jiebas(engine: Engine) -> None:
    terms = _terms(engine)
    ours = Segmenter(terms)
    jieba.setLogLevel(logging.WARNING)
    theirs = jieba.Tokenizer(dictionary=str(WORDS))
    theirs.initialize()
    for term in sorted(set(terms)):
        term = term.strip()
        if term and not any(ch.isspace() for ch in term):
            theirs.add_word(term, freq=_TERM_FREQ)
    different = [
        (text, ours.words(text), words)
        for text in _texts(engine)
        if ours.words(text) != (words := [w for w in theirs.lcut(text, HMM=True) if w.strip()])
    ]
    assert not different, different[:5]
    for word in ("孝善养老", "的", "养老", "老人", "xyz", "", "\U00020000"):
        expected = theirs.FREQ.get(word, 0) if word not in ours._before else ours._before[word]
        assert ours.frequency(word) == expected, word


def test_the_dictionary_is_read_again_without_a_usable_cache(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("孝善养老 5 n\n养老 300 v\n的 1000 uj\n", encoding="utf-8")
    freq, total = load_dictionary(words)
    assert total == 1305
    assert {k.decode("utf-16-le"): v for k, v in freq.items()} == {
        "孝": 0, "孝善": 0, "孝善养": 0, "孝善养老": 5, "养": 0, "养老": 300, "的": 1000,
    }  # fmt: skip
    assert load_dictionary(words) == (freq, total)  # from the cache now
    words.write_text("养老 7 v\n", encoding="utf-8")
    os.utime(words, (os.path.getmtime(words) + 10,) * 2)  # newer than the cache
    assert load_dictionary(words)[1] == 7
