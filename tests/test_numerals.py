"""Chinese numerals become digits only where they are quantities."""

from __future__ import annotations

import pytest

from bot.numerals import arabize, parse_chinese_number


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("八十五", 85), ("一百五", 150), ("一百零五", 105), ("两千", 2000), ("十五", 15),
     ("一万五", 15000), ("三百", 300), ("一千二百三十四", 1234), ("两万三千", 23000),
     ("一一六", 116)],
)  # fmt: skip
def test_parse(numeral: str, value: int) -> None:
    assert parse_chinese_number(numeral) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("俺爹八十了", "俺爹80了"),
        ("七十岁以上", "70岁以上"),
        ("一季度交三百", "1季度交300"),
        ("一个月给一百五十块", "1个月给150块"),
        ("百分之二十", "20%"),
        ("一百一十六元", "116元"),
        # terms stay terms
        ("一站式结算", "一站式结算"),
        ("三保障", "三保障"),
        ("两不愁", "两不愁"),
        ("四不脱", "四不脱"),
        ("六大增收工程", "六大增收工程"),
        ("十分感谢", "十分感谢"),
        ("问一下", "问一下"),
    ],
)
def test_arabize(text: str, expected: str) -> None:
    assert arabize(text) == expected


def test_not_a_number() -> None:
    assert parse_chinese_number("孝善") is None
    assert parse_chinese_number("") is None
