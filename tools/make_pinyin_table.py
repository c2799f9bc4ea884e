"""Write bot/data/pinyin.tsv: the pinyin readings the bot needs, taken from pypinyin.

Usage: .venv/bin/python -m tools.make_pinyin_table [--check]

pypinyin's own tables take about 56 MB as Python objects and a third of a second to
import; the bot needs only the characters its repairs read and the booklet's words:

- characters: the whole block of CJK Unified Ideographs, U+4E00 to U+9FFF (the only
  characters the sound-alike repairs read: with all of them here a question never
  loads pypinyin, whatever it holds), with all their toneless readings, usual one
  first, exactly as `pinyin(ch, Style.NORMAL, heteronym=True)`;
- words: every word whose spelling in context the matcher asks for while it indexes the
  booklet (银行 is yinhang, not yinxing), exactly as `lazy_pinyin(word, Style.NORMAL)`.

A character or word the table lacks is still read, by pypinyin itself (bot/phonetic.py).
Run it again after editing the booklet or updating pypinyin or jieba;
tests/test_phonetic_table.py fails while the committed table is out of date.
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

import bot.phonetic as phonetic
from bot.engine import Engine
from bot.loader import load_booklet
from bot.settings import DEFAULT_POLICIES


def characters() -> set[str]:
    """Every character the table holds: the whole block the repairs read (any character
    a person may type there, those of the booklet and of the bot's data among them)."""
    return {chr(code) for code in phonetic.BLOCK}


def booklet_words(booklet: Path = DEFAULT_POLICIES) -> set[str]:
    """The words the matcher spells in context while it indexes `booklet`: the engine is
    built with an empty table, and every word it asks pypinyin for is kept."""
    asked: set[str] = set()
    shipped, spelt = phonetic.table, phonetic.spelt
    empty = phonetic.PinyinTable({}, {})

    def recording(word: str) -> str:
        asked.add(word)
        return spelt(word)

    phonetic.table = lambda: empty  # type: ignore[assignment]
    phonetic.spelt = recording
    try:
        Engine(load_booklet(booklet))
    finally:
        phonetic.table, phonetic.spelt = shipped, spelt
    return asked


def build(booklet: Path = DEFAULT_POLICIES) -> str:
    """The text of the table for `booklet`."""
    lines = [
        "# Made by tools/make_pinyin_table.py from pypinyin "
        f"{version('pypinyin')} and jieba {version('jieba')}: do not edit by hand.",
        "# A character, a tab, its toneless readings (usual first); or a word, a tab, its "
        "spelling in context.",
    ]
    lines += [f"{ch}\t{','.join(phonetic.looked_up(ch))}" for ch in sorted(characters())]
    lines += [f"{w}\t{phonetic.spelt(w)}" for w in sorted(booklet_words(booklet))]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    text = build()
    if "--check" in argv:
        current = phonetic.TABLE.read_text(encoding="utf-8") if phonetic.TABLE.exists() else ""
        if current != text:
            print(f"{phonetic.TABLE} is out of date: run python -m tools.make_pinyin_table")
            return 1
        print(f"{phonetic.TABLE} is up to date")
        return 0
    phonetic.TABLE.write_text(text, encoding="utf-8")
    rows = text.count("\n") - 2
    print(f"{phonetic.TABLE}: {rows:,} lines, {len(text.encode()):,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
