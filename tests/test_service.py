"""The service: follow-up context, memory, feedback, safe reloads, curation."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.curation import export_examples
from bot.engine import Engine
from bot.loader import check_booklet
from bot.service import Service
from bot.settings import DEFAULT_POLICIES
from bot.store import Store


@pytest.fixture
async def service(engine: Engine, tmp_path: Path) -> AsyncIterator[Service]:
    store = await Store.open(tmp_path / "bot.sqlite3")
    yield Service(engine, store, DEFAULT_POLICIES)
    await store.close()


async def test_follow_up_uses_the_last_topic(service: Service) -> None:
    first = await service.ask("孝善养老是什么", "telegram", "chat-1")
    assert first.intent == "xiaoshan.what"
    second = await service.ask("那要什么条件", "telegram", "chat-1")
    assert second.matched and second.intent == "xiaoshan.who"
    assert "70岁" in second.answer


async def test_context_is_per_session_and_switches(service: Service) -> None:
    await service.ask("孝善养老是什么", "http", "a")
    other = await service.ask("那要什么条件", "http", "b")  # another person: no context
    assert not other.matched
    switched = await service.ask("邻里互助是啥", "http", "a")
    assert switched.topic == "linli"
    follow = await service.ask("能给多少钱", "http", "a")
    assert follow.intent == "linli.pay"


async def test_every_question_is_remembered(service: Service) -> None:
    await service.ask("孝善养老是什么", "http", "s")
    await service.ask("孩子上大学的助学贷款咋办", "http", "s")
    stats = await service.stats(days=7)
    assert stats["questions"] == 2 and stats["answered"] == 1
    groups = await service.unanswered(days=7)
    assert [g.count for g in groups] == [1]


async def test_thumbs_down_offers_other_answers_and_a_person(service: Service) -> None:
    reply = await service.feedback("http", "s", "孝善养老钱怎么领", "xiaoshan.what", False)
    assert "村扶贫专干" in reply.answer
    assert reply.suggestions and all(s.intent != "xiaoshan.what" for s in reply.suggestions)
    thanks = await service.feedback("http", "s", "孝善养老是什么", "xiaoshan.what", True)
    assert "谢谢" in thanks.answer
    assert (await service.stats(days=1))["feedback"] == {"helpful": 1, "not_helpful": 1}


async def test_a_broken_reload_keeps_the_old_booklet(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    shutil.copytree(DEFAULT_POLICIES, folder)
    service = Service(engine, None, folder)
    path = folder / "topics" / "xiaoshan.yaml"
    path.write_text(path.read_text("utf-8").replace("aspect: amount", "aspect: money"), "utf-8")
    outcome = await service.reload()
    assert outcome.problems and "topics/xiaoshan.yaml" in str(outcome.problems[0])
    assert service.engine is engine, "still answering from the old booklet"
    assert (await service.ask("孝善养老是什么", "http")).matched
    path.write_text(path.read_text("utf-8").replace("aspect: money", "aspect: amount"), "utf-8")
    (folder / "booklet.yaml").write_text(
        (folder / "booklet.yaml").read_text("utf-8").replace("2026.11.30", "2026.12.01"), "utf-8"
    )
    outcome = await service.reload()
    assert outcome.problems == [] and outcome.version == "2026.12.01"
    assert service.engine is not engine and service.version()["version"] == "2026.12.01"


async def test_export_pastes_into_a_valid_booklet(service: Service, tmp_path: Path) -> None:
    for q in ("俺家的羊生病了政府给治不", "俺家羊病了政府管治不", "今天天气怎么样"):
        await service.ask(q, "http", "s")
    groups = await service.unanswered(days=1)
    sheep = next(g for g in groups if g.count == 2)
    existing = [e for i in service.engine.booklet.intents.values() for e in i.examples]
    snippet = export_examples(sheep, "tuoguan.types", existing)
    folder = tmp_path / "policies"
    shutil.copytree(DEFAULT_POLICIES, folder)
    path = folder / "topics" / "tuoguan.yaml"
    lines = path.read_text("utf-8").split("\n")
    at = next(n for n, line in enumerate(lines) if line.strip() == "- id: tuoguan.types")
    at = next(n for n in range(at, len(lines)) if lines[n].strip() == "examples:")
    lines[at + 1 : at + 1] = snippet.rstrip("\n").split("\n")
    path.write_text("\n".join(lines), "utf-8")
    booklet, problems = check_booklet(folder)
    assert problems == [] and booklet is not None
    assert "俺家的羊生病了政府给治不" in booklet.intents["tuoguan.types"].examples


async def test_the_amount_asked_for_comes_in_the_next_message(service: Service) -> None:
    first = await service.ask("孝善资金政府给添多少", "web", "s1")
    assert "告诉我子女每月" in first.answer
    second = await service.ask("每月一百五", "web", "s1")
    assert second.intent == "xiaoshan.amount" and "政府每月添15元到30元" in second.answer
    other = await service.ask("邻里互助有什么好处", "web", "s1")
    assert other.topic == "linli", "a new topic is not taken for an amount"


async def test_long_questions_are_read_in_their_own_lane_with_the_same_answers(
    engine: Engine,
) -> None:
    """A long question takes tens of ms to read (issue 10, item 2): it is read in a
    thread of its own, one at a time, and answered exactly as the engine answers it."""
    import asyncio
    import threading

    from bot.service import HEAVY_CHARS

    service = Service(engine, None, DEFAULT_POLICIES)
    story = (
        "俺家住在村东头，俺爹今年八十了，身体不好，常年吃药，" * 8
        + "闺女每月给150孝善金，公家添多少"
    )
    assert len(story) > HEAVY_CHARS
    threads: set[str] = set()
    ask = engine.ask

    def spy(*args: object) -> object:
        threads.add(threading.current_thread().name)
        return ask(*args)  # type: ignore[arg-type]

    service.engine = Engine(engine.booklet)
    service.engine.ask = spy  # type: ignore[method-assign, assignment]
    replies = await asyncio.gather(*(service.ask(story, "http") for _ in range(3)))
    expected = engine.ask(story)
    assert all(r.intent == expected.intent and r.answer == expected.answer for r in replies)
    assert expected.intent == "xiaoshan.amount"
    assert threads and all(t.startswith("long-questions") for t in threads)
    await service.ask("孝善养老是什么", "http")
    assert threading.current_thread().name in threads, "short ones stay on the loop"


async def test_reloads_coalesce(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Concurrent reloads used to queue, each loading the booklet again (issue 10,
    item 5): ten at once load it once; calls during a load share one load after it."""
    import asyncio
    import logging

    folder = tmp_path / "policies"
    shutil.copytree(DEFAULT_POLICIES, folder)
    service = Service(engine, None, folder)
    caplog.set_level(logging.WARNING, logger="bot.service")
    outcomes = await asyncio.gather(*(service.reload() for _ in range(10)))
    assert all(not o.problems for o in outcomes)
    assert caplog.text.count("booklet reloaded") == 1
    caplog.clear()
    first = asyncio.ensure_future(service.reload())
    await asyncio.sleep(0)
    during = [asyncio.ensure_future(service.reload()) for _ in range(5)]
    await asyncio.gather(first, *during)
    assert caplog.text.count("booklet reloaded") == 2, "one more load for all who came during"
    assert service._current is None and service._next is None


async def test_a_card_is_due_once_per_chat_and_topic_on_every_replica(engine: Engine) -> None:
    """Two replicas on one store: the first answer of a topic in a chat brings its card,
    once, whichever replica answers; the help topic has none."""
    from bot.store.memory import MemoryStore

    store = MemoryStore()
    a, b = Service(engine, store, DEFAULT_POLICIES), Service(engine, store, DEFAULT_POLICIES)
    topic = engine.booklet.menu_topics[0].topic
    assert await a.card_due("telegram", "42", topic)
    assert not await b.card_due("telegram", "42", topic), "the other replica knows"
    assert await b.card_due("telegram", "43", topic), "another chat gets its own"
    help_topic = engine.booklet.meta.roles.help_topic
    if help_topic:
        assert not await a.card_due("telegram", "44", help_topic)
    alone = Service(engine, None, DEFAULT_POLICIES)  # no store: remembered in the process
    assert await alone.card_due("web", "s", topic) and not await alone.card_due("web", "s", topic)
