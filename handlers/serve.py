"""`policybot serve`: the HTTP server and, with a token, the Telegram bot, in one loop."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from aiohttp import web

from bot.engine import Engine
from bot.ratelimit import Gate
from bot.service import DAY, Service
from bot.settings import Settings
from bot.store import Store, StoreError
from handlers.badrequests import quiet_bad_requests
from handlers.http import IDLE_SECONDS, make_app
from handlers.logfilter import redact_secrets
from handlers.metrics import Metrics

SWITCH_INTERVAL = 0.0002  # seconds (benchmarks/starve.py: 221 ms → 11 ms median)
HEAL_SECONDS = 5.0  # while writes fail, the store is tried this often

log = logging.getLogger(__name__)


async def serve(settings: Settings, engine: Engine, stop: asyncio.Event | None = None) -> None:
    """Run until `stop` is set (or SIGTERM / Ctrl-C), then shut down cleanly: stop taking
    updates, finish the replies in flight, close the server."""
    stop = stop or _stop_on_signals()
    metrics = Metrics()
    quiet_bad_requests()
    # before anything logs: no token, webhook secret, admin token or key in any log line
    redact_secrets(settings.telegram_token, settings.telegram_webhook_secret,
                   settings.admin_token, settings.secret)  # fmt: skip
    # long questions are read in their own thread; handing the interpreter back to the
    # event loop every 0.2 ms (not 5) keeps short questions quick meanwhile
    sys.setswitchinterval(SWITCH_INTERVAL)
    store = await Store.open(settings.db, settings.secret)
    service = Service(engine, store, settings.policies, settings.retention_days)
    retention = asyncio.create_task(_retention(service), name="retention")
    healing = asyncio.create_task(_heal(store), name="heal")
    # one set of budgets for every channel: per person, per address, for the service
    gate = Gate(settings.rate_limit, settings.ip_rate_limit, settings.global_rate_limit)
    telegram = None
    runner: web.AppRunner | None = None
    try:
        if settings.telegram_token:
            from handlers.telegram import TelegramBot

            telegram = TelegramBot(settings, service, metrics)
            telegram.limiter = gate
        app = make_app(
            service, metrics, telegram.webhook if telegram else None, settings.admin_token,
            settings.rate_limit, gate, settings.trusted_proxies,
        )  # fmt: skip
        # an idle connection, or one whose headers never finish, is closed
        runner = web.AppRunner(app, handle_signals=False, keepalive_timeout=IDLE_SECONDS)
        await runner.setup()
        site = web.TCPSite(runner, settings.host, settings.port)
        await site.start()
        log.warning("serving on http://%s:%d/ (web chat page, API)", settings.host, settings.port)
        if telegram is not None:
            await telegram.start()
        await stop.wait()
        log.warning("shutting down")
    finally:
        if telegram is not None:
            await telegram.stop()  # webhook updates get 503 from here on: Telegram resends
        if runner is not None:
            await runner.cleanup()  # finishes the requests in flight
        retention.cancel()
        healing.cancel()
        await asyncio.gather(retention, healing, return_exceptions=True)
        if store.health().backlog:
            await store.probe()  # a last try to write what is kept in memory
        if store.health().backlog:
            log.error("store: %d question(s) could not be written", store.health().backlog)
        await store.close()


async def _retention(service: Service) -> None:
    """Delete stored questions older than the retention setting, at start and daily."""
    while True:
        try:
            deleted = await service.purge()
            if deleted:
                log.warning("retention: deleted %d old question(s)", deleted)
        except StoreError:
            log.error("retention: could not delete old questions; will try again")
        await asyncio.sleep(DAY)


async def _heal(store: Store) -> None:
    """While writes fail, try the store every few seconds: what was kept in memory is
    written as soon as the database works again, with or without new questions."""
    while True:
        await asyncio.sleep(HEAL_SECONDS)
        health = store.health()
        if not health.writable or health.backlog:
            await store.probe()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop
