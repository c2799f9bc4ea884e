"""Every answer of the booklet read against the rules for an old reader: the answer
itself first and short, plain words, one plain source line, the caveat once; the rest
under "详细说说"."""

from __future__ import annotations

import re

import pytest

from bot.booklet import SHORT_MAX
from bot.engine import Engine
from bot.reply import MORE_WORDS, Reply
from bot.service import Service
from bot.settings import DEFAULT_POLICIES
from bot.store.memory import MemoryStore

BANNED = ("材料", "信息时间", "口径", "画说政策》里")  # words a household does not use or misleads
# a figure with its unit, whole: "3" must not pass for "2013", nor "10" for "100元"
_FIGURE = re.compile(
    r"(?<![\d.])\d+(?:\.\d+)?(?!\d)(?:万元|亿元|万人|万户|元|%|岁|人次|人|户|年|个|万|亿|月|天|期|册|名)?"
)


def _answers(engine: Engine) -> list[Reply]:
    replies = [engine.answer(i) for i in engine.booklet.intents]
    return [r for r in replies if r is not None]


def _ordinary(engine: Engine, reply: Reply) -> bool:
    return reply.topic != engine.booklet.meta.roles.help_topic


def test_the_first_part_is_short(engine: Engine) -> None:
    long = {r.intent: len(r.answer) for r in _answers(engine) if len(r.answer) > SHORT_MAX}
    assert long == {}
    assert SHORT_MAX == 80


def test_no_banned_words_anywhere_a_household_reads(engine: Engine) -> None:
    found = [
        (r.intent, word)
        for r in _answers(engine)
        for word in BANNED
        if word
        in "\n".join(
            (r.answer, r.details.rpartition("\n出处：")[0], r.caveat, r.source_line)
        )  # the exact citation is as its source has it
    ]
    assert found == []


def test_one_plain_source_line_and_the_exact_citation_under_details(engine: Engine) -> None:
    for reply in _answers(engine):
        if not _ordinary(engine, reply):
            assert reply.source_line == "" and reply.caveat == "", reply.intent
            continue
        assert reply.source_line.startswith("来源：") and "\n" not in reply.source_line
        assert len(reply.source_line) <= 50, reply.source_line
        assert "《" not in reply.source_line and "信息时间" not in reply.source_line
        assert reply.details.endswith(f"出处：{reply.source}"), reply.intent


def test_the_caveat_once_under_every_answer(engine: Engine) -> None:
    for reply in _answers(engine):
        if not _ordinary(engine, reply):
            continue
        assert "2017–2018" in reply.caveat and "村扶贫专干" in reply.caveat
        assert reply.first.count(reply.caveat) == 1
        assert "2017–2018年的政策" not in reply.answer, "said once, by the caveat"


def test_every_figure_of_a_short_answer_is_in_its_whole_answer(engine: Engine) -> None:
    for intent in engine.booklet.intents.values():
        assert intent.short, f"{intent.id} has no short answer"
        whole = set(_FIGURE.findall(intent.answer))
        missing = [n for n in _FIGURE.findall(intent.short) if n not in whole]
        assert missing == [], (intent.id, missing)


def test_the_details_hold_the_whole_answer(engine: Engine) -> None:
    for reply in _answers(engine):
        intent = engine.booklet.intents[reply.intent or ""]
        if intent.short and intent.short != intent.answer.strip():
            assert reply.details.startswith(intent.answer.strip()), reply.intent


def test_refusals_say_truthfully_what_the_answers_are_based_on(engine: Engine) -> None:
    reply = engine.ask("孩子上大学的助学贷款咋办")
    assert not reply.matched
    first = reply.answer.splitlines()[0]
    assert "画说政策" not in first and "我们这里的资料" in first


@pytest.mark.parametrize("word", [*sorted(MORE_WORDS), "详细说说。", " 詳細 ", "详细！"])
async def test_details_typed_after_an_answer(engine: Engine, word: str) -> None:
    service = Service(engine, MemoryStore(), DEFAULT_POLICIES)
    first = await service.ask("邻里互助是什么", "web", "s1")
    more = await service.ask(word, "web", "s1")
    assert more.intent == first.intent == "linli.what" and more.reason == "details"
    whole = engine.booklet.intents["linli.what"].answer.strip()
    assert more.answer == whole and more.details == "" and more.source.startswith("《枣庄日报》")
    alone = await service.ask(word, "web", "s2")  # nothing asked before: an ordinary message
    assert alone.reason != "details"


@pytest.mark.parametrize(
    ("short", "whole", "missing"),
    [("交3元", "2013年", ["3元"]), ("添10元", "交100元", ["10元"]), ("10%–20%", "10%–20%", []),
     ("每人116元", "买了116元的保险", [])],
)  # fmt: skip
def test_the_figure_check_compares_whole_figures(
    short: str, whole: str, missing: list[str]
) -> None:
    have = set(_FIGURE.findall(whole))
    assert [n for n in _FIGURE.findall(short) if n not in have] == missing
