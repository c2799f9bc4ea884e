"""The 孝善养老 calculator: extraction and the worked answer, from the sourced 10%–20% rule."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from bot.amounts import Payment
from bot.booklet import Roles
from bot.calculators import explain, find_age, find_payment, xiaoshan_steps
from bot.engine import Engine
from bot.reply import Reply


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


# -- the steps, word for word, at the edges (literal expected text: issue 14) ---------------
_TOO_YOUNG_69 = (
    "老人69岁，还不满70岁。孝善养老是给70岁以上贫困老人的，还差1年；满70岁后再去村里问。"
)
_OLD_ENOUGH_70 = "老人70岁，已满70岁，年龄上符合孝善养老的条件（还要是贫困老人）。"
_WHICH_RATE = "具体用10%–20%里的哪个比例，要看您所在区（市）、村里的规定。"
_OLD_ENOUGH_75 = "老人75岁，已满70岁，年龄上符合孝善养老的条件（还要是贫困老人）。"


def _which(number: str) -> str:
    return (
        f"您说的“{number}”是老人的岁数，还是子女交的钱数？"
        f"请说清楚，比如“俺娘{number}岁”或“每月交{number}元”，我帮您算。"
    )


def _worked(amount: str, per: str, low: str, high: str) -> list[str]:
    return [
        "算一算：",
        f"1. 子女{per}交孝善资金{amount}元。",
        f"2. 政府按子女所交的10%–20%奖补：{amount}×10%={low}元，{amount}×20%={high}元。",
        f"3. 所以政府{per}添{low}元到{high}元。",
        _WHICH_RATE,
    ]


def _not_right(amount: str) -> str:
    return f"您说的钱数（{amount}元）看着不对，请告诉我子女每月（或每季度、每年）交多少钱。"


@pytest.mark.parametrize(
    ("amount", "per", "age", "expected"),
    [
        # the age edge: 70 is old enough, 69 is one year short
        (None, "", 70, [_OLD_ENOUGH_70]),
        (None, "", 69, [_TOO_YOUNG_69]),
        (None, "", 71, ["老人71岁，已满70岁，年龄上符合孝善养老的条件（还要是贫困老人）。"]),
        (
            None,
            "",
            50,
            [
                "老人50岁，还不满70岁。孝善养老是给70岁以上贫困老人的，还差20年；"
                "满70岁后再去村里问。"
            ],
        ),
        (None, "", None, []),
        # the amount edges: 0 and less are not right, 0.01 and 100000 are worked through,
        # more than 100000 is not right
        ("0", "每月", None, [_not_right("0")]),
        ("-100", "每月", None, [_not_right("-100")]),
        ("0.01", "每月", None, _worked("0.01", "每月", "0", "0")),
        ("1", "每次", None, _worked("1", "每次", "0.1", "0.2")),
        ("100000", "每年", None, _worked("100000", "每年", "10000", "20000")),
        ("100000.01", "每年", None, [_not_right("100000.01")]),
        ("150", "每月", None, _worked("150", "每月", "15", "30")),
        (
            "300",
            "每季度",
            66,
            [
                "老人66岁，还不满70岁。孝善养老是给70岁以上贫困老人的，还差4年；满70岁后再去村里问。",
                *_worked("300", "每季度", "30", "60"),
            ],
        ),
        ("200", "每月", 70, [_OLD_ENOUGH_70, *_worked("200", "每月", "20", "40")]),
        ("0", "每月", 69, [_TOO_YOUNG_69, _not_right("0")]),
        # half a fen is rounded up, not to the even fen: 1.25×10% = 0.125 → 0.13
        ("1.25", "每月", None, _worked("1.25", "每月", "0.13", "0.25")),
        ("12.5", "每月", None, _worked("12.5", "每月", "1.25", "2.5")),
        ("0.05", "每月", None, _worked("0.05", "每月", "0.01", "0.01")),
    ],
)
def test_the_steps_word_for_word(
    amount: str | None, per: str, age: int | None, expected: list[str]
) -> None:
    payment = Payment(Decimal(amount), per) if amount is not None else None
    assert xiaoshan_steps(payment, age) == expected


@pytest.mark.parametrize(
    ("payment", "age", "unclear", "expected"),
    [
        (
            None,
            None,
            "72",
            [
                "您说的“72”是老人的岁数，还是子女交的钱数？"
                "请说清楚，比如“俺娘72岁”或“每月交72元”，我帮您算。"
            ],
        ),
        # the age known: still asked about (it may be another age); the amount known: not
        (
            None,
            75,
            "72",
            [
                "老人75岁，已满70岁，年龄上符合孝善养老的条件（还要是贫困老人）。",
                "您说的“72”是老人的岁数，还是子女交的钱数？"
                "请说清楚，比如“俺娘72岁”或“每月交72元”，我帮您算。",
            ],
        ),
        (Payment(Decimal(10), "每月"), None, "72", _worked("10", "每月", "1", "2")),
        (None, None, None, []),
    ],
)
def test_an_unclear_number_is_asked_about_unless_the_amount_is_known(
    payment: Payment | None, age: int | None, unclear: str | None, expected: list[str]
) -> None:
    assert xiaoshan_steps(payment, age, unclear) == expected


# -- explain(): which replies get the steps, and from which words ---------------------------
_ROLES = Roles(calculator="x.amount", calculator_explains=["x.who"])
_STOCK = "政府按子女所交孝善资金的10%–20%奖补。"
_ASK_AMOUNT = "告诉我子女每月（或每季度、每年）交多少钱，我帮您算政府添多少。"


def _reply(intent: str | None, matched: bool = True) -> Reply:
    return Reply(question="q", matched=matched, answer=_STOCK, reason="match", intent=intent)


def _explained(steps: list[str]) -> str:
    return "\n".join(steps) + "\n\n" + _STOCK


@pytest.mark.parametrize(
    ("intent", "said", "earlier", "expected"),
    [
        # the amount answer: the amount and the age, from this message or the one before
        ("x.amount", "子女每月交150", "", _explained(_worked("150", "每月", "15", "30"))),
        (
            "x.amount",
            "老人70岁 子女每月交150",
            "",
            _explained([_OLD_ENOUGH_70, *_worked("150", "每月", "15", "30")]),
        ),
        (
            "x.amount",
            "子女每月交150",
            "老人70岁",
            _explained([_OLD_ENOUGH_70, *_worked("150", "每月", "15", "30")]),
        ),
        (
            "x.amount",
            "老人69岁",
            "子女每月交150",
            _explained([_TOO_YOUNG_69, *_worked("150", "每月", "15", "30")]),
        ),
        (
            "x.amount",
            "子女每月交150",
            "老人69岁 子女每年交1000",
            _explained([_TOO_YOUNG_69, *_worked("150", "每月", "15", "30")]),
        ),
        ("x.amount", "政府添多少", "", _explained([_ASK_AMOUNT])),
        # "要是100呢" after the age: another amount, as often as the one before (or 每次)
        (
            "x.amount",
            "要是100呢",
            "老人75岁",
            _explained(
                [
                    "老人75岁，已满70岁，年龄上符合孝善养老的条件（还要是贫困老人）。",
                    *_worked("100", "每次", "10", "20"),
                ]
            ),
        ),
        (
            "x.amount",
            "100呢",
            "老人75岁 子女每季度交300",
            _explained(
                [
                    "老人75岁，已满70岁，年龄上符合孝善养老的条件（还要是贫困老人）。",
                    *_worked("100", "每季度", "10", "20"),
                ]
            ),
        ),
        # a bare number with no age before and no "要是": asked about, not guessed
        ("x.amount", "100呢", "子女每季度交300", _explained(_worked("300", "每季度", "30", "60"))),
        ("x.amount", "72", "", _explained([_which("72")])),
        (
            "x.amount",
            "100呢",
            "老人75岁 有个闺女",
            _explained(
                ["老人75岁，已满70岁，年龄上符合孝善养老的条件（还要是贫困老人）。", _which("100")]
            ),
        ),
        # the age-only answers check the age, never work an amount through nor ask about it
        ("x.who", "老人70岁 子女每月交150", "", _explained([_OLD_ENOUGH_70])),
        ("x.who", "子女每月交150", "老人69岁", _explained([_TOO_YOUNG_69])),
        ("x.who", "子女每月交150", "", _STOCK),
        ("x.who", "72", "", _STOCK),
        ("x.who", "要是100呢", "老人75岁 子女每月交150", _explained([_OLD_ENOUGH_75])),
        # any other answer is left as it is, ages and amounts or not (a hospital bill)
        ("x.other", "老人80岁 住院花了1000元", "", _STOCK),
        (None, "老人80岁 子女每月交150", "", _STOCK),
    ],
)
def test_explain_word_for_word(intent: str | None, said: str, earlier: str, expected: str) -> None:
    assert explain(_reply(intent), said, _ROLES, earlier).answer == expected


def test_explain_leaves_a_reply_that_did_not_match_alone() -> None:
    for intent in ("x.amount", "x.who"):
        reply = _reply(intent, matched=False)
        assert explain(reply, "老人80岁 子女每月交150", _ROLES) is reply


def test_explain_without_a_calculator_role_leaves_every_reply_alone() -> None:
    roles = Roles(calculator=None, calculator_explains=["x.who"])
    for intent in ("x.amount", "x.who"):
        reply = _reply(intent)
        assert explain(reply, "老人80岁 子女每月交150", roles, "老人80岁") is reply


def test_explain_keeps_everything_but_the_answer() -> None:
    reply = replace(_reply("x.amount"), title="t", source="s", score=91.0, details="d")
    explained = explain(reply, "子女每月交150", _ROLES)
    assert replace(explained, answer=_STOCK) == reply


@pytest.mark.parametrize(
    "said", ["要是100呢", "如果100", "假如100哩", "换成100", "改成100", "交了100呢", "给了100"]
)
def test_each_what_if_word_makes_a_bare_number_the_new_amount(said: str) -> None:
    explained = explain(_reply("x.amount"), said, _ROLES, "老人75岁")
    assert explained.answer == _explained(
        [
            "老人75岁，已满70岁，年龄上符合孝善养老的条件（还要是贫困老人）。",
            *_worked("100", "每次", "10", "20"),
        ]
    )


@pytest.mark.parametrize("said", ["那100呢", "100", "还有100"])
def test_without_a_what_if_word_a_bare_number_is_asked_about(said: str) -> None:
    explained = explain(_reply("x.amount"), said, _ROLES, "老人75岁")
    assert "是老人的岁数，还是子女交的钱数" in explained.answer and "×" not in explained.answer
