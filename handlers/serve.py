"""`policybot serve`: the HTTP server and, with a token, the Telegram bot, in one loop."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web

from bot.engine import Engine
from bot.settings import Settings
from handlers.http import make_app
from handlers.metrics import Metrics

log = logging.getLogger(__name__)


async def serve(settings: Settings, engine: Engine, stop: asyncio.Event | None = None) -> None:
    """Run until `stop` is set (or SIGTERM / Ctrl-C), then shut down cleanly: stop taking
    updates, finish the replies in flight, close the server."""
    stop = stop or _stop_on_signals()
    metrics = Metrics()
    telegram = None
    if settings.telegram_token:
        from handlers.telegram import TelegramBot

        telegram = TelegramBot(settings, engine, metrics)
    app = make_app(engine, metrics, telegram.webhook if telegram else None)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    log.warning("serving on http://%s:%d/ (web chat page, API)", settings.host, settings.port)
    try:
        if telegram is not None:
            await telegram.start()
        await stop.wait()
        log.warning("shutting down")
    finally:
        if telegram is not None:
            await telegram.stop()  # webhook updates get 503 from here on: Telegram resends
        await runner.cleanup()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop
