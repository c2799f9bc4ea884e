"""Benefit calculators that explain themselves (pure). Every rule comes from the sources:
孝善养老 — 70岁以上贫困老人，政府按子女所交孝善资金的10%–20%奖补 (枣庄日报 2018)."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from bot.amounts import Payment, find_age, find_payment, unclear_number
from bot.booklet import Roles
from bot.reply import Reply

XIAOSHAN_MIN_AGE = 70
XIAOSHAN_RATES = (Decimal("0.10"), Decimal("0.20"))
# "要是一百呢": another amount in place of one given before (else a bare number is asked about)
_WHAT_IF = re.compile(r"要是|如果|假如|换成|改成|交|给")
MAX_AMOUNT = Decimal(100_000)  # more than this a month from one child is not a real case


def _money(value: Decimal) -> str:
    value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
    return f"{value:f}"


def xiaoshan_steps(payment: Payment | None, age: int | None,
                   unclear: str | None = None) -> list[str]:  # fmt: skip
    """The calculation, step by step, in plain words; empty when there is nothing to add."""
    lines: list[str] = []
    if age is not None:
        if age >= XIAOSHAN_MIN_AGE:
            lines.append(f"老人{age}岁，已满{XIAOSHAN_MIN_AGE}岁，年龄上符合孝善养老的条件"
                         "（还要是贫困老人）。")  # fmt: skip
        else:
            lines.append(f"老人{age}岁，还不满{XIAOSHAN_MIN_AGE}岁。孝善养老是给{XIAOSHAN_MIN_AGE}岁"
                         f"以上贫困老人的，还差{XIAOSHAN_MIN_AGE - age}年；满{XIAOSHAN_MIN_AGE}岁后"
                         "再去村里问。")  # fmt: skip
    if payment is None:
        if unclear is not None:  # 72 alone: an age as likely as money; ask, never guess
            lines.append(f"您说的“{unclear}”是老人的岁数，还是子女交的钱数？请说清楚，"
                         f"比如“俺娘{unclear}岁”或“每月交{unclear}元”，我帮您算。")  # fmt: skip
        return lines
    if payment.amount <= 0 or payment.amount > MAX_AMOUNT:
        lines.append(f"您说的钱数（{_money(payment.amount)}元）看着不对，"
                     "请告诉我子女每月（或每季度、每年）交多少钱。")  # fmt: skip
        return lines
    low, high = (payment.amount * rate for rate in XIAOSHAN_RATES)
    lines += [
        "算一算：",
        f"1. 子女{payment.per}交孝善资金{_money(payment.amount)}元。",
        f"2. 政府按子女所交的10%–20%奖补：{_money(payment.amount)}×10%={_money(low)}元，"
        f"{_money(payment.amount)}×20%={_money(high)}元。",
        f"3. 所以政府{payment.per}添{_money(low)}元到{_money(high)}元。",
        "具体用10%–20%里的哪个比例，要看您所在区（市）、村里的规定。",
    ]
    return lines


def explain(reply: Reply, normalized: str, roles: Roles, earlier: str = "") -> Reply:
    """A 孝善养老 answer with the family's own numbers worked through, when it has them.
    Which answers: booklet.yaml's `roles.calculator` (the amount, and the age) and
    `roles.calculator_explains` (the age only). `earlier`: what the conversation said
    before (the age given one turn, the amount the next); the message's own numbers
    come first."""
    if not reply.matched or reply.intent is None or roles.calculator is None:
        return reply
    amount = reply.intent == roles.calculator
    if not amount and reply.intent not in roles.calculator_explains:
        return reply
    before = find_payment(earlier)
    payment = (find_payment(normalized) or before) if amount else None
    age = find_age(normalized)
    if age is None:
        age = find_age(earlier)
    unclear = unclear_number(normalized) if amount else None
    if (
        unclear is not None
        and find_payment(normalized) is None
        and find_age(normalized) is None
        and find_age(earlier) is not None
        and (before is not None or _WHAT_IF.search(normalized) is not None)
    ):
        # the age was given before, so "要是一百呢" is another amount, paid as often as
        # the one before it
        payment = Payment(Decimal(unclear), before.per if before else "每次")
    steps = xiaoshan_steps(payment, age, unclear)
    if not steps:
        if amount:
            steps = ["告诉我子女每月（或每季度、每年）交多少钱，我帮您算政府添多少。"]
        else:
            return reply
    return replace(reply, answer="\n".join(steps) + "\n\n" + reply.answer)
