"""`policybot serve`: the HTTP server (API, web page) and the channels whose settings are
present (Telegram, the WeChat Official Account), in one loop."""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Mapping
from types import ModuleType

from aiohttp import web

from bot.budgets import Budgets, SharedGate
from bot.engine import Engine
from bot.frontdoor import FrontDoor
from bot.ratelimit import Gate
from bot.service import DAY, Service
from bot.settings import Settings
from bot.store import Store, StoreError
from bot.urgency import Alert
from handlers.alerts import WebhookAlert
from handlers.badrequests import quiet_bad_requests
from handlers.channels import Channel, Setup
from handlers.http import IDLE_SECONDS, make_app
from handlers.logfilter import redact_secrets
from handlers.metrics import Metrics
from handlers.requests import PathOnlyAccessLog

# The channels: each module has `channel(setup) -> Channel | None` and its own settings.
# A new channel is its module plus one line here.
CHANNELS = (
    "handlers.telegram",
    "handlers.wechat",
)

SWITCH_INTERVAL = 0.0002  # seconds (benchmarks/starve.py: 221 ms → 11 ms median)
HEAL_SECONDS = 5.0  # while writes fail, the store is tried this often

log = logging.getLogger(__name__)


def _modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in CHANNELS]


def check_channels(environ: Mapping[str, str]) -> None:
    """Validate every channel's own settings before anything starts (SettingError)."""
    for module in _modules():
        check = getattr(module, "check_settings", None)
        if check is not None:
            check(environ)


def make_channels(setup: Setup) -> list[Channel]:
    """The channels whose settings are present."""
    made = (module.channel(setup) for module in _modules())
    return [c for c in made if c is not None]


async def serve(settings: Settings, engine: Engine, stop: asyncio.Event | None = None,
                environ: Mapping[str, str] | None = None, worker: int = 0,
                workers: int = 1) -> None:  # fmt: skip
    """Run until `stop` is set (or SIGTERM / Ctrl-C), then shut down cleanly: stop taking
    updates, finish the replies in flight, close the server. As one of `workers`
    processes (`policybot serve --workers N`), it shares the port and all state."""
    environ = os.environ if environ is None else environ
    check_channels(environ)  # a bad channel setting stops start-up before the store opens
    stop = stop or _stop_on_signals()
    metrics = Metrics()
    quiet_bad_requests()
    # before anything logs: no token, webhook secret, admin token or key in any log line
    redact_secrets(None, settings.admin_token, settings.secret)  # (channels: their own)
    # long questions are read in their own thread; handing the interpreter back to the
    # event loop every 0.2 ms (not 5) keeps short questions quick meanwhile
    sys.setswitchinterval(SWITCH_INTERVAL)
    store = await Store.open(settings.db, settings.secret)
    alerts = _alerts(settings, environ)
    service = Service(engine, store, settings.policies, settings.retention_days, alerts=alerts)
    # retention is done by one process; each heals its own backlog
    retention = asyncio.create_task(_retention(service) if worker == 0 else _idle(),
                                    name="retention")  # fmt: skip
    healing = asyncio.create_task(_heal(store), name="heal")
    # one set of budgets for every channel: per person, per address, for the service;
    # kept in the store when other processes answer too (workers, replicas on a server)
    limits = (settings.rate_limit, settings.ip_rate_limit, settings.global_rate_limit)
    gate: Budgets = SharedGate(store, *limits) if workers > 1 or replicated(settings) else (
        Gate(*limits))  # fmt: skip
    door = FrontDoor(service, gate, metrics)
    runner: web.AppRunner | None = None
    try:
        channels = make_channels(Setup(settings, environ, door, metrics, worker, workers))
        app = make_app(service, metrics, channels, settings.admin_token, settings.rate_limit,
                       gate, settings.trusted_proxies, door)  # fmt: skip
        # an idle connection, or one whose headers never finish, is closed
        runner = web.AppRunner(app, handle_signals=False, keepalive_timeout=IDLE_SECONDS,
                               access_log_class=PathOnlyAccessLog)  # fmt: skip
        await runner.setup()
        site = web.TCPSite(runner, settings.host, settings.port, reuse_port=workers > 1)
        await site.start()
        if worker == 0:
            many = f" in {workers} processes" if workers > 1 else ""
            log.warning("serving on http://%s:%d/ (web chat page, API)%s", settings.host,
                        settings.port, many)  # fmt: skip
        await stop.wait()
        log.warning("shutting down")
    finally:
        if runner is not None:
            # finishes the requests in flight, then stops the channels (cleanup_ctx):
            # each finishes its replies in flight
            await runner.cleanup()
        await service.alerts_sent()  # an urgent question's alert is not cut off
        for alert in alerts:
            close = getattr(alert, "close", None)
            if close is not None:
                await close()
        retention.cancel()
        healing.cancel()
        await asyncio.gather(retention, healing, return_exceptions=True)
        if store.health().backlog:
            await store.probe()  # a last try to write what is kept in memory
        if store.health().backlog:
            log.error("store: %d question(s) could not be written", store.health().backlog)
        await store.close()


def _alerts(settings: Settings,
            environ: Mapping[str, str]) -> list[Callable[[Alert], Awaitable[None]]]:  # fmt: skip
    """Who hears of an urgent question at once: each channel's officers (a channel module
    may offer `alerts(environ)`: Telegram's POLICYBOT_CADRES), and POLICYBOT_ALERT_WEBHOOK."""
    alerts: list[Callable[[Alert], Awaitable[None]]] = []
    for module in _modules():
        offered = getattr(module, "alerts", None)
        if offered is not None:
            alerts.extend(offered(environ))
    if settings.alert_webhook:
        alerts.append(WebhookAlert(settings.alert_webhook, None))
    return alerts


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


def replicated(settings: Settings) -> bool:
    """Whether the store is a server other replicas may share (PostgreSQL)."""
    return isinstance(settings.db, str) and settings.db.startswith(("postgresql:", "postgres:"))


async def _idle() -> None:
    await asyncio.Event().wait()


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
