"""Telegram misbehaving: 429 with retry_after, 500s, slow answers, nobody listening.
The bot keeps running, retries within the limits and answers every question."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from tests.test_telegram import running_bot


async def test_429_is_waited_out_and_the_answer_delivered(engine: Engine) -> None:
    async with running_bot(engine) as (fake, _):
        fake.too_many["sendMessage"] = 1
        fake.text("孝善养老是什么")
        sent = (await fake.wait_for("sendMessage", timeout=15))[0].params
        assert "孝善养老" in sent["text"]


async def test_500s_are_retried_with_backoff(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(engine) as (fake, _):
        fake.fail_next["sendMessage"] = 2
        fake.text("邻里互助是什么")
        sent = (await fake.wait_for("sendMessage", timeout=15))[0].params
        assert "邻里互助" in sent["text"]
        assert caplog.text.count("Telegram send failed") == 1, "logged once, with its reason"
        assert "Internal Server Error" in caplog.text


async def test_a_slow_answer_past_the_timeout_is_retried(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import handlers.telegram as module

    monkeypatch.setattr(module, "TIMEOUT", 0.5)
    async with running_bot(engine) as (fake, _):
        fake.slow["sendMessage"] = 1.5
        fake.text("危房改造 对象")
        calls = await fake.wait_for("sendMessage", timeout=15)
        assert "危房改造" in calls[0].params["text"]


async def test_getupdates_failures_and_an_outage_then_recovery(engine: Engine) -> None:
    async with running_bot(engine) as (fake, bot):
        fake.fail_next["getUpdates"] = 2
        fake.text("一站式结算是啥")
        assert "一站式" in (await fake.wait_for("sendMessage", timeout=20))[0].params["text"]
        await fake.outage(1.5)  # connection refused for a while
        fake.text("扶贫贷款利息谁出")
        second = (await fake.wait_for("sendMessage", 2, timeout=30))[1].params
        assert "利息" in second["text"] or "贴息" in second["text"]
        assert bot.application.running, "the bot kept running"
