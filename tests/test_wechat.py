"""The WeChat Official Account channel against a fake WeChat on 127.0.0.1: messages
signed (and in safe mode encrypted) with wechatpy, posted to the real aiohttp app; the
API side (token, customer-service messages, media, menu) served and recorded."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import xmltodict
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.engine import Engine
from bot.frontdoor import FrontDoor
from bot.ratelimit import Gate
from bot.service import Service
from bot.settings import DEFAULT_POLICIES, PROJECT_ROOT, SettingError
from bot.store import Store
from handlers.http import make_app
from handlers.metrics import Metrics
from handlers.wechat import (
    GONE,
    LISTEN,
    MORE,
    NO_VOICE,
    NOT_TEXT,
    NOTHING_TO_READ,
    PASSIVE_LIMIT,
    READING,
    VOICE_UNHEARD,
    WeChatChannel,
    WeChatSettings,
    menu,
    more,
    render,
    wechat_settings,
)
from handlers.wechat_api import WeChatAPI
from tests.helpers.fake_wechat import AES_KEY, APP_ID, APP_SECRET, BOT, TOKEN, FakeWeChat, Phone

Client = TestClient[Any, Any]
MakeClient = Callable[[web.Application], Awaitable[Client]]


@dataclass
class Bot:
    client: Client
    channel: WeChatChannel
    store: Store
    db: Path
    fake: FakeWeChat

    def phone(self, openid: str = "oFollower1", safe: bool = False) -> Phone:
        return Phone(self.client, openid, safe=safe)

    def questions(self) -> list[tuple[str, str | None]]:
        with sqlite3.connect(self.db) as db:
            return list(db.execute("SELECT text, intent FROM questions ORDER BY id"))


async def _bot(engine: Engine, tmp_path: Path, aiohttp_client: MakeClient, fake: FakeWeChat,
               api: bool = True, aes: bool = False, per_person: int = 1000,
               **channel: Any) -> Bot:  # fmt: skip
    db = tmp_path / "bot.sqlite3"
    store = await Store.open(db)
    service = Service(engine, store, DEFAULT_POLICIES)
    metrics = Metrics()
    door = FrontDoor(service, Gate(per_person), metrics)
    settings = WeChatSettings(
        TOKEN,
        APP_ID if api or aes else None,
        APP_SECRET if api else None,
        AES_KEY if aes else None,
        fake.base_url,
    )
    wechat = WeChatChannel(settings, door, store, **channel)
    client = await aiohttp_client(make_app(service, metrics, [wechat], door=door))
    return Bot(client, wechat, store, db, fake)


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeChat]:
    async with FakeWeChat() as server:
        yield server


@pytest.fixture
async def bot(engine: Engine, tmp_path: Path, aiohttp_client: MakeClient,
              fake: FakeWeChat) -> AsyncIterator[Bot]:  # fmt: skip
    made = await _bot(engine, tmp_path, aiohttp_client, fake)
    yield made
    await made.channel.stop()  # its cards and late answers are sent before the store closes
    await made.store.close()


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _numbered(text: str) -> list[str]:
    """The titles of the numbered lines, in order ("回复 1：…")."""
    return [line.split("：", 1)[1] for line in _lines(text) if line.startswith("回复 ")
            and line[3:4].isdigit()]  # fmt: skip


# the URL check and signatures ------------------------------------------------------------


async def test_the_url_check_echoes_only_with_the_right_signature(bot: Bot) -> None:
    phone = bot.phone()
    ok = await bot.client.get("/wechat", params=phone.query(echostr="8271638109"))
    assert ok.status == 200 and await ok.text() == "8271638109"
    wrong = await bot.client.get("/wechat", params=phone.query(signature="0" * 40, echostr="1"))
    assert wrong.status == 403
    missing = await bot.client.get("/wechat", params={"echostr": "1"})
    assert missing.status == 403


async def test_a_message_with_a_wrong_or_missing_signature_gets_403_and_is_not_stored(
    bot: Bot,
) -> None:
    phone = bot.phone()
    status, _ = await phone.post(phone.text("孝善养老是什么"), phone.query(signature="f" * 40))
    assert status == 403
    response = await bot.client.post("/wechat", data=phone.text("孝善养老是什么"))
    assert response.status == 403
    assert bot.questions() == []


@pytest.mark.parametrize(
    "body",
    [
        b"not xml at all",
        b"<xml><Content>unclosed",
        b"<other><MsgType>text</MsgType></other>",
        b"<xml><FromUserName>o1</FromUserName><Content>no type</Content></xml>",
        b"<xml><MsgType>text</MsgType><Content>nobody sent this</Content></xml>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        b"<xml><MsgType>text</MsgType><FromUserName>o</FromUserName><Content>&b;</Content></xml>",
        bytes(range(256)),
        "<xml>🙂🙂🙂</xml>".encode(),
        b"",
    ],
)
async def test_malformed_xml_gets_400_with_a_logged_reason_never_500(
    bot: Bot, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    phone = bot.phone()
    with caplog.at_level(logging.WARNING, logger="handlers.wechat"):
        status, _ = await phone.post(body)
    assert status == 400
    assert any("refused (400)" in r.getMessage() for r in caplog.records)
    assert bot.questions() == []


async def test_a_huge_body_gets_413(bot: Bot) -> None:
    phone = bot.phone()
    status, _ = await phone.post(b"<xml>" + b"a" * 200_000 + b"</xml>")
    assert status == 413


# text, numbers, 详细 ---------------------------------------------------------------------


async def test_a_question_gets_the_answer_its_source_and_numbered_follow_ups(
    bot: Bot, engine: Engine
) -> None:
    phone = bot.phone()
    text = await phone.say(phone.text("俺娘的孝善钱，公家给添多少？"))
    expected = engine.ask("俺娘的孝善钱，公家给添多少？")
    assert text.startswith(f"【{expected.title}】")
    assert "10%–20%" in text and expected.source_line in text
    assert expected.source_line.startswith("来源：枣庄日报")
    assert _numbered(text) == [f.title for f in expected.follow_ups]
    assert bot.questions() == [("俺娘的孝善钱，公家给添多少？", "xiaoshan.amount")]


async def test_a_bare_digit_answers_the_last_numbered_list(bot: Bot, engine: Engine) -> None:
    phone = bot.phone()
    first = await phone.say(phone.text("孝善养老是什么"))
    follow_ups = engine.answer("xiaoshan.what").follow_ups  # type: ignore[union-attr]
    assert _numbered(first) == [f.title for f in follow_ups]
    second = await phone.say(phone.text("2"))
    chosen = engine.answer(follow_ups[1].intent)
    assert chosen is not None and second.startswith(f"【{chosen.title}】")
    assert chosen.answer.strip().splitlines()[0] in second
    # a number beyond the list is a message like any other: here, after the answer on
    # how much the state adds, the amount the children pay
    beyond = await phone.say(phone.text("150"))
    assert "150元" in beyond and "15元到30元" in beyond


async def test_suggestions_are_numbered_and_a_digit_picks_one(bot: Bot, engine: Engine) -> None:
    phone = bot.phone()
    text = await phone.say(phone.text("多少钱"))
    vague = engine.ask("多少钱")
    assert "回复 1：" in text and _numbered(text) == [s.title for s in vague.suggestions]
    picked = await phone.say(phone.text("２"))  # a full-width digit, as phones type them
    second = engine.answer(vague.suggestions[1].intent)
    assert second is not None and picked.startswith(f"【{second.title}】")


async def test_the_numbered_list_belongs_to_its_person(bot: Bot) -> None:
    first, other = bot.phone("oFirst"), bot.phone("oOther")
    await first.say(first.text("孝善养老是什么"))
    reply = await other.say(other.text("1"))
    assert not reply.startswith("【孝善养老")


async def test_a_long_answer_is_cut_and_详细_sends_the_rest(
    engine: Engine, tmp_path: Path, aiohttp_client: MakeClient, fake: FakeWeChat
) -> None:
    bot = await _bot(engine, tmp_path, aiohttp_client, fake, limit=600)
    phone = bot.phone()
    answer = engine.answer("xiaoshan.what")
    assert answer is not None
    first = await phone.say(phone.text("孝善养老是什么"))
    assert len(first.encode()) <= 600
    assert first.endswith(MORE)
    assert answer.answer in first and answer.caveat in first, "the short answer first"
    assert answer.source_line in first, "the plain source with the first part"
    assert _numbered(first) == [f.title for f in answer.follow_ups]
    parts = []
    for _ in range(10):
        nxt = await phone.say(phone.text("详细"))
        assert len(nxt.encode()) <= 600
        parts.append(nxt.removesuffix(MORE).removesuffix("\n").removesuffix("……"))
        if not nxt.endswith(MORE):
            break
    assert len(parts) > 1, "the whole answer is cut too"
    whole = "".join(p.strip() for p in parts).replace("\n", "")
    assert whole == answer.details.replace("\n", "")
    assert "578万元" in whole and "出处：《枣庄日报》" in whole
    last = await phone.say(phone.text("详细"))
    assert "已经是全文" in last
    await bot.store.close()


def test_every_answer_in_the_booklet_fits_one_wechat_message(engine: Engine) -> None:
    for intent in engine.booklet.intents:
        reply = engine.answer(intent)
        assert reply is not None
        rendered = render(reply)
        assert len(rendered.text.encode()) <= PASSIVE_LIMIT, intent
        if rendered.rest:
            assert rendered.text.endswith(MORE)


def test_cutting_never_splits_a_character_and_pages_add_up() -> None:
    text = "甲乙丙丁。" * 400 + "最后一句。"
    rendered = more(text, limit=300)
    pages, rest = [rendered], rendered.rest
    while rest:
        page = more(rest, limit=300)
        pages.append(page)
        rest = page.rest
    assert all(len(p.text.encode()) <= 300 for p in pages)
    joined = "".join(p.text.removesuffix(MORE).rstrip().removesuffix("……") for p in pages)
    assert joined.replace("\n", "") == text


# events and other messages ----------------------------------------------------------------


async def test_subscribe_greets_and_says_how_to_ask_then_1_answers(
    bot: Bot, engine: Engine
) -> None:
    phone = bot.phone("oNewcomer")
    greeting = await phone.say(phone.event("subscribe"))
    roles = engine.booklet.meta.roles
    assert "打字问" in greeting
    assert _numbered(greeting) == [engine.booklet.intents[i].title for i in roles.choices]
    one = await phone.say(phone.text("1"))
    assert one.startswith(f"【{engine.booklet.intents[roles.choices[0]].title}】")
    assert await phone.say(phone.event("unsubscribe")) == ""


async def test_a_menu_click_opens_its_topic_and_numbers_its_questions(
    bot: Bot, engine: Engine
) -> None:
    phone = bot.phone()
    topic = next(t for t in engine.booklet.menu_topics if t.topic == "linli")
    text = await phone.say(phone.event("CLICK", "topic:linli"))
    assert text.startswith(f"【{topic.intents[0].title}】")
    assert _numbered(text) == [i.title for i in topic.intents[1:]]
    picked = await phone.say(phone.text("1"))
    assert picked.startswith(f"【{topic.intents[1].title}】")
    everything = await phone.say(phone.event("CLICK", "menu"))
    assert _numbered(everything) == [t.title for t in engine.booklet.menu_topics]
    assert await phone.say(phone.event("CLICK", "topic:no-such-topic")) == GONE
    assert await phone.say(phone.event("VIEW", "https://example.org/")) == ""


async def test_voice_uses_the_recognition_text_else_asks_to_type(bot: Bot) -> None:
    phone = bot.phone()
    heard = phone.message("voice", MediaId="m1", Format="amr", Recognition="孝善养老是什么")[0]
    assert (await phone.say(heard)).startswith("【孝善养老")
    unheard = phone.message("voice", MediaId="m2", Format="amr")[0]
    assert await phone.say(unheard) == VOICE_UNHEARD


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("image", {"PicUrl": "http://example.org/a.jpg", "MediaId": "m"}),
        ("video", {"MediaId": "m", "ThumbMediaId": "t"}),
        ("shortvideo", {"MediaId": "m", "ThumbMediaId": "t"}),
        ("location", {"Location_X": "34.8", "Location_Y": "117.3", "Scale": "15", "Label": "枣庄"}),
        ("link", {"Title": "t", "Description": "d", "Url": "http://example.org"}),
    ],
)
async def test_pictures_videos_places_and_links_get_a_kind_reply(
    bot: Bot, kind: str, fields: dict[str, str]
) -> None:
    phone = bot.phone()
    assert await phone.say(phone.message(kind, **fields)[0]) == NOT_TEXT


# retries ----------------------------------------------------------------------------------


async def test_a_retried_message_is_answered_once_and_stored_once(bot: Bot) -> None:
    phone = bot.phone()
    xml = phone.text("危房改造 对象")
    first = await phone.say(xml)
    again = await phone.say(xml)  # WeChat heard nothing and sends the same MsgId
    assert first and again == first
    together = await asyncio.gather(*(phone.say(phone.text("孝善养老是什么")) for _ in range(1)))
    same = phone.text("邻里互助是什么")
    both = await asyncio.gather(phone.say(same), phone.say(same))  # the retry while answering
    assert both[0] == both[1] and both[0].startswith("【")
    assert [q for q, _ in bot.questions()] == ["危房改造 对象", "孝善养老是什么", "邻里互助是什么"]
    assert together


async def test_a_retry_reaching_another_replica_is_not_answered_again(
    engine: Engine, tmp_path: Path, aiohttp_client: MakeClient, fake: FakeWeChat
) -> None:
    one = await _bot(engine, tmp_path, aiohttp_client, fake)
    other_store = await Store.open(one.db)  # the second replica shares the database
    service = Service(engine, other_store, DEFAULT_POLICIES)
    door = FrontDoor(service, Gate(1000))
    settings = WeChatSettings(TOKEN, None, None, None, fake.base_url)
    second = WeChatChannel(settings, door, other_store)
    client = await aiohttp_client(make_app(service, None, [second], door=door))
    xml = Phone(one.client).text("孝善养老是什么")
    assert (await Phone(one.client).say(xml)).startswith("【孝善养老")
    assert await Phone(client).say(xml) == ""  # "success": answered already
    assert len(one.questions()) == 1
    await other_store.close()
    await one.store.close()


async def test_an_event_retried_is_answered_once(bot: Bot) -> None:
    phone = bot.phone("oTwice")
    xml = phone.event("subscribe")
    first = await phone.say(xml)
    assert first and await phone.say(xml) == first


# slow answers, picture cards, the access token -----------------------------------------------


async def test_a_slow_answer_gets_success_and_comes_through_the_customer_service_api(
    engine: Engine, tmp_path: Path, aiohttp_client: MakeClient, fake: FakeWeChat
) -> None:
    bot = await _bot(engine, tmp_path, aiohttp_client, fake, deadline=0.0)
    phone = bot.phone("oSlow")
    assert await phone.say(phone.text("孝善养老是什么")) == ""
    sent = await fake.wait_for("/cgi-bin/message/custom/send")
    texts = [c.body for c in sent if c.body["msgtype"] == "text"]
    assert texts and texts[0]["touser"] == "oSlow"
    assert texts[0]["text"]["content"].startswith("【孝善养老")
    await bot.channel.stop()
    await bot.store.close()


async def test_a_topics_first_answer_brings_its_picture_card_once(
    bot: Bot, fake: FakeWeChat
) -> None:
    phone = bot.phone("oCard")
    await phone.say(phone.text("孝善养老是什么"))
    uploads = await fake.wait_for("/cgi-bin/media/upload")
    assert uploads[0].body[:8] == b"\x89PNG\r\n\x1a\n" and uploads[0].query["type"] == "image"
    sent = await fake.wait_for("/cgi-bin/message/custom/send")
    assert sent[0].body == {"touser": "oCard", "msgtype": "image", "image": {"media_id": "MEDIA_2"}}
    await phone.say(phone.text("孝善养老谁能领"))
    other = bot.phone("oOther")
    await other.say(other.text("孝善养老是什么"))  # the uploaded image serves others too
    await fake.wait_for("/cgi-bin/message/custom/send", 2)
    await bot.channel.stop()
    assert len(fake.sent("/cgi-bin/media/upload")) == 1
    assert [c.body["touser"] for c in fake.sent()] == ["oCard", "oOther"]


async def test_a_token_expiring_mid_run_is_replaced_once(fake: FakeWeChat, tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "s.sqlite3")
    api = WeChatAPI(fake.base_url, APP_ID, APP_SECRET, store)
    await api.send_text("oA", "一")
    fake.expire_tokens()
    await api.send_text("oA", "二")
    assert fake.tokens_issued == ["ACCESS_TOKEN_1", "ACCESS_TOKEN_2"]
    sends = fake.sent()
    assert [c.query["access_token"] for c in sends] == [
        "ACCESS_TOKEN_1", "ACCESS_TOKEN_1", "ACCESS_TOKEN_2"]  # fmt: skip
    # a second replica finds the token in the store and fetches none of its own
    replica = WeChatAPI(fake.base_url, APP_ID, APP_SECRET, store)
    await replica.send_text("oB", "三")
    assert len(fake.tokens_issued) == 2
    await api.close()
    await replica.close()
    await store.close()


async def test_many_calls_at_once_share_one_token_fetch(fake: FakeWeChat) -> None:
    api = WeChatAPI(fake.base_url, APP_ID, APP_SECRET, None)
    await asyncio.gather(*(api.send_text(f"o{n}", "好") for n in range(10)))
    assert fake.tokens_issued == ["ACCESS_TOKEN_1"]
    await api.close()


# safe and compatible modes -------------------------------------------------------------------


async def test_safe_mode_round_trip(
    engine: Engine, tmp_path: Path, aiohttp_client: MakeClient, fake: FakeWeChat
) -> None:
    bot = await _bot(engine, tmp_path, aiohttp_client, fake, api=False, aes=True)
    phone = bot.phone(safe=True)
    assert (await phone.say(phone.text("孝善养老是什么"))).startswith("【孝善养老")
    # the raw reply on the wire is encrypted: no Chinese in it
    query = phone.query()
    encrypted = phone.crypto.encrypt_message(phone.text("邻里互助是什么"), query["nonce"],  # type: ignore[union-attr]
                                             query["timestamp"])  # fmt: skip
    fields = xmltodict.parse(encrypted)["xml"]
    wire = await bot.client.post(
        "/wechat",
        params={**query, "encrypt_type": "aes", "msg_signature": fields["MsgSignature"]},
        data=f"<xml><ToUserName>{BOT}</ToUserName><Encrypt>{fields['Encrypt']}</Encrypt></xml>",
    )
    raw = await wire.text()
    assert wire.status == 200 and "<Encrypt>" in raw and "邻里" not in raw
    wrong = await bot.client.post(
        "/wechat",
        params={**query, "encrypt_type": "aes", "msg_signature": "0" * 40},
        data=f"<xml><ToUserName>{BOT}</ToUserName><Encrypt>{fields['Encrypt']}</Encrypt></xml>",
    )
    assert wrong.status == 403
    await bot.store.close()


async def test_compatible_mode_takes_plaintext_and_encrypted_messages(
    engine: Engine, tmp_path: Path, aiohttp_client: MakeClient, fake: FakeWeChat
) -> None:
    bot = await _bot(engine, tmp_path, aiohttp_client, fake, api=False, aes=True)
    plain = bot.phone("oPlain")
    assert (await plain.say(plain.text("孝善养老是什么"))).startswith("【孝善养老")
    safe = bot.phone("oSafe", safe=True)
    assert (await safe.say(safe.text("邻里互助是什么"))).startswith("【邻里互助")
    await bot.store.close()


async def test_an_encrypted_message_without_an_aes_key_gets_400(bot: Bot) -> None:
    phone = bot.phone()
    status, _ = await phone.post(phone.text("孝善"), phone.query(encrypt_type="aes"))
    assert status == 400


# limits, settings, the menu ------------------------------------------------------------------


async def test_the_rate_limit_counts_each_follower(
    engine: Engine, tmp_path: Path, aiohttp_client: MakeClient, fake: FakeWeChat
) -> None:
    bot = await _bot(engine, tmp_path, aiohttp_client, fake, per_person=2)
    phone, other = bot.phone("oFast"), bot.phone("oCalm")
    for _ in range(2):
        assert (await phone.say(phone.text("孝善养老是什么"))).startswith("【")
    refused = await phone.say(phone.text("孝善养老是什么"))
    assert refused.startswith("您问得太快了，请等") and "秒再问" in refused
    assert (await other.say(other.text("孝善养老是什么"))).startswith("【")
    await bot.store.close()


def test_settings_are_validated_and_name_the_bad_one() -> None:
    assert wechat_settings({}) is None
    good = {"WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "WECHAT_APP_SECRET": APP_SECRET,
            "WECHAT_AES_KEY": AES_KEY}  # fmt: skip
    made = wechat_settings(good)
    assert made is not None and made.aes_key == AES_KEY
    assert made.api_base_url == "https://api.weixin.qq.com/"
    for name, value in [("WECHAT_TOKEN", "a!"), ("WECHAT_AES_KEY", "short"),
                        ("WECHAT_APP_ID", "x"), ("WECHAT_APP_SECRET", "s p a c e"),
                        ("WECHAT_API_BASE_URL", "ftp://x")]:  # fmt: skip
        with pytest.raises(SettingError, match=name):
            wechat_settings({**good, name: value})
    with pytest.raises(SettingError, match="WECHAT_APP_ID"):
        wechat_settings({"WECHAT_TOKEN": TOKEN, "WECHAT_AES_KEY": AES_KEY})


def test_the_menu_fits_wechat_and_reaches_every_topic(engine: Engine) -> None:
    built = menu(engine.booklet)
    buttons = built["button"]
    assert 1 <= len(buttons) <= 3
    keys = []
    for button in buttons:
        assert len(button["name"].encode()) <= 16
        assert 1 <= len(button["sub_button"]) <= 5
        for sub in button["sub_button"]:
            assert sub["type"] == "click" and len(sub["name"].encode()) <= 60
            keys.append(sub["key"])
    topics = {f"topic:{t.topic}" for t in engine.booklet.menu_topics}
    assert set(keys) - {"menu"} <= topics
    if set(keys) - {"menu"} != topics:
        assert "menu" in keys, "topics without a button of their own are in 全部目录"
    first = buttons[0]["sub_button"][0]["key"]
    roles = engine.booklet.meta.roles
    assert first == f"topic:{engine.booklet.topic_of[roles.choices[0]].topic}"


# the whole conversation, as the "done when" says -----------------------------------


async def test_a_follower_s_whole_conversation_end_to_end(
    engine: Engine, tmp_path: Path, aiohttp_client: MakeClient, fake: FakeWeChat
) -> None:
    """Subscribe, a menu click, a question, "1" for a suggestion, "详细", a picture card;
    a retried message answered once and stored once. Safe mode, wechatpy-signed."""
    bot = await _bot(engine, tmp_path, aiohttp_client, fake, aes=True, limit=700)
    phone = bot.phone("oGrandma", safe=True)
    greeting = await phone.say(phone.event("subscribe"))
    assert "打字问" in greeting and "回复 1：" in greeting

    unsure = await phone.say(phone.text("住院"))
    titles = _numbered(unsure)
    assert "您是不是想问" in unsure and len(titles) >= 2
    picked = await phone.say(phone.text("1"))
    assert picked.startswith(f"【{titles[0]}】")

    clicked = await phone.say(phone.event("CLICK", "topic:buchong"))
    assert clicked.startswith("【") and "116元" in clicked

    long_xml = phone.text("孝善养老是什么")
    cut = await phone.say(long_xml)
    assert cut.endswith(MORE)
    assert await phone.say(long_xml) == cut  # WeChat's retry: the same reply
    rest = await phone.say(phone.text("详细"))
    assert rest and not rest.startswith("【")

    uploads = await fake.wait_for("/cgi-bin/media/upload")
    assert uploads[0].body[:4] == b"\x89PNG"
    images = [c for c in await fake.wait_for("/cgi-bin/message/custom/send")
              if c.body["msgtype"] == "image"]  # fmt: skip
    assert images and images[0].body["touser"] == "oGrandma"

    asked = [q for q, _ in bot.questions()]
    assert asked == ["住院", "孝善养老是什么"], "typed questions, each once (choices are not)"
    await bot.channel.stop()
    await bot.store.close()


async def test_policybot_wechat_menu_installs_the_menu(fake: FakeWeChat, engine: Engine) -> None:
    env = {**os.environ, "WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID,
           "WECHAT_APP_SECRET": APP_SECRET, "WECHAT_API_BASE_URL": fake.base_url}  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "wechat-menu", env=env, cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    assert "menu installed" in out.decode()
    installed = fake.sent("/cgi-bin/menu/create")
    assert [c.body for c in installed] == [menu(engine.booklet)]


async def test_policybot_wechat_menu_says_what_is_missing(engine: Engine) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WECHAT_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "wechat-menu", env=env, cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2 and "WECHAT_APP_SECRET" in err.decode()


# what the second reading and the probe found ----------------------------------------------


async def test_a_body_arriving_in_pieces_is_read_whole(bot: Bot) -> None:
    phone = bot.phone()
    xml = phone.text("邻里互助有什么好处").encode()

    async def pieces() -> Any:
        for start in range(0, len(xml), 40):
            yield xml[start : start + 40]
            await asyncio.sleep(0.02)

    response = await bot.client.post("/wechat", params=phone.query(), data=pieces())
    assert response.status == 200 and "邻里互助" in await response.text()


@pytest.mark.parametrize("field", ["<MsgId>abc</MsgId>", "<MsgId>1.5</MsgId>"])
async def test_a_message_id_that_is_not_a_number_gets_400(bot: Bot, field: str) -> None:
    phone = bot.phone()
    xml = ("<xml><ToUserName>gh</ToUserName><FromUserName>oX</FromUserName><CreateTime>1"
           f"</CreateTime><MsgType>text</MsgType><Content>孝善</Content>{field}</xml>")  # fmt: skip
    status, _ = await phone.post(xml)
    event = ("<xml><ToUserName>gh</ToUserName><FromUserName>oX</FromUserName><CreateTime>"
             "abc</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>")  # fmt: skip
    assert status == 400 and (await phone.post(event))[0] == 400


async def test_an_old_or_unreadable_timestamp_gets_403(bot: Bot) -> None:
    from tests.helpers.fake_wechat import sign

    phone = bot.phone()
    for timestamp in (str(int(time.time()) - 3600), "abc"):
        query = {"timestamp": timestamp, "nonce": "n1", "signature": sign(TOKEN, timestamp, "n1")}
        status, _ = await phone.post(phone.text("孝善养老是什么"), query)
        assert status == 403
    assert bot.questions() == []


async def test_the_access_log_leaves_out_the_openid_and_signature(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    from aiohttp.test_utils import TestServer

    from handlers.requests import PathOnlyAccessLog

    settings = WeChatSettings(TOKEN)
    door = FrontDoor(Service(engine, None, DEFAULT_POLICIES))
    app = make_app(door.service, None, [WeChatChannel(settings, door, None)], door=door)
    server = TestServer(app)
    await server.start_server(access_log_class=PathOnlyAccessLog)  # as `policybot serve`
    client = TestClient(server)
    await client.start_server()
    try:
        with caplog.at_level(logging.INFO, logger="aiohttp.access"):
            phone = Phone(client, "oSecretOpenId")
            assert await phone.say(phone.text("孝善养老是什么"))
        lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
        assert lines and all("POST /wechat" in line for line in lines)
        assert not any("oSecretOpenId" in line or "signature" in line for line in lines)
    finally:
        await client.close()


async def test_after_详细_the_numbers_still_mean_the_same(
    engine: Engine, tmp_path: Path, aiohttp_client: MakeClient, fake: FakeWeChat
) -> None:
    bot = await _bot(engine, tmp_path, aiohttp_client, fake, limit=600)
    phone = bot.phone()
    first = await phone.say(phone.text("孝善养老是什么"))
    titles = _numbered(first)
    assert first.endswith(MORE) and titles
    await phone.say(phone.text("详细"))
    assert (await phone.say(phone.text("1"))).startswith(f"【{titles[0]}】")
    await bot.channel.stop()
    await bot.store.close()


async def test_a_list_kept_in_memory_while_the_store_failed_gives_way_to_the_store(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.store import StoreError

    phone = bot.phone()
    real = bot.store.keep_numbered
    calls = {"n": 0}

    async def fails_once(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise StoreError("disk full")
        await real(*args)

    monkeypatch.setattr(bot.store, "keep_numbered", fails_once)
    await phone.say(phone.text("孝善养老是什么"))  # its list: in memory
    second = await phone.say(phone.text("邻里互助是什么"))  # its list: in the store
    titles = _numbered(second)
    assert (await phone.say(phone.text("1"))).startswith(f"【{titles[0]}】")


async def test_a_retry_after_the_answer_went_through_the_api_gets_success_only(
    engine: Engine, tmp_path: Path, aiohttp_client: MakeClient, fake: FakeWeChat
) -> None:
    bot = await _bot(engine, tmp_path, aiohttp_client, fake, deadline=0.0)
    phone = bot.phone("oLate")
    xml = phone.text("邻里互助是什么")
    assert await phone.say(xml) == ""
    assert await phone.say(xml) == ""  # the retry, while the answer is on its way
    await fake.wait_for("/cgi-bin/message/custom/send")
    assert await phone.say(xml) == ""  # and after
    await bot.channel.stop()
    texts = [c for c in fake.sent() if c.body["msgtype"] == "text"]
    assert len(texts) == 1, "the person reads the answer once"
    await bot.store.close()


async def test_two_menu_taps_in_the_same_second_get_their_own_answers(bot: Bot) -> None:
    phone = bot.phone("oTaps")

    def click(key: str) -> str:
        return (f"<xml><ToUserName>{BOT}</ToUserName><FromUserName>oTaps</FromUserName>"
                f"<CreateTime>{int(time.time())}</CreateTime><MsgType>event</MsgType>"
                f"<Event>CLICK</Event><EventKey>{key}</EventKey></xml>")  # fmt: skip

    first = await phone.say(click("topic:xiaoshan"))
    second = await phone.say(click("topic:linli"))
    assert first.startswith("【孝善养老") and second.startswith("【邻里互助")


async def test_听_sends_the_last_short_answer_as_a_voice_message(
    bot: Bot, fake: FakeWeChat, engine: Engine
) -> None:
    phone = bot.phone("oListen")
    early = await phone.say(phone.text("听"))
    assert early == NOTHING_TO_READ, "nothing asked yet"
    answer = await phone.say(phone.text("116元补充保险是啥"))
    assert f"{LISTEN}\n{MORE}" in answer, "the answer says how to listen"
    assert await phone.say(phone.text("听")) == READING
    uploads = [c for c in await fake.wait_for("/cgi-bin/media/upload", 2)
               if c.query["type"] == "voice"]  # fmt: skip
    assert len(uploads) == 1 and uploads[0].body[:2] in (b"ID", b"\xff\xfb", b"\xff\xf3")
    assert len(uploads[0].body) > 20_000, "the short answer and the caveat, some seconds long"
    assert uploads[0].query["filename"] == "buchong.what.mp3", "the last answer's"
    sent = [c.body for c in await fake.wait_for("/cgi-bin/message/custom/send", 2)]
    voice = [b for b in sent if b["msgtype"] == "voice"]
    assert voice and voice[0]["touser"] == "oListen" and voice[0]["voice"]["media_id"]
    greeting = await phone.say(phone.text("你好"))
    assert LISTEN not in greeting, "a greeting is not offered to be read aloud"


async def test_听_without_the_api_says_it_cannot(
    engine: Engine, tmp_path: Path, aiohttp_client: MakeClient, fake: FakeWeChat
) -> None:
    made = await _bot(engine, tmp_path, aiohttp_client, fake, api=False)
    phone = made.phone()
    answer = await phone.say(phone.text("116元补充保险是啥"))
    assert LISTEN not in answer
    assert await phone.say(phone.text("听")) == NO_VOICE
    await made.channel.stop()
    await made.store.close()
