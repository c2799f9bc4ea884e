"""What the voice reads (bot/speech.py): numbers as words, pinyin, the phrase list, and
every answer of the booklet read to its end."""

from __future__ import annotations

import re

import pytest
from pypinyin import Style, lazy_pinyin

from bot.engine import Engine
from bot.loader import load_booklet
from bot.settings import DEFAULT_POLICIES
from bot.speech import (
    PhraseListError,
    cardinal,
    load_phrases,
    pinyin_for_espeak,
    spoken,
    syllables,
    unread,
)

PHRASES_TEXT = (DEFAULT_POLICIES / "speech.yaml").read_text(encoding="utf-8")
PHRASES = load_phrases(PHRASES_TEXT)
INTENTS = sorted(load_booklet(DEFAULT_POLICIES).intents)  # the ids, to name each case


@pytest.mark.parametrize(
    ("number", "words"),
    [(0, "零"), (5, "五"), (10, "十"), (15, "十五"), (20, "二十"), (70, "七十"),
     (100, "一百"), (101, "一百零一"), (110, "一百一十"), (116, "一百一十六"),
     (1000, "一千"), (1010, "一千零一十"), (1054, "一千零五十四"), (8054, "八千零五十四"),
     (8978, "八千九百七十八"), (10_000, "一万"), (10_978, "一万零九百七十八"),
     (15_000, "一万五千"), (100_005, "十万零五"), (110_000, "十一万"),
     (1_000_500, "一百万零五百"), (100_000_000, "一亿"), (100_000_005, "一亿零五"),
     (100_010_000, "一亿零一万"), (-3, "负三")],
)  # fmt: skip
def test_cardinal(number: int, words: str) -> None:
    assert cardinal(number) == words


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # percentages and their ranges
        ("10%–20%", "百分之十到百分之二十"),
        ("按10%–20%奖补", "按百分之十到百分之二十奖补"),
        ("10-20%", "百分之十到百分之二十"),
        ("降到8.9%。", "降到百分之八点九。"),
        ("114.86%", "百分之一百一十四点八六"),
        ("１０％", "百分之十"),
        ("3‰", "千分之三"),
        # money, counts, measure words
        ("116元", "一百一十六元"),
        ("１１６元", "一百一十六元"),
        ("￥116", "一百一十六元"),
        ("5万", "五万"),
        ("5万元以下", "五万元以下"),
        ("2万元", "两万元"),
        ("2个月", "两个月"),
        ("2000元", "两千元"),
        ("200元", "二百元"),
        ("20元", "二十元"),
        ("8978户", "八千九百七十八户"),
        ("10978人", "一万零九百七十八人"),
        ("19910.14万元", "一万九千九百一十点一四万元"),
        ("1.71亿", "一点七一亿"),
        ("2.12万户", "二点一二万户"),
        ("22万余", "二十二万余"),
        ("70岁以上", "七十岁以上"),
        ("1,000元", "一千元"),
        # decimals, ratios, ranges
        ("0.5", "零点五"),
        ("1:1", "一比一"),
        ("１：１配套", "一比一配套"),
        ("10元到20元", "十元到二十元"),
        ("10元–20元", "十元到二十元"),
        ("1-2个月", "一到两个月"),
        ("3~5天", "三到五天"),
        # years digit by digit; other dates as numbers
        ("2017年", "二零一七年"),
        ("２０１７年", "二零一七年"),
        ("2017–2018年", "二零一七到二零一八年"),
        ("2017年8月15日起", "二零一七年八月十五日起"),
        ("3年以内", "三年以内"),
        ("第1项", "第一项"),
        # list numbers, telephone numbers
        ("1. 住院", "一，住院"),
        ("2、先报基本医保", "二，先报基本医保"),
        ("电话0632-3312345", "电话零六三二，三三幺二三四五"),
        ("拨打12345热线", "拨打幺二三四五热线"),
        ("13812345678", "幺三八幺二三四五六七八"),
        # symbols that are words
        ("产业+托管+扶贫", "产业加托管加扶贫"),
        # nothing to change
        ("一站式结算", "一站式结算"),
        ("CT和B超", "CT和B超"),
    ],
)
def test_spoken_numbers_as_words(text: str, said: str) -> None:
    assert spoken(text) == said


@pytest.mark.parametrize(
    ("text", "pinyin"),
    [
        ("银行", "yin2 hang2."),
        ("每人116元。", "mei3 ren2 yi4 bai3 yi1 shi2 liu4 yuan2."),
        # commas and the like are short pauses, sentence ends and new lines long ones
        ("好，好。好\n好", "hao3, hao3. hao3. hao3."),
        ("好、好；好：好", "hao3, hao3, hao3, hao3."),
        # quotation marks are dropped; brackets and book titles are short pauses
        ("“一站式”结算", "yi1 zhan4 shi4 jie2 suan4."),
        ("区（市）", "qu1, shi4."),
        ("《政策》", "zheng4 ce4."),
        # several pauses in a row are one, the longest; none at the start
        ("……好！，好", "hao3. hao3."),
        # emoji are dropped
        ("😀好👍🏽", "hao3."),
        # short Latin runs are spelt with the letter names Chinese speakers use
        ("CT", "xi1 ti4."),
        ("B超", "bi4 chao1."),
        ("ＡＰＰ", "ei1 pi4 pi4."),
        # a longer Latin run is a word: dropped (and reported by `unread`)
        ("打开telegram看", "da3 kai1 kan4."),
        # tone changes: 不 before a fourth tone
        ("不是", "bu2 shi4."),
        ("", ""),
    ],
)
def test_pinyin_for_espeak(text: str, pinyin: str) -> None:
    assert pinyin_for_espeak(text, PHRASES) == pinyin


@pytest.mark.parametrize(
    ("text", "dropped"),
    [
        ("每人116元，“一站式”结算。😀（市）《政策》", []),
        ("B超", []),
        ("打开telegram看", ["telegram"]),
        ("www.example.org", ["example"]),  # "www" and "org" are short: spelt
        ("价格<100$", ["<", "$"]),
        ("好\ue000好\ue000", ["\ue000"]),  # a private-use character, once
        ("兙", ["兙"]),  # a Chinese character pypinyin has no reading for
    ],
)
def test_unread(text: str, dropped: list[str]) -> None:
    assert unread(text, PHRASES) == dropped


def test_syllables_are_tone_numbered_with_five_for_the_neutral_tone() -> None:
    said = syllables("他们的房子", {})
    assert said == ["ta1", "men5", "de5", "fang2", "zi5"]
    assert all(re.fullmatch(r"[a-z]+[1-5]", s) for s in syllables("每人116元，不设起付线", {}))


# --- the phrase list ---------------------------------------------------------------------


def test_the_phrase_list_has_the_words_the_booklet_needs() -> None:
    for phrase, reading in {"银行": "yin2 hang2", "长辈": "zhang3 bei4", "重新": "chong2 xin1",
                            "还款": "huan2 kuan3", "行政": "xing2 zheng4",
                            "参加": "can1 jia1", "还有": "hai2 you3"}.items():  # fmt: skip
        assert PHRASES[phrase] == tuple(reading.split())


@pytest.mark.parametrize("phrase", sorted(PHRASES))
def test_each_phrase_is_read_as_listed(phrase: str) -> None:
    """Alone, and inside a sentence, pypinyin with the list gives exactly its syllables."""
    listed = list(PHRASES[phrase])
    assert syllables(phrase, PHRASES) == listed
    said = syllables(f"我说{phrase}了。", PHRASES)
    assert said[2:-1] == listed and said[:2] == ["wo3", "shuo1"] and said[-1] == "le5"


def test_the_list_corrects_what_pypinyin_gets_wrong() -> None:
    plain = lazy_pinyin("还款", style=Style.TONE3)
    assert plain != ["huan2", "kuan3"], "pypinyin has learnt 还款: the entry may go"
    assert syllables("按时还款", PHRASES)[-2:] == ["huan2", "kuan3"]
    assert syllables("到期要还。", PHRASES) == ["dao4", "qi1", "yao4", "huan2"]
    assert syllables("按实际结算为准", PHRASES)[-2:] == ["wei2", "zhun3"]


def test_the_longest_phrase_wins() -> None:
    phrases = load_phrases("phrases:\n  还有: hai2 you3\n  还有钱: huan2 you3 qian2\n")
    assert syllables("还有钱", phrases) == ["huan2", "you3", "qian2"]
    assert syllables("还有", phrases) == ["hai2", "you3"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("phrases:\n  银行: yin2\n", "'银行': 2 characters but 1 syllables"),
        ("phrases:\n  银行: yin2 hang2 le5\n", "2 characters but 3 syllables"),
        ("phrases:\n  银行: yin hang2\n", "'yin' is not a pinyin syllable"),
        ("phrases:\n  银行: yin2 hxng2\n", "'hxng2' is not a pinyin syllable"),
        ("phrases:\n  银行: yin6 hang2\n", "'yin6'"),
        ("phrases:\n  银行: 5\n", "give its pinyin as text"),
        ("phrases:\n  银行:\n", "give its pinyin as text"),
        ("phrases:\n  bank: yin2 hang2\n", "'bank': a phrase is two or more Chinese"),
        ("phrases:\n  银: yin2\n", "two or more Chinese characters"),
        ("phrases: [银行]\n", 'needs a mapping "phrases:"'),
        ("银行: yin2 hang2\n", 'needs a mapping "phrases:"'),
        ("phrases: {}\nwords: {}\n", "unknown keys ['words']"),
        ("phrases:\n  银行: [yin2\n", "not valid YAML"),
        ("", 'needs a mapping "phrases:"'),
    ],
)
def test_a_bad_phrase_list_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(PhraseListError, match=re.escape(message)):
        load_phrases(text)


def test_u_with_umlaut_is_written_v() -> None:
    assert load_phrases("phrases:\n  绿色: lü4 se4\n") == {"绿色": ("lv4", "se4")}


# --- the booklet -------------------------------------------------------------------------


def test_the_cases_below_are_every_intent(engine: Engine) -> None:
    assert sorted(i.id for i in engine.booklet.intents.values()) == INTENTS


@pytest.mark.parametrize("intent", INTENTS)
def test_every_answer_is_read_to_the_end(engine: Engine, intent: str) -> None:
    """(The engine of conftest.py: `Engine.from_folder(DEFAULT_POLICIES)`, built once.)"""
    answer = engine.booklet.intents[intent].answer
    assert unread(answer, PHRASES) == [], "the voice would drop these; add them to bot/speech.py"
    words = spoken(answer)
    assert not re.search(r"[0-9０-９%％]", words), words
    # one syllable for each Chinese character, none lost on the way
    han = re.findall(r"[\u4e00-\u9fff]", words)
    read = syllables(answer, PHRASES)
    assert len(read) == len(han) > 0
    assert all(re.fullmatch(r"[a-z]+[1-5]", s) for s in read), read


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("政府还给每人买了", "zheng4 fu3 hai2 gei3 mei3 ren2 mai3 le5"),  # also gives
        ("本钱到期还得还", "ben3 qian2 dao4 qi1 hai2 dei3 huan2"),
        ("种不了地", "zhong4 bu4 liao3 di4"),
        ("花得少也给报", "hua1 de5 shao3 ye3 gei3 bao4"),
        ("有难处", "you3 nan2 chu4"),
        ("还款", "huan2 kuan3"),
        ("银行", "yin2 hang2"),
        ("长辈", "zhang3 bei4"),
        ("重新", "chong2 xin1"),
    ],
)
def test_polyphones_in_the_booklets_answers_are_read_as_meant(text: str, expected: str) -> None:
    assert " ".join(syllables(text, PHRASES)) == expected
