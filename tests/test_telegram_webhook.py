"""Webhook mode: the HTTP server receives updates and checks Telegram's secret token."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.engine import Engine
from handlers.http import make_app
from handlers.metrics import Metrics
from handlers.telegram import TelegramBot, TelegramSettings
from tests.helpers.fake_telegram import FakeTelegram

MakeClient = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]
SECRET = "s3cret-Token_1-long"


async def test_webhook_accepts_the_right_secret_only(
    engine: Engine, aiohttp_client: MakeClient
) -> None:
    async with FakeTelegram() as fake:
        settings = TelegramSettings(
            fake.token, fake.base_url, "https://bot.example.org/telegram/webhook", SECRET
        )
        metrics = Metrics()
        bot = TelegramBot(settings, engine, metrics)
        client = await aiohttp_client(make_app(engine, metrics, [bot]))
        await bot.start()
        await asyncio.wait_for(bot.ready.wait(), timeout=10)
        try:
            hook = (await fake.wait_for("setWebhook"))[0].params
            assert hook["url"] == settings.webhook_url
            assert hook["secret_token"] == SECRET
            update = {
                "update_id": 1,
                "message": {"message_id": 5, "date": 0, "chat": {"id": 9, "type": "private"},
                            "from": {"id": 9, "is_bot": False, "first_name": "老王"},
                            "text": "孝善养老是什么"},
            }  # fmt: skip
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                resp = await client.post("/telegram/webhook", json=update, headers=headers)
                assert resp.status == 403
                assert list(await resp.json()) == ["error"]
            assert not fake.sent()
            ok = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            resp = await client.post("/telegram/webhook", json=update, headers=ok)
            assert resp.status == 200
            sent = (await fake.wait_for("sendMessage"))[0].params
            assert "孝善养老" in sent["text"]
            bad = await client.post("/telegram/webhook", data=b"{oops", headers=ok)
            assert bad.status == 400
            odd = await client.post("/telegram/webhook", json={"message": "x"}, headers=ok)
            assert odd.status == 400
            weird = {"X-Telegram-Bot-Api-Secret-Token": "\xff\xfe"}
            assert (
                await client.post("/telegram/webhook", json=update, headers=weird)
            ).status == 403
            long_text = {**update, "update_id": 2,
                         "message": {**update["message"], "text": "孝善" * 3000}}  # fmt: skip
            resp = await client.post("/telegram/webhook", json=long_text, headers=ok)
            assert resp.status == 200, "a long message is an update, not an abuse"
            assert "太长" in (await fake.wait_for("sendMessage", 2))[1].params["text"]
            assert not [c for c in fake.calls if c.method == "getUpdates"], "no polling"
        finally:
            await bot.stop()
        late = await client.post("/telegram/webhook", json=update, headers=ok)
        assert late.status == 503, "after stopping, Telegram must send it again later"
