"""The real Telegram bot in webhook mode behind the real HTTP app, for tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.engine import Engine
from handlers.http import make_app
from handlers.metrics import Metrics
from handlers.telegram import TelegramBot, TelegramSettings
from tests.helpers.fake_telegram import FakeTelegram

MakeClient = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]


@contextlib.asynccontextmanager
async def webhook_bot(
    engine: Engine, aiohttp_client: MakeClient, secret: str
) -> AsyncIterator[tuple[FakeTelegram, TestClient[Any, Any]]]:
    """The real bot in webhook mode behind the real HTTP app, ready, stopped afterwards."""
    async with FakeTelegram() as fake:
        settings = TelegramSettings(
            fake.token, fake.base_url, "https://bot.example.org/telegram/webhook", secret
        )
        metrics = Metrics()
        bot = TelegramBot(settings, engine, metrics)
        client = await aiohttp_client(make_app(engine, metrics, [bot]))
        await bot.start()
        await asyncio.wait_for(bot.ready.wait(), timeout=10)
        try:
            yield fake, client
        finally:
            await bot.stop()
