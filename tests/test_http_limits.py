"""Server limits (issue 10, item 5): idle and slow connections are closed, a body that
never finishes is refused, and malformed requests are logged as one short line."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.engine import Engine
from handlers.badrequests import quiet_bad_requests
from handlers.http import make_app


@pytest.fixture
async def port(engine: Engine) -> AsyncIterator[int]:
    runner = web.AppRunner(make_app(engine), keepalive_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert isinstance(server, asyncio.Server)
    yield server.sockets[0].getsockname()[1]
    await runner.cleanup()


async def _closed(reader: asyncio.StreamReader, within: float = 10.0) -> bytes:
    """What the server sent before it closed the connection (EOF), waiting at most
    `within` seconds (a generous bound: the server's timeout is half a second)."""
    return await asyncio.wait_for(reader.read(), within)


async def test_an_idle_connection_is_closed(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    assert await _closed(reader) == b""
    writer.close()


async def test_headers_that_never_finish_are_cut_off(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST /api/ask HTTP/1.1\r\nHost: x\r\n")
    await writer.drain()
    assert await _closed(reader) == b"", "closed without waiting for the rest"
    writer.close()


async def test_a_body_that_never_finishes_gets_408(
    port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import handlers.requests as module  # where every route reads its body

    monkeypatch.setattr(module, "BODY_SECONDS", 0.3)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
                 b"Content-Type: application/json\r\n\r\n{\"text\": ")  # fmt: skip
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    assert head.split(b"\r\n", 1)[0] == b"HTTP/1.1 408 Request Timeout", head[:80]
    writer.close()


async def test_malformed_requests_are_one_line_each_not_a_flood(
    port: int, caplog: pytest.LogCaptureFixture
) -> None:
    quiet_bad_requests()
    caplog.set_level(logging.DEBUG, logger="aiohttp.server")
    for _ in range(20):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n")
        await writer.drain()
        answer = await _closed(reader)
        # aiohttp answers a request it cannot parse as HTTP/1.0, then closes
        assert answer.split(b"\r\n", 1)[0] == b"HTTP/1.0 400 Bad Request", answer[:80]
        writer.close()
    records = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert len(records) == 1, [r.getMessage() for r in records]
    assert records[0].levelno == logging.WARNING and records[0].exc_info is None
    assert "bad HTTP request from 127.0.0.1" in records[0].getMessage()
    assert "Traceback" not in caplog.text
