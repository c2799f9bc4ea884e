"""Alerts for urgent questions: to the officers on Telegram, and as JSON to another system
(POLICYBOT_ALERT_WEBHOOK). Each is a `Callable[[Alert], Awaitable[None]]` for
`Service(alerts=...)`; none lets an exception escape: a failure is logged."""

from __future__ import annotations

import logging
from datetime import timedelta, timezone
from urllib.parse import urlsplit

import aiohttp
from telegram import Bot

from bot.urgency import Alert

log = logging.getLogger(__name__)

WEBHOOK_TIMEOUT = 5.0  # seconds for the whole POST
CHINA = timezone(timedelta(hours=8), "北京时间")
CHANNEL_NAMES = {"http": "网页", "telegram": "Telegram", "wechat": "微信", "cli": "命令行"}


def _where(url: str) -> str:
    """The URL without its path and query (a webhook's path often holds its secret)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class WebhookAlert:
    """POSTs each alert as JSON: {"rule", "label", "question", "channel", "at"}."""

    def __init__(self, url: str, session: aiohttp.ClientSession | None = None) -> None:
        self.url = url
        self.session = session  # None: a short-lived session per alert (they are rare)

    async def __call__(self, alert: Alert) -> None:
        """Post one alert; a refusal, a timeout or no connection is logged."""
        try:
            if self.session is not None:
                await self._post(self.session, alert)
            else:
                async with aiohttp.ClientSession() as session:
                    await self._post(session, alert)
        except Exception as exc:  # no network, a timeout, a bad answer: never the caller's
            log.error("alert webhook %s: the %s alert was not delivered: %s: %s",
                      _where(self.url), alert.rule, type(exc).__name__, exc)  # fmt: skip

    async def _post(self, session: aiohttp.ClientSession, alert: Alert) -> None:
        timeout = aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT)
        async with session.post(self.url, json=alert.to_json(), timeout=timeout) as response:
            if response.status >= 300:
                raise RuntimeError(f"HTTP {response.status}")


def alert_text(alert: Alert) -> str:
    """The short message an officer reads on Telegram."""
    when = alert.at.astimezone(CHINA).strftime("%m月%d日 %H:%M")
    channel = CHANNEL_NAMES.get(alert.channel, alert.channel)
    return (
        f"⚠ 紧急：{alert.label}\n"
        f"有人问：“{alert.question}”\n"
        f"（{channel}，{when}）\n"
        "已照常回答了对方。请尽快了解情况；/unanswered 列出所有紧急的问题。"
    )


class TelegramAlert:
    """Sends each alert to every officer in POLICYBOT_CADRES (their private chat with the
    bot: a cadre who never wrote to the bot cannot be reached, and that is logged).

    `bot` needs no `initialize()` (no getMe at start-up, so an unreachable Telegram does
    not delay it); give it a `telegram.Bot` of its own and `close()` it at shutdown."""

    def __init__(self, bot: Bot, cadres: frozenset[int]) -> None:
        self.bot = bot
        self.cadres = cadres

    async def __call__(self, alert: Alert) -> None:
        """Send one alert to each officer; a failure for one does not stop the others."""
        text = alert_text(alert)
        for cadre in sorted(self.cadres):
            try:
                await self.bot.send_message(chat_id=cadre, text=text)
            except Exception as exc:  # blocked, never started the bot, no network
                log.error("alert on Telegram: the %s alert did not reach officer %s: %s: %s",
                          alert.rule, cadre, type(exc).__name__, exc)  # fmt: skip

    async def close(self) -> None:
        """Close the connections of the alerts' own Bot (not the Telegram channel's)."""
        await self.bot.shutdown()  # nothing to do when it was never initialized ...
        await self.bot.request.shutdown()  # ... but its HTTP client is open: close it
