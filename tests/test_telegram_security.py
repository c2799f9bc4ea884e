"""Telegram secrets and officers: the token and the webhook secret never reach the log,
and officers' commands answer in a private chat only."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.engine import Engine
from tests.helpers.fake_telegram import USERNAME, FakeTelegram
from tests.helpers.webhook import webhook_bot
from tests.test_telegram import running_bot

MakeClient = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]
SECRET = "wh-Secret_of-the-Test"
CADRE = 501


def _formatted(caplog: pytest.LogCaptureFixture) -> str:
    """Every record formatted again, as a handler added later would format it."""
    formatter = logging.Formatter("%(name)s %(message)s")
    return "\n".join(formatter.format(r) for r in caplog.records)


async def test_the_token_is_not_in_the_log(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_bot(engine) as (fake, _):
        fake.text("孝善养老是什么")
        assert "孝善养老" in (await fake.wait_for("sendMessage"))[0].params["text"]
    secret_part = fake.token.partition(":")[2]
    for text in (caplog.text, _formatted(caplog)):
        assert "HTTP Request: POST" in text, "httpx logged its requests"
        assert fake.token not in text and secret_part not in text
        assert "/bot[token]/getUpdates" in text and "/bot[token]/sendMessage" in text


async def test_the_webhook_secret_is_not_in_the_log(
    engine: Engine, aiohttp_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with webhook_bot(engine, aiohttp_client, SECRET) as (fake, client):
        assert (await fake.wait_for("setWebhook"))[0].params["secret_token"] == SECRET
        person = {"id": 9, "is_bot": False, "first_name": "老王"}
        message = {"message_id": 5, "date": 0, "chat": {"id": 9, "type": "private"},
                   "from": person, "text": "孝善养老是什么"}  # fmt: skip
        update = {"update_id": 1, "message": message}
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        assert (await client.post("/telegram/webhook", json=update, headers=headers)).ok
        await fake.wait_for("sendMessage")
    for text in (caplog.text, _formatted(caplog)):
        assert "setWebhook" in text, "PTB logged the call at DEBUG"
        assert SECRET not in text and fake.token not in text
        assert "[secret]" in text


def test_a_traceback_with_the_token_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    from telegram.error import InvalidToken

    from handlers.logfilter import redact_secrets

    token = "777000:AAH-a-rejected_token-of-35-characters"
    redact_secrets(token, None)
    try:
        raise InvalidToken(f"The token `{token}` was rejected by the server.")
    except InvalidToken:
        logging.getLogger("telegram.ext.Application").exception("start-up failed")
    assert "start-up failed" in caplog.text and "The token `[token]` was rejected" in caplog.text
    assert token not in caplog.text and token not in _formatted(caplog)


# officers' commands --------------------------------------------------------------


@pytest.fixture
async def with_cadre(engine: Engine, tmp_path: Path) -> AsyncIterator[FakeTelegram]:
    from bot.service import Service
    from bot.settings import DEFAULT_POLICIES
    from bot.store import Store

    folder = tmp_path / "policies"
    shutil.copytree(DEFAULT_POLICIES, folder)
    store = await Store.open(tmp_path / "bot.sqlite3")
    try:
        service = Service(engine, store, folder)
        async with running_bot(service, cadres=frozenset({CADRE})) as (fake, _):
            yield fake
    finally:
        await store.close()


def _in_group(fake: FakeTelegram, text: str, chat_id: int, chat_type: str, user: int) -> None:
    """A message from `user` in a group chat (the fake's own groups have no members)."""
    command = text.split()[0]
    fake.push("message", {
        "message_id": 900 + len(fake.updates), "date": int(time.time()),
        "chat": {"id": chat_id, "type": chat_type, "title": "村民群"},
        "from": {"id": user, "is_bot": False, "first_name": "村支书"}, "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
    })  # fmt: skip


async def test_cadre_commands_are_refused_in_groups(with_cadre: FakeTelegram) -> None:
    fake = with_cadre
    fake.text("孩子上大学的助学贷款咋办", chat_id=77)  # a villager's question, unanswered
    await fake.wait_for("sendMessage")
    _in_group(fake, "/unanswered", -100, "group", CADRE)
    _in_group(fake, f"/stats@{USERNAME} 30", -1001234, "supergroup", CADRE)
    _in_group(fake, "/reload", -100, "group", 78)  # not a cadre: the same hint
    replies = [c.params for c in (await fake.wait_for("sendMessage", 4))[1:]]
    assert [int(r["chat_id"]) for r in replies] == [-100, -1001234, -100]
    for reply in replies:
        assert "私聊" in reply["text"]
        assert "助学贷款" not in reply["text"] and "最近" not in reply["text"]
    fake.text("/unanswered", chat_id=CADRE)  # in the private chat it works
    report = (await fake.wait_for("sendMessage", 5))[4].params
    assert int(report["chat_id"]) == CADRE and "助学贷款" in report["text"]
