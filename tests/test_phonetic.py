"""bot/phonetic.py on its own: readings, homophone typos and pinyin, each case a literal.

The repairs are given a small vocabulary here (not the booklet's) and the real general
dictionary's word frequencies (bot/segment.py), as the matcher gives them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.phonetic import PhoneticRepair, PinyinTable, readings, spelling, usual
from bot.segment import Segmenter

VOCABULARY = [
    "报销",
    "孝善养老",
    "危房改造",
    "邻里互助",
    "失业",
    "一站式结算",
    "结对帮扶",
    "小额信贷",
]


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter(VOCABULARY)


@pytest.fixture
def repair(segmenter: Segmenter) -> PhoneticRepair:
    return PhoneticRepair(VOCABULARY, segmenter.frequency)


# --- readings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("char", "expected"),
    [
        ("报", ("bao",)),
        ("行", ("xing", "hang", "heng")),  # heteronyms, the usual reading first
        ("长", ("zhang", "chang")),
        ("么", ("me", "yao", "mo", "ma")),
    ],
)
def test_a_character_has_its_toneless_readings(char: str, expected: tuple[str, ...]) -> None:
    assert readings(char) == expected


@pytest.mark.parametrize(
    ("word", "by_usual_readings", "in_context"),
    [
        ("报销", "baoxiao", "baoxiao"),
        ("银行", "yinxing", "yinhang"),  # typed by each character's usual reading
        ("孝善养老", "xiaoshanyanglao", "xiaoshanyanglao"),
    ],
)
def test_a_word_is_spelt_by_usual_readings_and_in_context(
    word: str, by_usual_readings: str, in_context: str
) -> None:
    assert usual(word) == by_usual_readings
    assert spelling(word) == in_context


def test_a_character_with_no_reading_reads_as_itself() -> None:
    assert usual("a报") == "abao"
    assert usual("〇") == "ling"  # outside the block of the repairs, still in the table


def test_the_table_file_gives_readings_spellings_and_no_reading(tmp_path: Path) -> None:
    path = tmp_path / "pinyin.tsv"
    path.write_text(
        "# a comment\n行\txing,hang\n报\tbao\n丨\t\n〇\tling\n银行\tyinhang\n", encoding="utf-8"
    )
    table = PinyinTable.read(path)
    assert (table.usual("行"), table.readings("行")) == ("xing", ("xing", "hang"))
    assert (table.usual("报"), table.readings("报")) == ("bao", ("bao",))
    assert (table.usual("丨"), table.readings("丨")) == ("丨", ())  # no reading: itself
    assert table.usual("〇") == "ling"
    assert (table.usual("大"), table.readings("大")) == (None, None)  # not in the file
    assert table.words == {"银行": "yinhang"}


def test_a_missing_table_file_is_an_empty_table(tmp_path: Path) -> None:
    table = PinyinTable.read(tmp_path / "none.tsv")
    assert (table.usual("行"), table.readings("行"), table.words) == (None, None, {})


# --- homophone typos --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "repaired"),
    [
        ("看病钱能报消不", "看病钱能报销不"),
        ("抱销", "报销"),
        ("危防改造咋申请", "危房改造咋申请"),
        ("邻里互住", "邻里互助"),
        ("一站试结算", "一站式结算"),
        ("孝扇养涝", "孝善养老"),  # two characters of four wrong
        ("石业咋办", "失业咋办"),  # 石业 is no word
    ],
)
def test_a_word_sounding_like_a_term_is_repaired_into_it(
    repair: PhoneticRepair, typed: str, repaired: str
) -> None:
    assert repair.fix_homophones(typed) == repaired


@pytest.mark.parametrize(
    "typed",
    [
        "孝善养老",  # already right
        "事业了咋办",  # 事业 (shiye, as 失业): 事 is too common a character to be a slip
        "实业",  # shiye too, and a word of its own
        "报效祖国",  # baoxiao, as 报销: 报效 is a word
        "宵山羊老",  # three characters of four wrong: not a typo
        "报笑",  # 笑 is too common a character to be a slip in two
        "报是",
        "hello 123",
    ],
)
def test_what_is_no_typo_of_a_term_is_left_alone(repair: PhoneticRepair, typed: str) -> None:
    assert repair.fix_homophones(typed) == typed


def test_a_term_already_spelt_right_is_never_cut_by_a_repair(segmenter: Segmenter) -> None:
    # 报孝 sounds like 报销; in 能报孝善 its 孝 begins the term 孝善
    with_term = PhoneticRepair(["报销", "孝善"], segmenter.frequency)
    without = PhoneticRepair(["报销"], segmenter.frequency)
    assert with_term.fix_homophones("能报孝善吗") == "能报孝善吗"
    assert without.fix_homophones("能报孝善吗") == "能报销善吗"


def test_a_sound_two_terms_share_is_repaired_into_neither(segmenter: Segmenter) -> None:
    both = PhoneticRepair(["报销", "报效"], segmenter.frequency)
    assert both.fix_homophones("报消") == "报消"
    assert both.from_pinyin("baoxiao") == "baoxiao"


def test_only_terms_of_two_to_six_han_characters_are_repaired_into(
    segmenter: Segmenter,
) -> None:
    odd = PhoneticRepair(["报", "一站式即时结算", "a报销", "报 销"], segmenter.frequency)
    assert odd.fix_homophones("抱") == "抱"
    assert odd.fix_homophones("一站试即时结算") == "一站试即时结算"  # seven characters
    assert odd.fix_homophones("抱销") == "抱销"
    assert odd.from_pinyin("baoxiao") == "baoxiao"


# --- pinyin -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("xiaoshan yanglao", "孝善养老"),
        ("xiaoshanyanglao", "孝善养老"),
        ("bao xiao", "报销"),
        ("linli huzhu 咋参加", "邻里互助 咋参加"),
        ("hello baoxiao", "hello 报销"),
        ("xiaoe xindai", "小额信贷"),
        ("jiedui帮扶", "结对帮扶"),  # the term's last characters typed in Chinese
        ("hello world", "hello world"),
        ("abc帮扶", "abc帮扶"),
    ],
)
def test_pinyin_spelling_a_term_is_read_as_the_term(
    repair: PhoneticRepair, typed: str, read: str
) -> None:
    assert repair.from_pinyin(typed) == read


def test_pinyin_may_spell_any_word_the_booklet_uses_once_learned(
    repair: PhoneticRepair,
) -> None:
    assert repair.from_pinyin("hezuoshe") == "hezuoshe"
    repair.learn_spoken(["合作社"])
    assert repair.from_pinyin("hezuoshe") == "合作社"
    # ... but a typo is repaired into a term only, never into a word learned so
    assert repair.fix_homophones("和作社") == "和作社"


def test_a_term_wins_over_a_learned_word_of_the_same_spelling(repair: PhoneticRepair) -> None:
    repair.learn_spoken(["包销"])  # baoxiao, as 报销
    assert repair.from_pinyin("baoxiao") == "报销"


def test_two_learned_words_of_one_spelling_are_read_as_neither(repair: PhoneticRepair) -> None:
    repair.learn_spoken(["合作社", "和作社"])  # both hezuoshe
    assert repair.from_pinyin("hezuoshe") == "hezuoshe"


def test_an_empty_vocabulary_repairs_nothing(segmenter: Segmenter) -> None:
    empty = PhoneticRepair([], segmenter.frequency)
    assert empty.fix_homophones("报消") == "报消"
    assert empty.from_pinyin("baoxiao") == "baoxiao"
    empty.learn_spoken(["报销"])
    assert empty.from_pinyin("baoxiao") == "报销"
