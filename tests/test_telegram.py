"""Telegram like a user: the real PTB Application polling a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.engine import Engine
from bot.frontdoor import FrontDoor
from bot.ratelimit import Gate
from bot.service import Service
from handlers.metrics import Metrics
from handlers.telegram import TelegramBot, TelegramSettings
from handlers.telegram_render import MAX_CALLBACK
from tests.helpers.fake_telegram import USERNAME, Call, FakeTelegram
from tests.helpers.waiting import wait_until


@contextlib.asynccontextmanager
async def running_bot(
    service: Engine | Service, rate_limit: int = 20, **settings: Any
) -> AsyncIterator[tuple[FakeTelegram, TelegramBot]]:
    """The real bot polling a fresh fake Bot API, ready, stopped afterwards."""
    async with FakeTelegram() as fake:
        config = TelegramSettings(fake.token, fake.base_url, **settings)
        metrics = Metrics()
        door = FrontDoor(Service.of(service), Gate(rate_limit), metrics)
        bot = TelegramBot(config, door, metrics)
        await bot.start()
        await asyncio.wait_for(bot.ready.wait(), timeout=10)
        try:
            yield fake, bot
        finally:
            await bot.stop()


@pytest.fixture
async def telegram(engine: Engine) -> AsyncIterator[tuple[FakeTelegram, TelegramBot]]:
    async with running_bot(engine) as pair:
        yield pair


def _buttons(call_params: dict[str, object]) -> list[tuple[str, str]]:
    markup = call_params.get("reply_markup")
    assert isinstance(markup, dict)
    return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]


async def test_start_registers_commands_and_shows_the_menu(
    telegram: tuple[FakeTelegram, TelegramBot],
) -> None:
    fake, _ = telegram
    commands = (await fake.wait_for("setMyCommands"))[0].params["commands"]
    assert {c["command"] for c in commands} == {"start", "menu", "help"}
    fake.text("/start")
    sent = (await fake.wait_for("sendMessage"))[0].params
    assert "您好" in sent["text"] and sent["parse_mode"] == "HTML"
    assert "来源" not in sent["text"]
    buttons = _buttons(sent)
    assert ("孝善养老", "t:xiaoshan") in buttons and len(buttons) >= 15


async def test_menu_to_topic_to_answer(telegram: tuple[FakeTelegram, TelegramBot]) -> None:
    fake, _ = telegram
    fake.button("t:xiaoshan")
    edited = (await fake.wait_for("editMessageText"))[0].params
    assert "孝善养老" in edited["text"]
    assert ("« 返回菜单", "m") in _buttons(edited)
    intent_button = next(d for t, d in _buttons(edited) if d == "a:xiaoshan.amount")
    fake.button(intent_button)
    answer = (await fake.wait_for("sendMessage"))[0].params
    assert "10%–20%" in answer["text"] and "来源：" in answer["text"]
    buttons = _buttons(answer)
    assert ("🏠 菜单", "M") in buttons and ("本项其他问题", "T:xiaoshan") in buttons
    assert any(d.startswith("a:") for _, d in buttons), "follow-up questions as buttons"
    # under an answer, the menu and the topic come as new messages: the answer stays
    fake.button("M", message_id=answer_id(fake), under=answer)
    menu = (await fake.wait_for("sendMessage", 2))[1].params
    assert ("邻里互助", "t:linli") in _buttons(menu)
    fake.button("T:xiaoshan", message_id=answer_id(fake), under=answer)
    topic = (await fake.wait_for("sendMessage", 3))[2].params
    assert "请选择您的问题" in topic["text"]
    assert len(await fake.wait_for("answerCallbackQuery", 4)) == 4
    before = await handled_until_now(fake)
    assert called(before, "editMessageText") == ["editMessageText"], "the menu only"
    assert called(before, "sendMessage") == ["sendMessage"] * 3


def replied_to(params: dict[str, Any]) -> object:
    """The message a sent message replies to (PTB sends it as reply_parameters)."""
    found = params.get("reply_parameters")
    return found.get("message_id") if isinstance(found, dict) else None


def answer_id(fake: FakeTelegram, n: int = 0) -> int:
    """The message id the fake gave the n-th message the bot sent."""
    return fake.results("sendMessage")[n]["message_id"]


def pushed_id(fake: FakeTelegram) -> int:
    """The message id of the message the test pushed last."""
    return int(fake.updates[-1]["message"]["message_id"])


async def handled_until_now(fake: FakeTelegram, chat_id: int = 77) -> list[Call]:
    """What the bot called for everything pushed so far, once all of it is handled.

    The bot handles updates one at a time, in order (PTB without concurrent_updates),
    each handler sending all it sends before the next update starts. So when a message
    pushed now ("谢谢", the barrier) is answered, whatever was pushed before it has been
    handled and sent. Returned: the calls before the barrier's answer."""
    fake.text("谢谢", chat_id=chat_id)
    barrier = pushed_id(fake)

    def answered() -> int | None:
        for n, call in enumerate(fake.calls):
            if call.method == "sendMessage" and replied_to(call.params) == barrier:
                return n
        return None

    await wait_until(lambda: answered() is not None, f"an answer to the barrier {barrier}", 10)
    index = answered()
    assert index is not None
    return fake.calls[:index]


def called(calls: list[Call], *names: str) -> list[str]:
    """The methods of `calls` that are among `names`, in order."""
    return [c.method for c in calls if c.method in names]


async def test_a_vote_is_thanked_by_a_toast_and_the_buttons_say_so(
    telegram_memory: tuple[FakeTelegram, TelegramBot],
) -> None:
    fake, _ = telegram_memory
    fake.text("孝善养老是什么")
    answer = (await fake.wait_for("sendMessage"))[0].params
    up = next(d for t, d in _buttons(answer) if t.startswith("👍"))
    fake.button(up, message_id=answer_id(fake), under=answer)
    toast = (await fake.wait_for("answerCallbackQuery"))[0].params
    assert toast["text"] == "已收到，谢谢"
    edited = (await fake.wait_for("editMessageReplyMarkup"))[0].params
    after = _buttons(edited)
    assert ("✅ 已收到，谢谢", "ok") in after
    assert not any(t.startswith(("👍", "👎")) for t, _ in after)
    assert [b for b in after if b[1].startswith("a:")] == [
        b for b in _buttons(answer) if b[1].startswith("a:")
    ], "the follow-ups stay"
    fake.button("ok", message_id=answer_id(fake), under=edited)
    await fake.wait_for("answerCallbackQuery", 2)
    before = await handled_until_now(fake)
    assert called(before, "sendMessage") == ["sendMessage"], (
        "no thank-you message, however often it is tapped"
    )


async def test_details_come_as_a_reply_under_the_answer(
    telegram_memory: tuple[FakeTelegram, TelegramBot],
) -> None:
    fake, _ = telegram_memory
    fake.text("孝善养老是什么")
    answer = (await fake.wait_for("sendMessage"))[0].params
    assert len(answer["text"]) < 300, "the short answer first"
    assert ("📖 详细说说", "d:xiaoshan.what") in _buttons(answer)
    fake.button("d:xiaoshan.what", message_id=answer_id(fake), under=answer)
    details = (await fake.wait_for("sendMessage", 2))[1].params
    assert "578万元" in details["text"] and "出处：《枣庄日报》" in details["text"]
    assert replied_to(details) == answer_id(fake)
    fake.text("详细")  # typed: the rest of the last answer too
    typed = (await fake.wait_for("sendMessage", 3))[2].params
    assert "578万元" in typed["text"]


async def test_buttons_fit_a_phone(telegram: tuple[FakeTelegram, TelegramBot]) -> None:
    fake, bot = telegram
    for topic in bot.engine.booklet.menu_topics:
        fake.button(f"t:{topic.topic}")
    edits = await fake.wait_for("editMessageText", len(bot.engine.booklet.menu_topics))
    titles = [t for e in edits for t, d in _buttons(e.params) if d.startswith("a:")]
    assert titles and max(len(t) for t in titles) <= 16, max(titles, key=len)


async def test_free_text_question(telegram: tuple[FakeTelegram, TelegramBot]) -> None:
    fake, bot = telegram
    fake.text("邻里互助有什么好处")
    sent = (await fake.wait_for("sendMessage"))[0].params
    assert "<b>邻里互助是什么？有什么好处？</b>" in sent["text"]
    assert "410万" in sent["text"]
    assert b'policybot_questions_answered_total{channel="telegram"} 1.0' in bot.metrics.render()


async def test_unsure_question_gets_suggestion_buttons(
    telegram: tuple[FakeTelegram, TelegramBot],
) -> None:
    fake, _ = telegram
    fake.text("保险")
    sent = (await fake.wait_for("sendMessage"))[0].params
    assert "您是不是想问" in sent["text"]
    answers = [d for _, d in _buttons(sent) if d.startswith("a:")]
    assert 1 <= len(answers) <= 3


async def test_out_of_scope_says_so_and_shows_menu(
    telegram: tuple[FakeTelegram, TelegramBot],
) -> None:
    fake, _ = telegram
    fake.text("孩子上大学的助学贷款咋办")
    sent = (await fake.wait_for("sendMessage"))[0].params
    assert "村扶贫专干" in sent["text"]
    assert ("🏠 菜单", "M") in _buttons(sent)


async def test_inline_query_lists_answers(telegram: tuple[FakeTelegram, TelegramBot]) -> None:
    fake, _ = telegram
    fake.inline("孝善")
    results = (await fake.wait_for("answerInlineQuery"))[0].params["results"]
    assert results and all(r["type"] == "article" for r in results)
    assert results[0]["id"].startswith("xiaoshan.")
    assert results[0]["input_message_content"]["parse_mode"] == "HTML"


async def test_sticker_gets_a_polite_reply(telegram: tuple[FakeTelegram, TelegramBot]) -> None:
    fake, _ = telegram
    fake.sticker()
    sent = (await fake.wait_for("sendMessage"))[0].params
    assert "只认得文字" in sent["text"]


async def test_in_groups_only_when_addressed(telegram: tuple[FakeTelegram, TelegramBot]) -> None:
    fake, _ = telegram
    group = {"chat_id": -100, "chat_type": "group"}
    fake.text("孝善养老是什么", **group)  # not addressed: silence
    fake.text(f"@{USERNAME} 危房改造 对象", **group)
    mentioned = pushed_id(fake)
    fake.text("一站式结算是啥", **group, reply_to_bot=True)
    replying = pushed_id(fake)
    fake.text("邻里互助是什么", **group)  # not addressed either
    # handled after all the others (one update at a time, in order): when it is
    # answered, the two messages not addressed to the bot have already been passed over
    fake.text(f"@{USERNAME} 谢谢", **group)
    last = pushed_id(fake)
    sent = await fake.wait_for("sendMessage", 3)
    assert [replied_to(c.params) for c in sent] == [mentioned, replying, last]
    assert len(fake.sent()) == 3, [c.params["text"][:20] for c in fake.sent()]
    assert "危房改造" in sent[0].params["text"]
    assert "一站式" in sent[1].params["text"]


async def test_a_send_failure_is_logged_and_the_person_is_told(
    telegram: tuple[FakeTelegram, TelegramBot],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import handlers.telegram as module

    monkeypatch.setattr(module, "SEND_BACKOFF", (0.01, 0.01))
    fake, _ = telegram
    fake.fail_next["sendMessage"] = 3  # the answer fails even when retried; the apology works
    fake.text("孝善养老咋领钱")
    apology = (await fake.wait_for("sendMessage"))[0].params
    assert "出了点问题" in apology["text"]
    assert "孝善养老咋领钱" in apology["text"], "the question is not lost"
    assert "error while handling a Telegram update" in caplog.text


def test_callback_data_fits(engine: Engine) -> None:
    for intent in engine.booklet.intents:
        assert len(f"a:{intent}".encode()) <= MAX_CALLBACK
    for topic in engine.booklet.topics:
        assert len(f"t:{topic.topic}".encode()) <= MAX_CALLBACK


async def test_a_failure_after_connecting_is_retried(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import handlers.telegram as module

    monkeypatch.setattr(module, "RETRY_DELAYS", (0.05,))
    async with FakeTelegram() as fake:
        fake.fail_next["deleteWebhook"] = 1  # start_polling fails once, after initialize
        settings = TelegramSettings(fake.token, fake.base_url)
        bot = TelegramBot(settings, engine, Metrics())
        await bot.start()
        try:
            await asyncio.wait_for(bot.ready.wait(), timeout=10)
            fake.text("孝善养老是什么")
            assert "孝善" in (await fake.wait_for("sendMessage"))[0].params["text"]
            assert "retrying" in caplog.text
        finally:
            await bot.stop()


async def test_telegram_down_at_start_does_not_stop_the_rest(
    engine: Engine, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    import handlers.telegram as module

    monkeypatch.setattr(module, "RETRY_DELAYS", (0.05,))
    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = TelegramSettings("4242:TEST-token", f"http://127.0.0.1:{port}/bot")
    bot = TelegramBot(settings, engine, Metrics())
    await bot.start()  # returns at once: connecting goes on in the background
    await wait_until(
        lambda: "cannot reach Telegram (attempt 2, retrying)" in caplog.text,
        "a second failed attempt to reach Telegram logged",
    )
    assert not bot.ready.is_set()
    await bot.stop()  # and stopping while it retries is clean


@pytest.fixture
async def telegram_memory(
    engine: Engine, tmp_path: Any
) -> AsyncIterator[tuple[FakeTelegram, TelegramBot]]:

    from bot.service import Service
    from bot.settings import DEFAULT_POLICIES
    from bot.store import Store

    folder = tmp_path / "policies"
    shutil.copytree(DEFAULT_POLICIES, folder)
    store = await Store.open(tmp_path / "bot.sqlite3")
    try:
        service = Service(engine, store, folder)
        async with running_bot(service, cadres=frozenset({501})) as pair:
            yield pair
    finally:
        await store.close()


async def test_follow_up_on_telegram(telegram_memory: tuple[FakeTelegram, TelegramBot]) -> None:
    fake, _ = telegram_memory
    fake.text("孝善养老是什么")
    await fake.wait_for("sendMessage")
    fake.text("那要什么条件")
    second = (await fake.wait_for("sendMessage", 2))[1].params
    assert "谁能享受孝善养老" in second["text"] and "70岁" in second["text"]


async def test_thumbs_down_offers_alternatives(
    telegram_memory: tuple[FakeTelegram, TelegramBot],
) -> None:
    fake, _ = telegram_memory
    fake.text("孝善养老是什么")
    answer = (await fake.wait_for("sendMessage"))[0].params
    buttons = _buttons(answer)
    down = next(d for t, d in buttons if t.startswith("👎"))
    assert any(t.startswith("👍") for t, _ in buttons)
    fake.button(down)
    reply = (await fake.wait_for("sendMessage", 2))[1].params
    assert "村扶贫专干" in reply["text"]
    assert any(d.startswith("a:") for _, d in _buttons(reply)), "other answers offered"


async def test_cadre_commands_only_for_cadres(
    telegram_memory: tuple[FakeTelegram, TelegramBot],
) -> None:
    fake, _ = telegram_memory
    scoped = [c for c in await fake.wait_for("setMyCommands", 2) if c.params.get("scope")]
    assert scoped and scoped[0].params["scope"]["chat_id"] == 501
    assert "unanswered" in {c["command"] for c in scoped[0].params["commands"]}
    fake.text("孩子上大学的助学贷款咋办", chat_id=77)
    await fake.wait_for("sendMessage")
    fake.text("/unanswered", chat_id=77)  # not a cadre
    refusal = (await fake.wait_for("sendMessage", 2))[1].params
    assert "村干部" in refusal["text"]
    fake.text("保险", chat_id=78)  # unsure: answered with guesses, kept as unanswered
    await fake.wait_for("sendMessage", 3)
    fake.text("/unanswered", chat_id=501)
    report = (await fake.wait_for("sendMessage", 4))[3].params
    assert "助学贷款" in report["text"] and "1次" in report["text"]
    assert "保险" in report["text"]
    assert not re.search(r"\b[a-z]+\.[a-z_]+\b", report["text"]), "titles, not intent ids"
    fake.text("/version", chat_id=501)
    assert "图册版本" in (await fake.wait_for("sendMessage", 5))[4].params["text"]


async def test_reload_of_a_broken_booklet_keeps_answering(
    telegram_memory: tuple[FakeTelegram, TelegramBot],
) -> None:
    fake, bot = telegram_memory
    path = bot.service.folder / "topics" / "linli.yaml"
    path.write_text(path.read_text("utf-8").replace("aspect: who", "aspect: whom", 1), "utf-8")
    fake.text("/reload", chat_id=501)
    report = (await fake.wait_for("sendMessage"))[0].params["text"]
    assert "仍在用旧版" in report and "topics/linli.yaml" in report
    fake.text("邻里互助有什么好处", chat_id=77)
    answer = (await fake.wait_for("sendMessage", 2))[1].params["text"]
    assert "410万" in answer


async def test_too_many_questions_get_one_please_wait(engine: Engine) -> None:
    async with running_bot(engine, rate_limit=2) as (fake, _):
        asked = []
        for n in range(5):
            fake.text(f"孝善养老是什么{n}")
            asked.append(pushed_id(fake))
        # another person is not slowed; handled after the five (one update at a time, in
        # order), its answer also shows that the last two of the five got nothing
        fake.text("邻里互助是什么", chat_id=88)
        other = pushed_id(fake)
        sent = await fake.wait_for("sendMessage", 4)
        assert len(fake.sent()) == 4, "two answers, one 'please wait', then quiet"
        assert [replied_to(c.params) for c in sent[:2]] == asked[:2]
        assert all("孝善养老" in c.params["text"] for c in sent[:2])
        assert sent[2].params["text"].startswith("您问得太快了，请歇一会儿，大约")
        assert replied_to(sent[3].params) == other and "邻里互助" in sent[3].params["text"]


async def test_calculator_on_telegram(telegram: tuple[FakeTelegram, TelegramBot]) -> None:
    fake, _ = telegram
    fake.text("闺女每月给俺娘交150孝善金，公家添多少")
    sent = (await fake.wait_for("sendMessage"))[0].params
    assert "政府每月添15元到30元" in sent["text"] and "来源：" in sent["text"]


async def test_a_topics_first_answer_comes_with_its_card(
    telegram: tuple[FakeTelegram, TelegramBot],
) -> None:
    fake, _ = telegram
    fake.text("孝善养老是什么")
    answer = (await fake.wait_for("sendMessage"))[0].params
    photos = await fake.wait_for("sendPhoto")
    assert len(photos) == 1
    methods = [c.method for c in fake.calls if c.method in ("sendMessage", "sendPhoto")]
    assert methods[:2] == ["sendMessage", "sendPhoto"], "the card comes after the answer"
    assert replied_to(photos[0].params) == answer_id(fake)
    assert photos[0].params["caption"] == "图解：孝善养老"
    assert ("📷 图片", "c:xiaoshan") in _buttons(answer)
    fake.text("谁能享受孝善养老")
    fake.button("c:xiaoshan")
    before = await handled_until_now(fake)
    assert called(before, "sendMessage", "sendPhoto") == [
        "sendMessage", "sendPhoto",  # the first answer of the topic, with its card
        "sendMessage",  # the second: no card again
        "sendPhoto",  # the card on the button
    ]  # fmt: skip


async def test_listen_sends_the_short_answer_as_a_voice_message(
    telegram_memory: tuple[FakeTelegram, TelegramBot],
) -> None:
    fake, _ = telegram_memory
    fake.text("116元的补充保险是啥")
    answer = (await fake.wait_for("sendMessage"))[0].params
    listen = next(d for t, d in _buttons(answer) if t == "🔊 听一听")
    fake.button(listen, message_id=answer_id(fake), under=answer)
    toast = (await fake.wait_for("answerCallbackQuery"))[0].params
    assert toast["text"] == "正在准备声音，请稍等"
    voice = (await fake.wait_for("sendVoice", timeout=60))[0]
    assert replied_to(voice.params) == answer_id(fake)
    assert voice.params["voice_bytes"][:4] == b"OggS", "OGG/Opus, as Telegram plays it"
