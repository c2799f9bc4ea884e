"""The one way in for every channel: a message in, the reply out.

A channel (Telegram, WeChat, the web page, the terminal) only translates: it turns what
arrived into a `Message` and the `Outcome` into its own format. Everything every channel
must do alike happens here, once: the budgets (per person, per address, for the whole
service), timing and metrics, then the service (context, storage, feedback, urgency).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Protocol

from bot.budgets import Budgets
from bot.reply import Reply
from bot.service import Service


@dataclass(frozen=True)
class Message:
    """One thing a person sent, in any channel's terms.

    `person` is whom the budget counts (a Telegram user, a WeChat OpenID, a web visitor);
    `session` is the conversation the context belongs to; `address` the client's network
    address when the channel knows it. Exactly one of `text` and `choice` (an intent id
    picked from a menu, a button or a numbered list) is given."""

    channel: str
    person: str | None
    session: str | None
    text: str | None = None
    choice: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class Outcome:
    """The reply, or, when a budget is spent, how long to wait (and whether this is the
    first refusal, worth a log line). No reply and no wait: the choice is no longer in
    the booklet (it was reloaded since the menu was sent)."""

    reply: Reply | None
    wait: int = 0
    first_refusal: bool = False

    @property
    def refused(self) -> bool:
        return self.wait > 0


class Observer(Protocol):
    """What counts the replies (Prometheus in the server, nothing in the terminal)."""

    def observe(self, reply: Reply, seconds: float, channel: str) -> None: ...


class FrontDoor:
    """Budgets, timing and the service, in that order, for every channel alike."""

    def __init__(self, service: Service, gate: Budgets | None = None,
                 observer: Observer | None = None) -> None:  # fmt: skip
        self.service = service
        self.gate = gate
        self.observer = observer

    async def admit(self, what: str, message: Message) -> Outcome | None:
        """None when the message may go on (and is counted); else the refusal."""
        if self.gate is None:
            return None
        person = f"{what}:{message.channel}:{message.person}" if message.person else None
        address = f"ip:{message.address}" if message.address else None
        decision = await self.gate.admit(person, address)
        if decision.allowed:
            return None
        wait = max(1, math.ceil(decision.retry_after))
        return Outcome(None, wait, decision.first_refusal)

    async def handle(self, message: Message) -> Outcome:
        """Answer one question, unless a budget is spent, or one choice (a menu tap or a
        numbered reply costs no reading, so it uses no budget: an officer may browse)."""
        if message.choice is None and (refused := await self.admit("questions", message)):
            return refused
        started = time.perf_counter()
        if message.choice is not None:
            chosen = await self.service.chose(message.choice, message.channel, message.session)
            if chosen is None:  # an intent the booklet (since a reload) no longer has
                return Outcome(None)
            reply = chosen
        else:
            reply = await self.service.ask(message.text or "", message.channel, message.session)
        if self.observer is not None:
            self.observer.observe(reply, time.perf_counter() - started, message.channel)
        return Outcome(reply)

    async def rate(self, message: Message, question: str, intent: str | None,
                   helpful: bool) -> Outcome:  # fmt: skip
        """A 👍 or 👎 on an answer: kept, and after 👎 the other answers and whom to ask."""
        refused = await self.admit("ratings", message)
        if refused is not None:
            return refused
        reply = await self.service.feedback(
            message.channel, message.session, question, intent, helpful
        )
        return Outcome(reply)
