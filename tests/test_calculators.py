"""The 孝善养老 calculator: extraction and the worked answer, from the sourced 10%–20% rule."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.calculators import find_age, find_payment, xiaoshan_steps
from bot.engine import Engine


@pytest.mark.parametrize(
    ("question", "amount", "per"),
    [
        ("闺女每月给俺娘交150孝善金，公家添多少", "150", "每月"),
        ("儿子一季度交三百孝善资金", "300", "每季度"),
        ("儿子每季度交九百", "900", "每季度"),
        ("俺闺女一年交一千二孝心钱", "1200", "每年"),
        ("孝善钱交了一百五十块", "150", "每次"),
        ("子女交150元每月", "150", "每月"),
        ("俺爹八十了，闺女一个月给二百", "200", "每月"),
        ("儿子交１５０元孝善资金", "150", "每次"),
    ],
)
def test_extraction(engine: Engine, question: str, amount: str, per: str) -> None:
    payment = find_payment(engine.matcher.normalizer(question).text)
    assert payment is not None
    assert payment.amount == Decimal(amount) and payment.per == per


def test_no_amount_and_ages(engine: Engine) -> None:
    normalize = engine.matcher.normalizer
    assert find_payment(normalize("俺爹八十了，孝善钱公家添多少").text) is None
    assert find_age(normalize("俺爹八十了").text) == 80
    assert find_age(normalize("俺娘七十三岁").text) == 73
    assert find_age(normalize("孝善钱交一百").text) is None


def test_steps_for_150_a_month() -> None:
    text = "\n".join(xiaoshan_steps(find_payment("子女每月交150孝善资金"), None))
    assert "150×10%=15元" in text and "150×20%=30元" in text
    assert "政府每月添15元到30元" in text and "区（市）、村里" in text


def test_steps_for_300_a_quarter_and_an_elder_too_young() -> None:
    text = "\n".join(xiaoshan_steps(find_payment("子女1季度交300"), 66))
    assert "每季度添30元到60元" in text
    assert "还不满70岁" in text and "还差4年" in text


@pytest.mark.parametrize(
    "question", ["子女交负100元孝善资金，政府添多少", "子女每月交999999元孝善资金，政府添多少"]
)
def test_nonsense_amounts_get_a_clear_reply(engine: Engine, question: str) -> None:
    reply = engine.ask(question)
    assert reply.intent == "xiaoshan.amount"
    assert "看着不对" in reply.answer and "×" not in reply.answer


def test_the_done_when_question(engine: Engine) -> None:
    reply = engine.ask("闺女每月给俺娘交150孝善金，公家添多少")
    assert reply.matched and reply.intent == "xiaoshan.amount"
    assert "政府每月添15元到30元" in reply.answer
    assert "10%–20%" in reply.answer and "枣庄日报" in reply.source


def test_without_an_amount_the_bot_asks_for_it(engine: Engine) -> None:
    reply = engine.ask("孝善资金政府给添多少")
    assert "告诉我子女每月" in reply.answer


def test_other_intents_are_left_alone(engine: Engine) -> None:
    reply = engine.ask("邻里互助有什么好处")
    assert "算一算" not in reply.answer
