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


@pytest.mark.parametrize(
    ("question", "amount", "age"),
    [
        ("俺娘七十二，闺女每月给一百孝善钱", "100", 72),
        ("俺爹八十五 每季度交三百", "300", 85),
        ("老人72 子女每月交100", "100", 72),
        ("俺娘今年七十二 儿子一个月给一百五", "150", 72),
        ("俺爹七十五了，儿子一年交1千2", "1200", 75),
        ("俺娘72岁，俩闺女每月给两百", "200", 72),
        ("八十五的老人，闺女每月交五十块", "50", 85),
        ("俺娘才六十八，儿子每月给一百", "100", 68),
    ],
)
def test_an_age_is_never_money(engine: Engine, question: str, amount: str, age: int) -> None:
    text = engine.matcher.normalizer(question).text
    payment = find_payment(text)
    assert payment is not None and payment.amount == Decimal(amount)
    assert find_age(text) == age


@pytest.mark.parametrize(
    "question",
    ["孝善资金公家添多少 俺娘72", "孝善钱政府添多少 俺爹85", "俺爹六十八 孝善钱政府添多少",
     "俺娘七十五 孝善钱添多少"],
)  # fmt: skip
def test_an_age_beside_an_elder_is_not_computed(engine: Engine, question: str) -> None:
    reply = engine.ask(question)
    assert reply.intent == "xiaoshan.amount"
    assert "×" not in reply.answer  # nothing computed on the age


def test_a_number_that_could_be_either_is_asked_about(engine: Engine) -> None:
    text = engine.matcher.normalizer("孝善 政府添多少 72").text
    assert find_payment(text) is None
    steps = xiaoshan_steps(None, None, "72")
    assert "岁数" in steps[0] and "钱数" in steps[0]


@pytest.mark.parametrize(
    ("said", "amount"),
    [("一百五", "150"), ("两百", "200"), ("1千2", "1200"), ("一千二", "1200"),
     ("三百", "300"), ("150", "150"), ("２００", "200"), ("1万5", "15000")],
)  # fmt: skip
def test_every_numeral_form(engine: Engine, said: str, amount: str) -> None:
    text = engine.matcher.normalizer(f"子女每月交{said}孝善资金").text
    payment = find_payment(text)
    assert payment is not None and payment.amount == Decimal(amount)


@pytest.mark.parametrize(
    ("question", "amount"), [("孝善养老 俺每月给俺娘两百", "200"), ("孝善 每月交老人二百五", "250")]
)
def test_money_given_to_an_elder_is_money(engine: Engine, question: str, amount: str) -> None:
    reply = engine.ask(question)
    assert reply.intent == "xiaoshan.amount" and f"{amount}元" in reply.answer


def test_which_answers_calculate_comes_from_the_booklet_roles(engine: Engine) -> None:
    """booklet.yaml's roles.calculator and roles.calculator_explains name the answers that
    work the family's numbers through; no intent id is written in the code."""
    from dataclasses import replace as swap

    booklet = engine.booklet
    asked = "俺每月给俺娘交200，政府添多少"
    with_roles = engine.ask(asked)
    assert with_roles.intent == "xiaoshan.amount" and "200×10%=20元" in with_roles.answer
    age = engine.ask("俺娘75了，孝善养老谁能享受")
    assert age.intent == "xiaoshan.who" and "老人75岁，已满70岁" in age.answer

    def without(**changes: object) -> Engine:
        roles = booklet.meta.roles.model_copy(update=changes)
        return Engine(swap(booklet, meta=booklet.meta.model_copy(update={"roles": roles})))

    plain = without(calculator=None).ask(asked)
    assert plain.intent == "xiaoshan.amount" and "×10%" not in plain.answer
    assert plain.answer == booklet.intents["xiaoshan.amount"].short, "the stock short answer"
    no_age = without(calculator_explains=[]).ask("俺娘75了，孝善养老谁能享受")
    assert no_age.intent == "xiaoshan.who" and "已满70岁" not in no_age.answer


async def test_another_amount_after_the_age_was_given_is_worked_through(engine: Engine) -> None:
    """俺七十六了 → 一月五十 → 要是一百哩: the age is known, so the bare 100 is money, paid as
    often as the 50 before it."""
    from bot.service import Service
    from bot.settings import DEFAULT_POLICIES
    from bot.store.memory import MemoryStore

    service = Service(engine, MemoryStore(), DEFAULT_POLICIES)
    said = ["俺七十六了 孩子交孝善钱 政府添多少", "一月五十", "要是一百哩"]
    replies = [await service.ask(q, "web", "s") for q in said]
    assert "政府每月添5元到10元" in replies[1].answer
    assert "政府每月添10元到20元" in replies[2].answer
    alone = await Service(engine, MemoryStore(), DEFAULT_POLICIES).ask(
        "孝善钱 政府添多少 一百", "web", "t"
    )
    assert "岁数" in alone.answer, "with no age given, 100 alone is asked about"
