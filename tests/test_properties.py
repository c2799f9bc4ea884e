"""Property-based tests: any text, any request; the bot answers and never breaks."""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine import Engine
from bot.settings import DEFAULT_POLICIES
from handlers.http import make_app

ENGINE = Engine.from_folder(DEFAULT_POLICIES)  # hypothesis runs many examples per test
CHINESE = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
BOOKLET_CHARS = st.sampled_from(
    sorted({ch for i in ENGINE.booklet.intents.values() for e in i.examples for ch in e})
)
TEXT = st.one_of(
    st.text(max_size=10_000),  # any Unicode, surrogates and controls included
    st.text(
        alphabet=st.one_of(BOOKLET_CHARS, CHINESE, st.sampled_from(" ，。？！0123456789")),
        max_size=300,
    ),
    st.text(
        alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz 孝善养老报消低宝一二三十百"),
        max_size=60,
    ),
)
# benchmarks/properties.py multiplies every count for its long random run
SCALE = float(os.environ.get("POLICYBOT_PROPERTY_SCALE", "1"))


def scaled(count: int) -> int:
    return max(1, round(count * SCALE))


FAST = settings(
    max_examples=scaled(250), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@FAST
@given(TEXT)
def test_any_text_gets_a_reply(text: str) -> None:
    reply = ENGINE.ask(text)
    assert reply.reason != "error", "the matching path raised"
    assert reply.answer.strip()
    assert 0.0 <= reply.score <= 100.0
    assert (reply.intent is not None) == reply.matched
    json.dumps(reply.to_json(), ensure_ascii=False).encode("utf-8")


@FAST
@given(TEXT)
def test_normalization_is_idempotent(text: str) -> None:
    normalize = ENGINE.matcher.normalizer
    once = normalize(text).text
    assert normalize(once).text == once


@settings(max_examples=scaled(100), deadline=None)
@given(st.sampled_from(sorted(ENGINE.booklet.intents)))
def test_a_title_matches_its_intent(intent_id: str) -> None:
    intent = ENGINE.booklet.intents[intent_id]
    assert ENGINE.ask(intent.title).intent == intent_id


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=20,
)
BODIES = st.one_of(
    JSON.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(st.sampled_from(["text", "session", "x"]), JSON, max_size=3).map(
        lambda v: json.dumps(v).encode()
    ),
    st.binary(max_size=2_000),
    st.integers(min_value=0, max_value=40_000).map(lambda n: b'{"text": "' + b"a" * n + b'"}'),
)
METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
PATHS = st.sampled_from(["/api/ask", "/api/feedback", "/api/topics", "/healthz", "/metrics",
                         "/", "/api/admin/stats", "/telegram/webhook", "/static/app.js",
                         "/nope", "/api/ask?x=1"])  # fmt: skip
TYPES = st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded",
                         "multipart/form-data", ""])  # fmt: skip


@pytest.fixture
async def client(
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient[Any, Any]]],
) -> TestClient[Any, Any]:
    return await aiohttp_client(make_app(ENGINE))


async def test_malformed_requests_never_get_a_5xx(client: TestClient[Any, Any]) -> None:
    @settings(max_examples=scaled(300), deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
    @given(METHODS, PATHS, BODIES, TYPES)
    def check(method: str, path: str, body: bytes, content_type: str) -> None:
        cases.append((method, path, body, content_type))

    cases: list[tuple[str, str, bytes, str]] = []
    check()  # hypothesis draws the cases; the loop below sends them on the test's event loop
    for method, path, body, content_type in cases:
        headers = {"Content-Type": content_type} if content_type else {}
        resp = await client.request(method, path, data=body, headers=headers)
        assert resp.status < 500, (method, path, body[:80], resp.status)
        await resp.read()
    assert (await client.get("/healthz")).status == 200, "still up"
