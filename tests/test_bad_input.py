"""Bad input gets a clear reply, never a traceback."""

from __future__ import annotations

import pytest

from bot.engine import Engine

CASES = {
    "empty": "",
    "whitespace": "   \n\t  ",
    "huge": "孝善养老" * 25_000,  # 100,000 characters
    "control": "\x00\x01\x02\x1b[31m\x7f",
    "surrogates": "\ud800\udfff孝善\udc80",
    "only emoji": "😀👍🙏🏻‍♂️",
    "only digits": "1234567890",
    "binary-ish": bytes(range(256)).decode("latin-1"),
    "rtl and zero width": "\u202e\u200b\u200d\ufeff",
    "only punctuation": "？？？！！。。。",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gets_a_clear_reply(engine: Engine, name: str) -> None:
    reply = engine.ask(CASES[name])
    assert reply.answer.strip(), "always something to read"
    assert not reply.matched or reply.intent is not None
    assert reply.to_json()["answer"] == reply.first and reply.first.startswith(reply.answer)


def test_huge_message_asks_to_shorten(engine: Engine) -> None:
    reply = engine.ask(CASES["huge"])
    assert not reply.matched and "太长" in reply.answer


def test_empty_message_shows_how_to_ask(engine: Engine) -> None:
    reply = engine.ask("")
    assert not reply.matched and "请直接打字问" in reply.answer


@pytest.mark.parametrize("value", [None, 42, 3.5, ["孝善"], {"text": "孝善"}, b"\xff"])
def test_wrong_types(engine: Engine, value: object) -> None:
    reply = engine.ask(value)
    assert not reply.matched and "文字" in reply.answer


def test_a_crash_inside_matching_becomes_a_kind_reply(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(raw: str, *context: str | None) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(engine.matcher, "match", broken)
    reply = engine.ask("孝善养老是什么")
    assert not reply.matched and reply.reason == "error"
    assert "村扶贫专干" in reply.answer
    assert "boom" in caplog.text, "the reason is logged"
