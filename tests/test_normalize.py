"""Normalization brings what people type into the booklet's words."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from bot.normalize import MAX_CHARS, Kind, sanitize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("１１６元？", "116元"),  # full-width digits and punctuation
        ("孝善养老🙏👴", "孝善养老"),  # emoji
        ("报\u200b销\x00\x07了", "报销 了"),  # control and format characters
        ("自付8.9%。", "自付8.9%"),  # decimals and percent survive
        ("bad\ud800surrogate", "bad surrogate"),  # a lone surrogate
    ],
)
def test_sanitize(raw: str, expected: str) -> None:
    assert sanitize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "contains"),
    [
        ("孝善養老是什麼", "孝善养老"),  # traditional -> simplified
        ("醫療補充保險", "补充保险"),
        ("请问孝善养老是啥", "孝善养老是什么"),  # filler removed, dialect mapped
        ("俺爹八十五岁了", "老人85岁"),  # dialect family words, numerals
        ("孝心钱公家给添多少", "孝善资金政府给添多少"),  # everyday words -> booklet terms
        ("看病钱能报消不", "医疗费用能报销"),  # homophone typo 报消 -> 报销
        ("低宝还有吗", "低保"),  # homophone typo 低宝 -> 低保
        ("危方改造咋申请", "危房改造怎么申请"),
        ("linli huzhu 咋参加", "邻里互助"),  # pinyin input
        ("xiaoshanyanglao", "孝善养老"),
        ("jiedui帮扶 啥意思", "结对帮扶"),  # pinyin joined to the Chinese after it
        ("yiwai险管不管", "意外险"),
        ("一站式结算", "一站式结算"),  # a canonical term is not expanded twice
    ],
)
def test_normalizer(engine: Engine, raw: str, contains: str) -> None:
    assert contains in engine.matcher.normalizer(raw).text


def test_real_words_are_not_treated_as_typos(engine: Engine) -> None:
    text = engine.matcher.normalizer("这个是能报销的吗").text
    assert "失能" not in text


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("", Kind.EMPTY),
        ("   \n\t ", Kind.EMPTY),
        ("😀😀😀", Kind.EMPTY),
        ("你好", Kind.GREETING),
        ("在吗？", Kind.GREETING),
        ("谢谢啊", Kind.THANKS),
        ("好的 再见", Kind.THANKS),
        ("孝" * (MAX_CHARS + 1), Kind.TOO_LONG),
        ("你好，孝善养老是啥", Kind.TEXT),
    ],
)
def test_kinds(engine: Engine, raw: str, kind: Kind) -> None:
    assert engine.matcher.normalizer(raw).kind is kind


def test_normalization_is_idempotent_on_examples(engine: Engine) -> None:
    normalize = engine.matcher.normalizer
    for intent in engine.booklet.intents.values():
        for example in intent.examples:
            once = normalize(example).text
            assert normalize(once).text == once, example


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("身体不好的能参加吗", "身体不好的"),  # 好的 is thanks only at the end
        ("在不在名单里", "在不在名单里"),  # not a greeting here
        ("出利息谁出", "出利息"),  # no repair through a rare reading (列 as "li")
        ("一共借了多少", "一共借了"),
        ("你好，孝善养老是啥，谢谢", "孝善养老是什么"),
    ],
)
def test_words_keep_their_meaning(engine: Engine, raw: str, expected: str) -> None:
    text = engine.matcher.normalizer(raw).text
    assert expected in text and (raw != "你好，孝善养老是啥，谢谢" or "你好" not in text)


def test_typo_repair_never_cuts_a_correct_term(engine: Engine) -> None:
    text = engine.matcher.normalizer("俺娘才六十五，能报孝善不？").text
    assert "孝善" in text and "报销" not in text


def test_a_term_with_a_typo_inside_is_repaired(engine: Engine) -> None:
    assert "孝善养老" in engine.matcher.normalizer("孝善养劳咋办").text


def test_normalizing_reaches_a_fixed_point(engine: Engine) -> None:
    """Found by a long random run: OpenCC maps 薴 to 苧 and 苧 to 苎; one repair makes
    another possible (孝消善 → 孝孝善 → …). Normalizing twice gives the same text."""
    normalize = engine.matcher.normalizer
    for text in (
        "薴Î rà",
        "jit百u十r善h老一孝消善",
        "wae消善养孝宝养g百c",
        "sd消qhg善u三x孝消善三ce",
    ):
        once = normalize(text).text
        assert normalize(once).text == once, text


def test_a_greeting_in_pinyin_is_a_greeting(engine: Engine) -> None:
    assert engine.matcher.normalizer("nihao 有人不").kind.value == "greeting"
