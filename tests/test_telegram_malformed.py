"""Updates PTB cannot read, or that lack what every handler relies on: by webhook a 400
and one warning; by polling one warning and polling goes on; never an ERROR traceback."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.engine import Engine
from tests.helpers.webhook import webhook_bot
from tests.test_telegram import running_bot

MakeClient = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]
SECRET = "s3cret-Token_1-long"
OK = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
PERSON = {"id": 9, "is_bot": False, "first_name": "老王"}


def _message(text: str, **fields: Any) -> dict[str, Any]:
    message = {"message_id": 5, "date": int(time.time()), "chat": {"id": 9, "type": "private"},
               "from": PERSON, "text": text}  # fmt: skip
    message.update(fields)
    return {k: v for k, v in message.items() if v is not None}


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def _warnings(caplog: pytest.LogCaptureFixture, word: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.WARNING and word in r.getMessage()]


@pytest.mark.parametrize("date", [10**20, 1e300, -(10**15)])
async def test_webhook_an_update_ptb_cannot_read_is_400_and_one_warning(
    engine: Engine, aiohttp_client: MakeClient, caplog: pytest.LogCaptureFixture, date: float
) -> None:
    async with webhook_bot(engine, aiohttp_client, SECRET) as (fake, client):
        bad = {"update_id": 1, "message": _message("孝善养老是什么", date=date)}
        resp = await client.post("/telegram/webhook", json=bad, headers=OK)
        assert resp.status == 400
        assert list(await resp.json()) == ["error"]
        good = {"update_id": 2, "message": _message("邻里互助是什么")}
        assert (await client.post("/telegram/webhook", json=good, headers=OK)).status == 200
        assert "邻里互助" in (await fake.wait_for("sendMessage"))[0].params["text"]
    assert len(_warnings(caplog, "not a Telegram update")) == 1
    assert not _errors(caplog), "a warning, no traceback"
    assert len(fake.sent()) == 1


async def test_polling_an_update_ptb_cannot_read_is_dropped_and_polling_goes_on(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(engine) as (fake, _):
        fake.push("message", _message("孝善养老是什么", date=10**20))
        fake.text("邻里互助是什么")
        sent = await fake.wait_for("sendMessage", timeout=5)
        assert "邻里互助" in sent[0].params["text"]
        fake.text("危房改造 对象")  # the bad update was confirmed: it does not come back
        assert "危房改造" in (await fake.wait_for("sendMessage", 2))[1].params["text"]
    dropped = _warnings(caplog, "dropped Telegram update 1")
    assert len(dropped) == 1 and "OverflowError" in dropped[0].getMessage()
    assert not _errors(caplog), "a warning, no CRITICAL traceback"
    assert len(fake.sent()) == 2


async def test_webhook_a_message_without_its_chat_is_dropped_with_one_line(
    engine: Engine, aiohttp_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    async with webhook_bot(engine, aiohttp_client, SECRET) as (fake, client):
        chatless = {"update_id": 1, "message": _message("孝善养老是什么", chat=None)}
        resp = await client.post("/telegram/webhook", json=chatless, headers=OK)
        assert resp.status == 200, "read, then dropped: Telegram need not send it again"
        good = {"update_id": 2, "message": _message("邻里互助是什么")}
        assert (await client.post("/telegram/webhook", json=good, headers=OK)).status == 200
        assert "邻里互助" in (await fake.wait_for("sendMessage"))[0].params["text"]
    dropped = _warnings(caplog, "dropped Telegram update 1")
    assert len(dropped) == 1 and "message.chat" in dropped[0].getMessage()
    assert "\n" not in dropped[0].getMessage() and not dropped[0].exc_info
    assert not _errors(caplog), "neither the handler nor the error handler failed"
    assert len(fake.sent()) == 1


async def test_polling_updates_missing_required_fields_are_dropped(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(engine) as (fake, _):
        fake.push("callback_query", {"id": "cq1", "chat_instance": "ci", "data": "m",
                                     "message": {**_message("menu"), "from": None}})  # fmt: skip
        fake.push("message", _message("/start", chat=None))
        fake.push("edited_message", _message("孝善养老是什么", chat={"id": 9, "type": None}))
        fake.text("邻里互助是什么")
        assert "邻里互助" in (await fake.wait_for("sendMessage"))[0].params["text"]
    reasons = [r.getMessage() for r in _warnings(caplog, "dropped Telegram update")]
    assert len(reasons) == 3
    assert "callback_query.from_user" in reasons[0]
    assert "message.chat" in reasons[1] and "edited_message.chat.type" in reasons[2]
    assert not _errors(caplog)
    assert len(fake.sent()) == 1
    assert not [c for c in fake.calls if c.method in ("answerCallbackQuery", "editMessageText")]


async def test_the_error_handler_itself_never_fails(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(engine) as (fake, _):
        fake.push("message", _message("x") | {"text": 12345})  # not a string
        apology = (await fake.wait_for("sendMessage"))[0].params
        assert "出了点问题" in apology["text"]
    assert _errors(caplog) == ["error while handling a Telegram update"], "and nothing else"
