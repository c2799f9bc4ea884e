"""What a channel is, for the server: how it is made, its routes, its start and stop.

A channel (Telegram, the WeChat Official Account, ...) is one module with a function
`channel(setup) -> Channel | None`, giving None when its settings are not present. The
module declares its own settings; `handlers.serve.CHANNELS` lists the modules. The core
(`bot/`) never imports a channel: channels translate messages for `bot.frontdoor`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from bot.frontdoor import FrontDoor
from bot.service import Service
from bot.settings import Settings
from bot.store import Store
from handlers.metrics import Metrics


@dataclass(frozen=True)
class Setup:
    """What the server hands every channel it makes."""

    settings: Settings
    environ: Mapping[str, str]  # a channel reads its own settings from here
    door: FrontDoor
    metrics: Metrics
    worker: int = 0  # which of the `policybot serve --workers N` processes this is
    workers: int = 1

    @property
    def primary(self) -> bool:
        """The one process that does what must be done once (Telegram polling, setting
        the webhook): the first worker."""
        return self.worker == 0

    @property
    def service(self) -> Service:
        return self.door.service

    @property
    def store(self) -> Store | None:
        return self.door.service.store


class Channel(Protocol):
    """One way people reach the bot."""

    name: str

    def routes(self) -> list[web.RouteDef]:
        """The HTTP routes it needs on the server (webhooks); often none."""
        ...

    async def start(self) -> None:
        """Begin taking messages; must not fail when the outside service is down."""
        ...

    async def stop(self) -> None:
        """Stop taking messages and finish the replies in flight."""
        ...


class Maker(Protocol):
    def __call__(self, setup: Setup) -> Channel | None: ...
