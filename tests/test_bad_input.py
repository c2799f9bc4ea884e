"""Bad input gets a clear reply, never a traceback.

`Engine.ask` turns any exception into a kind reply with reason "error": every test here
names the exact reason it expects, so that a crash can never pass for a refusal."""

from __future__ import annotations

import copy
import logging

import pytest

from bot.engine import Engine
from bot.matcher import Matcher

# name: (what arrives, the reason of the reply, the intent it answers with)
CASES: dict[str, tuple[str, str, str | None]] = {
    "empty": ("", "empty", None),
    "whitespace": ("   \n\t  ", "empty", None),
    "huge": ("孝善养老" * 25_000, "too_long", None),  # 100,000 characters
    "control": ("\x00\x01\x02\x1b[31m\x7f", "off_topic", None),
    # the broken surrogates are dropped and the 孝善 between them is read
    "surrogates": ("\ud800\udfff孝善\udc80", "matched", "xiaoshan.what"),
    "only emoji": ("😀👍🙏🏻‍♂️", "empty", None),
    "only digits": ("1234567890", "vague", None),  # names no policy: which one?
    "binary-ish": (bytes(range(256)).decode("latin-1"), "off_topic", None),
    "rtl and zero width": ("\u202e\u200b\u200d\ufeff", "empty", None),
    "only punctuation": ("？？？！！。。。", "empty", None),
}

ERROR_TEXT = (
    "对不起，我这里出了点问题，没能回答。请再问一次；着急的话请问村扶贫专干或您家的帮扶干部。"
)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gets_a_clear_reply(engine: Engine, name: str) -> None:
    text, reason, intent = CASES[name]
    reply = engine.ask(text)
    assert (reply.reason, reply.intent) == (reason, intent)
    assert reply.matched is (reason == "matched")
    assert reply.answer.strip(), "always something to read"
    assert reply.to_json()["answer"] == reply.first and reply.first.startswith(reply.answer)


def test_huge_message_asks_to_shorten(engine: Engine) -> None:
    reply = engine.ask(CASES["huge"][0])
    assert reply.reason == "too_long" and not reply.matched
    assert reply.answer.startswith("您的消息有100000个字，太长了，我看不过来。")


def test_empty_message_shows_how_to_ask(engine: Engine) -> None:
    reply = engine.ask("")
    assert reply.reason == "empty" and not reply.matched
    assert reply.answer.startswith("您还没有写问题。\n请直接打字问")


@pytest.mark.parametrize("value", [None, 42, 3.5, ["孝善"], {"text": "孝善"}, b"\xff"])
def test_wrong_types(engine: Engine, value: object) -> None:
    reply = engine.ask(value)
    assert reply.reason == "not_text" and not reply.matched
    assert reply.answer == "请用文字提问。"


class BrokenMatcher(Matcher):
    """A real matcher on the real booklet whose matching fails, as a bug inside it would."""

    def match(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        raise RuntimeError("the matcher broke on purpose")


@pytest.fixture
def broken_engine(engine: Engine) -> Engine:
    """The real engine with a matcher that raises (a copy: the shared engine is kept)."""
    broken = copy.copy(engine)
    broken.matcher = BrokenMatcher(engine.booklet)
    return broken


def test_a_crash_inside_matching_becomes_a_kind_reply(
    broken_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="bot.engine")
    reply = broken_engine.ask("孝善养老是什么")
    assert reply.reason == "error"
    assert not reply.matched and reply.intent is None and reply.suggestions == ()
    assert reply.answer == ERROR_TEXT
    assert reply.to_json()["answer"] == ERROR_TEXT, "no caveat under an apology"
    [record] = [r for r in caplog.records if r.name == "bot.engine"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "failed to answer a question of 7 characters"
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError
    assert "the matcher broke on purpose" in caplog.text, "the traceback is logged"


def test_a_crash_still_flags_an_emergency(broken_engine: Engine) -> None:
    """Even when answering fails, the officers still hear of a family in trouble."""
    reply = broken_engine.ask("俺娘住院了没钱交押金")
    assert reply.reason == "error" and reply.answer == ERROR_TEXT
    assert reply.urgent == "hospital_no_money"
