"""Conversation context through the service (a real SQLite store): when a message
continues the topic, when it does not, and when the context ends (issue 9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import Engine
from bot.service import Service
from bot.store import Store


@pytest.fixture
async def service(engine: Engine, tmp_path: Path) -> Service:
    store = await Store.open(tmp_path / "talk.db")
    yield Service(engine, store, tmp_path)  # type: ignore[misc]
    await store.close()


async def _talk(service: Service, *messages: str) -> list[tuple[bool, str | None, str]]:
    out = []
    for text in messages:
        reply = await service.ask(text, "web", "s1")
        out.append((reply.matched, reply.intent, reply.reason))
    return out


async def test_a_follow_up_continues(service: Service) -> None:
    talk = await _talk(service, "孝善养老是啥", "那要啥条件", "找谁办")
    assert [t[1] for t in talk] == ["xiaoshan.what", "xiaoshan.who", "xiaoshan.apply"]


async def test_a_new_topic_switches(service: Service) -> None:
    talk = await _talk(service, "孝善养老是啥", "住院要交押金吗")
    assert talk[1][1] == "jiankang.deposit"


@pytest.mark.parametrize("off", ["今天天气咋样", "明天下雨不", "电视剧好看吗"])
async def test_off_topic_never_inherits(service: Service, off: str) -> None:
    talk = await _talk(service, "孝善养老是啥", off)
    assert not talk[1][0]


async def test_the_context_ends_after_a_refusal(service: Service) -> None:
    talk = await _talk(service, "孝善养老是啥", "今天天气咋样", "那多少钱")
    assert talk[2] == (False, None, "vague")


async def test_the_context_ends_on_a_new_question(service: Service) -> None:
    talk = await _talk(service, "孝善养老是啥", "换个问题", "多少钱")
    assert talk[1][1] == "help.restart" and talk[2][2] == "vague"
    talk = await _talk(service, "邻里互助是啥", "新问题，要去哪办")
    assert talk[1][2] == "vague"


async def test_thanks_keeps_the_context(service: Service) -> None:
    talk = await _talk(service, "邻里互助是啥", "谢谢", "咋报名")
    assert talk[1][1] == "help.thanks" and talk[2][1] == "linli.apply"


async def test_restart_forgets(service: Service) -> None:
    await _talk(service, "孝善养老是啥")
    await service.restart("web", "s1")
    talk = await _talk(service, "那多少钱")
    assert talk[0][2] == "vague"


async def test_a_vague_question_waits_for_its_policy(service: Service) -> None:
    talk = await _talk(service, "能给多少钱", "孝善养老")
    assert talk[0][2] == "vague" and talk[1][1] == "xiaoshan.amount"


async def test_the_amount_given_later(service: Service) -> None:
    await _talk(service, "闺女给俺娘交孝善钱 公家添多少")
    reply = await service.ask("一个月一百五", "web", "s1")
    assert reply.intent == "xiaoshan.amount" and "15元到30元" in reply.answer


async def test_the_context_ends_after_ten_minutes(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    await _talk(service, "孝善养老是啥")
    later = time.time() + 601
    monkeypatch.setattr(time, "time", lambda: later)
    talk = await _talk(service, "那多少钱")
    assert talk[0][2] == "vague"


async def test_a_short_message_in_the_booklets_world_continues(service: Service) -> None:
    talk = await _talk(service, "孝善养老咋交钱", "钱是谁给老人送去")
    assert talk[1][0] and talk[1][1] is not None and talk[1][1].startswith("xiaoshan.")


async def test_a_pointer_back_is_about_the_last_answer(service: Service) -> None:
    talk = await _talk(service, "孝善养老政府添多少", "这是哪年的规定")
    assert talk[1][1] == "xiaoshan.amount"


async def test_a_word_of_another_question_beats_the_last_answer(service: Service) -> None:
    talk = await _talk(service, "村里扶贫分红咋分", "为啥俺家比别人少")
    assert talk[1][1] == "shouyi.amount"


async def test_a_vague_follow_up_is_what_it_asks(service: Service) -> None:
    talk = await _talk(service, "邻里互助是啥", "帮的人给钱不")
    assert talk[1][1] == "linli.pay"


async def test_the_age_one_turn_and_the_money_the_next(service: Service) -> None:
    await _talk(service, "俺爹七十六了 孝善养老能办不")
    reply = await service.ask("俺一个月给他二百", "web", "s1")
    assert reply.intent == "xiaoshan.amount"
    assert "20元到40元" in reply.answer and "76岁" in reply.answer


async def test_the_money_one_turn_and_the_age_the_next(service: Service) -> None:
    await _talk(service, "孝善养老 俺儿每月给俺交三百")
    reply = await service.ask("俺今年六十八", "web", "s1")
    assert reply.matched and reply.topic == "xiaoshan"
    assert "68岁" in reply.answer and "还差2年" in reply.answer


async def test_the_numbers_are_forgotten_on_another_topic(service: Service) -> None:
    await _talk(service, "孝善养老 俺儿每月给俺交三百", "邻里互助是啥")
    reply = await service.ask("孝善养老政府添多少", "web", "s1")
    assert "300" not in reply.answer


async def test_a_message_of_fillers_asks_which_policy(service: Service) -> None:
    talk = await _talk(service, "俺想问个事")
    assert talk[0][2] == "vague"
