"""Numbers in a question: which is an age, which is money, and how often it is paid (pure).

俺娘72，闺女每月给100: 72 is the elder's age, 100 a month is money. A unit after a number
decides (80岁, 100元), then the word before it (今年72, 老人85 / 交300, 每月100); a number
that could be either is neither, so the bot asks instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

_AMOUNT = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:元|块钱|块|圆)?")
_PERIODS = (("季度", "每季度"), ("季", "每季度"), ("月", "每月"), ("年", "每年"))
_AGE = re.compile(r"(\d{2,3})\s*(?:岁|周岁|虚岁|了)")
_NOT_MONEY = re.compile(
    r"\s*(?:以上|往上|以下|上下|岁|周岁|虚岁|了|%|号|口|户|亩|人|个|村|天|次|季|月|年|周|位|点)"
)
# what stands beside a number says what it is (the question is already normalized:
# 俺娘 -> 老人, 闺女 -> 子女, 孝善钱 -> 孝善资金)
_MONEY_AFTER = re.compile(r"\s*(?:元|块|圆)")
_MONEY_WORD_AFTER = re.compile(r"\s*(?:钱|孝善资金)")  # 交100孝善钱; but 老人68 孝善钱: an age
_AGE_AFTER = re.compile(r"\s*(?:岁|周岁|虚岁|了|多岁|来岁|出头|的老人|老人)")
_MONEY_BEFORE = re.compile(r"(?:交|给|出|拿|缴|掏|存|添|补|每月|个月|每季度|季度|每年|1年|1月)\s*$")
_GIVEN_TO = re.compile(r"(?:给|交|寄)(?:老人|他|她)\s*$")
_AGE_BEFORE = re.compile(
    r"(?:^我|\s我|今年|年纪|岁数|年龄|多大|老人|满|虚岁|周岁|已经|都|才|刚|快)\s*$"
)


@dataclass(frozen=True)
class Payment:
    """What a child pays: an amount and how often ("每次" when the question does not say)."""

    amount: Decimal
    per: str  # 每月, 每季度, 每年 or 每次


def reading(text: str, start: int, end: int) -> str:
    """What the number text[start:end] is: "age", "money" or "" (cannot tell).
    A unit after it decides first (80岁, 100元), then the word just before it
    (今年72, 老人85 / 交300, 每月100), then a word for money after it (100孝善钱)."""
    if _AGE_AFTER.match(text, end):
        return "age"
    if _MONEY_AFTER.match(text, end):
        return "money"
    before = text[max(0, start - 4) : start]
    if _GIVEN_TO.search(before):
        return "money"  # 给老人200: what is given to the elder
    if _AGE_BEFORE.search(before):
        return "age"
    if _MONEY_WORD_AFTER.match(text, end) or _MONEY_BEFORE.search(before):
        return "money"
    return ""


def find_age(text: str) -> int | None:
    """An elder's age in a normalized question (俺爹80了, 今年72, 老人85 → the number)."""
    for found in _AMOUNT.finditer(text):
        if found.group(0).rstrip().endswith(("元", "块", "块钱", "圆")):
            continue
        if reading(text, found.start(1), found.end(1)) == "age":
            age = Decimal(found.group(1))
            if age == age.to_integral_value() and 40 <= age <= 120:
                return int(age)
    return None


def _could_be_age(found: re.Match[str]) -> bool:
    """An elder's age is a whole number from 40 to 120 (老人两百 is money)."""
    value = Decimal(found.group(1))
    return value == value.to_integral_value() and 40 <= value <= 120


def _either(text: str, found: re.Match[str]) -> bool:
    """A bare number an elder's age could be (40–120) with nothing beside it that tells."""
    return (
        found.group(0).rstrip() == found.group(1)
        and reading(text, found.start(1), found.end(1)) == ""
        and 40 <= Decimal(found.group(1)) <= 120
    )


def unclear_number(text: str) -> str | None:
    """A number that could be an age or money, when nothing beside it tells which."""
    for found in _AMOUNT.finditer(text):
        if not _NOT_MONEY.match(text, found.end(1)) and _either(text, found):
            return found.group(1)
    return None


def find_payment(text: str) -> Payment | None:
    """The amount a child pays, from a normalized question (numerals already digits).
    Numbers that count periods, years or people (1季度, 80岁, 10%) are not money, and
    neither is an age (老人72), nor a number that could be either (then: ask)."""
    for found in _AMOUNT.finditer(text):
        if _NOT_MONEY.match(text, found.end(1)):
            continue
        if reading(text, found.start(1), found.end(1)) == "age" and _could_be_age(found):
            continue
        if _either(text, found) and find_age(text) is None:
            continue  # 72 alone: an elder's age as likely as money; asked below
        amount = Decimal(found.group(1))
        if text[max(0, found.start() - 1) : found.start()] in ("负", "-"):
            amount = -amount
        before = text[max(0, found.start() - 6) : found.start()]
        after = text[found.end() : found.end() + 3]  # 150元每月
        for word, per in _PERIODS:
            if word in before or word in after:
                return Payment(amount, per)
        return Payment(amount, "每次")
    return None
