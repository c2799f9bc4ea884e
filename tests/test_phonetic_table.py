"""The compact pinyin table (bot/data/pinyin.tsv): up to date, covering the booklet, and
a character or word it lacks still read by pypinyin itself."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from bot import phonetic
from bot.settings import DEFAULT_POLICIES, PROJECT_ROOT
from tools.make_pinyin_table import build

_HAN = re.compile(r"[\u4e00-\u9fff]")


def test_the_committed_table_is_what_the_generator_writes() -> None:
    assert phonetic.TABLE.read_text(encoding="utf-8") == build(), (
        "bot/data/pinyin.tsv is out of date: run .venv/bin/python -m tools.make_pinyin_table"
    )


def test_every_character_of_the_booklet_is_in_the_table() -> None:
    table = phonetic.table()
    used = {ch for path in DEFAULT_POLICIES.rglob("*.y*ml")
            for ch in _HAN.findall(path.read_text(encoding="utf-8"))}  # fmt: skip
    assert used, "no booklet text found"
    assert sorted(ch for ch in used if table.usual(ch) is None) == []


def test_every_character_the_repairs_read_is_in_the_table() -> None:
    """The repairs read runs of U+4E00 to U+9FFF: all of them are here, so that no
    question, whatever it holds, makes the bot load pypinyin."""
    table = phonetic.table()
    assert [chr(c) for c in phonetic.BLOCK if table.usual(chr(c)) is None] == []


def test_the_table_reads_as_pypinyin_does() -> None:
    for code in phonetic.BLOCK[::37]:
        ch = chr(code)
        assert phonetic.readings(ch) == phonetic.looked_up(ch), ch
        assert phonetic.usual(ch) == (phonetic.looked_up(ch) or (ch,))[0], ch
    for word in sorted(phonetic.table().words)[::23]:
        assert phonetic.spelling(word) == phonetic.spelt(word), word


def test_what_the_table_lacks_is_read_by_pypinyin() -> None:
    table = phonetic.table()
    rare = next(
        chr(code) for code in range(0x3400, 0x4DC0) if phonetic.looked_up(chr(code))
    )  # CJK Extension A: outside the block
    assert table.readings(rare) is None
    assert phonetic.readings(rare) == phonetic.looked_up(rare)
    assert phonetic.usual(f"报{rare}") == "bao" + phonetic.looked_up(rare)[0]
    word = "报销申请材料"  # no word of the booklet: spelt by pypinyin in context
    assert word not in table.words
    assert phonetic.spelling(word) == phonetic.spelt(word) == "baoxiaoshenqingcailiao"


@pytest.mark.timeout(120)
def test_answering_from_the_shipped_booklet_never_loads_pypinyin() -> None:
    """pypinyin's tables take some 56 MB and a third of a second to import: the table
    has every reading the shipped booklet and everyday questions need."""
    script = (
        "import sys\n"
        "from bot.engine import Engine\n"
        "from bot.settings import DEFAULT_POLICIES\n"
        "engine = Engine.from_folder(DEFAULT_POLICIES)\n"
        "for q in ['俺爹八十了，闺女交的孝善钱公家添多少', '看病钱能报消不',\n"
        "          'linli huzhu 咋参加', '危方改造咋申请', '低宝还有吗', 'jiedui帮扶 啥意思']:\n"
        "    engine.ask(q)\n"
        "print('pypinyin' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, check=True)  # fmt: skip
    assert done.stdout.strip() == "False", done.stderr
