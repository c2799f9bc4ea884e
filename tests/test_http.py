"""The HTTP API with a real client against the real app (aiohttp_client)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.engine import Engine
from handlers.http import MAX_BODY, make_app

Client = TestClient[Any, Any]
MakeClient = Callable[[web.Application], Awaitable[Client]]


@pytest.fixture
async def client(engine: Engine, aiohttp_client: MakeClient) -> Client:
    return await aiohttp_client(make_app(engine))


def assert_error(data: object) -> None:
    """The one JSON error shape."""
    assert isinstance(data, dict) and list(data) == ["error"] and isinstance(data["error"], str)


async def test_ask_answers_with_the_contract_object(client: Client) -> None:
    resp = await client.post("/api/ask", json={"text": "邻里互助有什么好处", "session": "s1"})
    assert resp.status == 200
    data = await resp.json()
    assert list(data) == ["question", "matched", "intent", "topic", "title", "score",
                          "answer", "source", "suggestions"]  # fmt: skip
    assert data["matched"] and data["intent"] == "linli.what" and data["source"]


async def test_ask_refuses_kindly(client: Client) -> None:
    data = await (await client.post("/api/ask", json={"text": "今天天气怎么样"})).json()
    assert data["matched"] is False and data["intent"] is None and "村扶贫专干" in data["answer"]


@pytest.mark.parametrize(
    "body",
    [b"not json", b"\xff\xfe", b"[1, 2]", b'"text"', b"{}", b'{"text": 5}',
     b'{"text": null}', b'{"text": ["a"]}', b'{"text": "ok", "session": 7}',
     b'{"text": "ok", "session": "' + b"x" * 200 + b'"}',
     b"[" * 15000, b'{"text": ' + b"1" * 5000 + b"}", b'{"text": "\\ud800\\u5b5d"}',
     b'{"text": "ok", "session": "\\udc80"}'],
)  # fmt: skip
async def test_bad_requests_are_400(client: Client, body: bytes) -> None:
    resp = await client.post("/api/ask", data=body)
    assert resp.status == 400
    assert_error(await resp.json())


async def test_too_large_is_413(client: Client) -> None:
    resp = await client.post("/api/ask", data=b'{"text": "' + b"a" * MAX_BODY + b'"}')
    assert resp.status == 413
    assert_error(await resp.json())


async def test_wrong_method_and_unknown_route(client: Client) -> None:
    resp = await client.get("/api/ask")
    assert resp.status == 405 and resp.headers["Allow"] == "POST"
    assert_error(await resp.json())
    resp = await client.get("/nowhere")
    assert resp.status == 404
    assert_error(await resp.json())
    resp = await client.post("/telegram/webhook", json={})
    assert resp.status == 404, "no webhook route outside webhook mode"
    assert "Allow" not in resp.headers
    assert await resp.json() == {"error": "Not Found"}


async def test_topics_for_menus(client: Client, engine: Engine) -> None:
    data = await (await client.get("/api/topics")).json()
    assert data["booklet"]["version"] == engine.booklet.meta.version
    topics = {t["topic"]: t for t in data["topics"]}
    assert "help" not in topics and "xiaoshan" in topics
    amount = next(i for i in topics["xiaoshan"]["intents"] if i["intent"] == "xiaoshan.amount")
    assert amount["title"] and isinstance(amount["follow_ups"], list)


async def test_healthz(client: Client, engine: Engine) -> None:
    data = await (await client.get("/healthz")).json()
    booklet = {"version": engine.booklet.meta.version, "intents": len(engine.booklet.intents)}
    assert data == {"status": "ok", "booklet": booklet}


async def test_metrics_count_answers_refusals_topics_and_latency(client: Client) -> None:
    await client.post("/api/ask", json={"text": "孝善养老是什么"})
    await client.post("/api/ask", json={"text": "今天天气怎么样"})
    resp = await client.get("/metrics")
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/plain")
    text = await resp.text()
    assert 'policybot_questions_answered_total{channel="http"} 1.0' in text
    assert 'policybot_questions_refused_total{channel="http",reason="out_of_scope"} 1.0' in text
    assert 'policybot_topic_questions_total{topic="xiaoshan"} 1.0' in text
    assert 'policybot_answer_seconds_count{channel="http"} 2.0' in text


async def test_the_page_and_its_files(client: Client) -> None:
    resp = await client.get("/")
    assert resp.status == 200 and "text/html" in resp.headers["Content-Type"]
    page = await resp.text()
    assert "/static/app.js" in page and "/static/style.css" in page
    assert "http://" not in page and "https://" not in page, "no external assets"
    for name in ("app.js", "style.css"):
        assert (await client.get(f"/static/{name}")).status == 200


async def test_rate_limit_is_per_person(engine: Engine, aiohttp_client: MakeClient) -> None:
    """The person is the browser with the server's signed cookie: a new `session` in the
    body does not buy new questions (issue 10, item 2); another browser does not wait."""
    app = make_app(engine, rate_limit=3)
    client = await aiohttp_client(app)
    assert (await client.get("/")).status == 200, "the page gives the signed cookie"
    for n in range(3):
        answered = await client.post("/api/ask", json={"text": "孝善", "session": f"s{n}"})
        assert answered.status == 200
    resp = await client.post("/api/ask", json={"text": "孝善", "session": "fresh"})
    assert resp.status == 429 and 1 <= int(resp.headers["Retry-After"]) <= 60
    assert_error(await resp.json())
    other = await aiohttp_client(app)
    assert (await other.post("/api/ask", json={"text": "孝善"})).status == 200
    again = await other.post("/api/ask", json={"text": "孝善", "session": "b"})
    assert again.status == 200, "nobody else waits"


async def test_a_forged_cookie_buys_nothing(engine: Engine, aiohttp_client: MakeClient) -> None:
    """Cookies the server did not sign, or one per request, fall back to the address's
    budget."""
    from bot.ratelimit import Gate

    client = await aiohttp_client(make_app(engine, gate=Gate(per_person=100, per_address=4)))
    codes = []
    for n in range(8):
        client.session.cookie_jar.clear()
        resp = await client.post(
            "/api/ask", json={"text": "孝善"}, headers={"Cookie": f"pb_visitor={n}.forged"}
        )
        codes.append(resp.status)
    assert codes == [200] * 4 + [429] * 4


async def test_feedback_has_a_budget_too(engine: Engine, aiohttp_client: MakeClient) -> None:
    """/api/feedback had no limit: 13,300 stored rows a minute (issue 10, item 2)."""
    client = await aiohttp_client(make_app(engine, rate_limit=2))
    await client.get("/")
    body = {"question": "孝善养老", "intent": "xiaoshan.what", "helpful": True}
    codes = [(await client.post("/api/feedback", json=body)).status for _ in range(4)]
    assert codes == [200, 200, 429, 429]
    assert (await client.post("/api/ask", json={"text": "孝善"})).status == 200, (
        "ratings do not use up the questions"
    )


async def test_forwarded_for_is_believed_from_trusted_proxies_only(
    engine: Engine, aiohttp_client: MakeClient
) -> None:
    from ipaddress import ip_network

    from bot.ratelimit import Gate

    def limited(proxies: tuple[str, ...]) -> web.Application:
        return make_app(engine, gate=Gate(per_person=100, per_address=2),
                        proxies=tuple(ip_network(p) for p in proxies))  # fmt: skip

    async def statuses(client: Client, forwarded: list[str]) -> list[int]:
        out = []
        for hop in forwarded:
            client.session.cookie_jar.clear()
            resp = await client.post(
                "/api/ask", json={"text": "孝善"}, headers={"X-Forwarded-For": hop}
            )
            out.append(resp.status)
        return out

    hops = [f"203.0.113.{n}" for n in range(4)]
    behind = await aiohttp_client(limited(("127.0.0.1/32",)))
    assert await statuses(behind, hops) == [200] * 4, "each household has its own budget"
    assert await statuses(behind, ["198.51.100.9"] * 3) == [200, 200, 429]
    spoofed = await statuses(behind, ["6.6.6.6, 198.51.100.9"] * 1)
    assert spoofed == [429], "only the hop our proxy saw counts, not what the client wrote"
    direct = await aiohttp_client(limited(()))
    assert await statuses(direct, hops) == [200, 200, 429, 429], "no proxy: header ignored"


async def test_calculator_over_http(client: Client) -> None:
    data = await (
        await client.post("/api/ask", json={"text": "闺女每月给俺娘交150孝善金，公家添多少"})
    ).json()
    assert data["intent"] == "xiaoshan.amount" and "政府每月添15元到30元" in data["answer"]


async def test_a_body_that_arrives_in_pieces_is_read_whole(client: Client) -> None:
    """Over a real network a long question comes in several packets (issue 10, item 1):
    sent over a raw socket in three parts with pauses, it is answered, not refused."""
    import asyncio
    import json as _json

    body = _json.dumps(
        {"text": "俺娘七十八了，" * 80 + "孝善养老政府添多少", "session": "s1"}, ensure_ascii=False
    ).encode()
    assert len(body) > 1400
    server = client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    head = (
        f"POST /api/ask HTTP/1.1\r\nHost: {server.host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    writer.write(head)
    third = len(body) // 3
    for part in (body[:third], body[third : 2 * third], body[2 * third :]):
        writer.write(part)
        await writer.drain()
        await asyncio.sleep(0.2)
    response = await reader.read()
    writer.close()
    status_line = response.split(b"\r\n", 1)[0]
    assert status_line == b"HTTP/1.1 200 OK"
    assert "xiaoshan" in response.decode("utf-8", "replace")


async def test_the_page_gets_the_details_and_the_plain_source_beside_the_contract(
    client: Client,
) -> None:
    plain = await (await client.post("/api/ask", json={"text": "邻里互助是什么"})).json()
    page = await (
        await client.post("/api/ask", json={"text": "邻里互助是什么", "page": True})
    ).json()
    assert list(page) == [*plain, "details", "source_line", "speech"]
    assert {k: page[k] for k in plain} == plain
    assert len(plain["answer"]) < len(page["details"]) and "410万元" in page["details"]
    assert page["source_line"] == "来源：枣庄日报2018年的报道"
    for ignored in ("yes", 1, None):  # only true asks for more: the contract stays exact
        data = await (
            await client.post("/api/ask", json={"text": "邻里互助是什么", "page": ignored})
        ).json()
        assert list(data) == list(plain)


async def test_the_page_gets_the_spoken_answer_of_an_answer_not_of_a_greeting(
    client: Client,
) -> None:
    answer = await (
        await client.post("/api/ask", json={"text": "116元补充保险是啥", "page": True})
    ).json()
    assert answer["speech"] == f"/speech/{answer['intent']}.mp3"
    audio = await client.get(answer["speech"])
    assert audio.status == 200 and audio.content_type == "audio/mpeg"
    head = await audio.read()
    assert head[:3] == b"ID3" or head[:2] in (b"\xff\xfb", b"\xff\xf3"), head[:4]
    hello = await (await client.post("/api/ask", json={"text": "你好", "page": True})).json()
    assert "speech" not in hello
    plain = await (await client.post("/api/ask", json={"text": "116元补充保险是啥"})).json()
    assert "speech" not in plain, "the contract object stays exact"
