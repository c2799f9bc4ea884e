"""Several replicas: two `policybot serve` processes on one PostgreSQL server, and
`policybot serve --workers 2` on one SQLite file. Real processes, real HTTP, SIGKILL."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from benchmarks.server import Server, running_server

BURST = 300
CONCURRENCY = 16


@contextlib.asynccontextmanager
async def two_replicas(db: str, **env: str) -> AsyncIterator[tuple[Server, Server]]:
    async with running_server(db, **env) as a, running_server(db, **env) as b:
        yield a, b


async def ask(http: aiohttp.ClientSession, server: Server, text: str,
              session: str | None = None) -> tuple[int, dict[str, Any]]:  # fmt: skip
    body: dict[str, str] = {"text": text}
    if session:
        body["session"] = session
    async with http.post(server.base + "/api/ask", json=body) as resp:
        return resp.status, await resp.json()


async def test_a_follow_up_on_b_continues_the_topic_asked_on_a(postgres_url: str) -> None:
    async with two_replicas(postgres_url) as (a, b), aiohttp.ClientSession() as http:
        status, first = await ask(http, a, "孝善养老是啥", "family-1")
        assert status == 200 and first["intent"] == "xiaoshan.what"
        status, then = await ask(http, b, "那要啥条件", "family-1")
        assert status == 200 and then["intent"] == "xiaoshan.who", "B knows what A was asked"
        status, other = await ask(http, b, "那要啥条件", "family-2")
        assert other["intent"] != "xiaoshan.who", "another family's context is its own"


async def test_the_rate_limit_holds_across_replicas(postgres_url: str) -> None:
    """Four a minute from one address, asked of two replicas in turn: the fifth waits,
    on either replica (alone each would allow four)."""
    replicas = two_replicas(postgres_url, POLICYBOT_IP_RATE_LIMIT="4")
    async with replicas as (a, b), aiohttp.ClientSession() as http:
        statuses = [(await ask(http, s, "孝善养老是啥"))[0] for s in (a, b, a, b)]
        assert statuses == [200] * 4
        for server in (a, b):
            async with http.post(server.base + "/api/ask", json={"text": "一站式结算"}) as r:
                assert r.status == 429 and int(r.headers["Retry-After"]) >= 1


async def test_a_person_limit_holds_across_replicas(postgres_url: str) -> None:
    """The web visitor's signed cookie is good on both replicas (one key in the store),
    and their per-person budget is one budget."""
    env = {"POLICYBOT_RATE_LIMIT": "3", "POLICYBOT_IP_RATE_LIMIT": "0"}
    async with two_replicas(postgres_url, **env) as (a, b):
        jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            assert (await ask(http, a, "孝善养老是啥"))[0] == 200  # the cookie is given
            statuses = [(await ask(http, s, "孝善养老是啥"))[0] for s in (b, a, b, a)]
            assert statuses == [200, 200, 200, 429], "three a minute, on either replica"
        async with aiohttp.ClientSession() as stranger:  # another visitor: its own budget
            assert (await ask(stranger, b, "孝善养老是啥"))[0] == 200


async def test_sigkill_of_one_replica_loses_nothing_and_the_other_answers(
    postgres_url: str,
) -> None:
    acknowledged: list[str] = []
    env = {"POLICYBOT_RATE_LIMIT": "10000", "POLICYBOT_IP_RATE_LIMIT": "0"}
    async with two_replicas(postgres_url, **env) as (a, b):
        queue: asyncio.Queue[str] = asyncio.Queue()
        for n in range(BURST):
            queue.put_nowait(f"孝善养老是什么 编号Q{n:04d}")
        after_kill: list[int] = []
        killed = asyncio.Event()
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as http:

            async def client(n: int) -> None:
                server = (a, b)[n % 2]
                while not queue.empty():
                    text = queue.get_nowait()
                    try:
                        status, _ = await ask(http, server, text)
                    except (aiohttp.ClientError, TimeoutError):
                        continue  # A after the kill: not acknowledged, nothing promised
                    if status == 200:
                        acknowledged.append(text)
                        if server is b and killed.is_set():
                            after_kill.append(status)

            async def killer() -> None:
                while len(acknowledged) < BURST // 4 and not queue.empty():
                    await asyncio.sleep(0.005)
                a.process.send_signal(signal.SIGKILL)
                killed.set()

            await asyncio.gather(killer(), *(client(n) for n in range(CONCURRENCY)))
            assert await asyncio.wait_for(a.process.wait(), timeout=10) == -signal.SIGKILL
            assert len(after_kill) > 10, "B kept answering after A was killed"
            assert (await ask(http, b, "邻里互助是啥"))[0] == 200
    assert BURST // 4 <= len(acknowledged) < BURST
    db = await asyncpg.connect(postgres_url)
    try:
        stored = {r[0] for r in await db.fetch("SELECT text FROM questions")}
    finally:
        await db.close()
    missing = [t for t in acknowledged if t not in stored]
    assert not missing, f"{len(missing)} acknowledged questions lost, e.g. {missing[:3]}"


# --workers on one machine -----------------------------------------------------------


def _listening(base: str) -> int:
    """How many sockets listen on the server's port (/proc/net/tcp, state 0A)."""
    port = f"{int(base.rsplit(':', 1)[1]):04X}"
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for line in lines if line.split()[1].endswith(f":{port}")
               and line.split()[3] == "0A")  # fmt: skip


def _gone(pid: int) -> bool:
    """Ended: no such process, or a zombie waiting for whoever adopted it to reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError):
        return True


def _children(pid: int) -> set[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in found.read_text().split()} if found.exists() else set()


async def _wait_for(check: Any, seconds: float = 30.0) -> None:
    for _ in range(int(seconds * 20)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
async def test_two_workers_share_the_port_the_budget_and_come_back_after_a_kill(
    store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db: str | Path = tmp_path / "bot.sqlite3"
    if store == "postgresql":
        db = str(request.getfixturevalue("postgres_url"))
    env = {"POLICYBOT_IP_RATE_LIMIT": "6", "POLICYBOT_RATE_LIMIT": "1000"}
    async with running_server(db, "--workers", "2", **env) as server:
        await _wait_for(lambda: _listening(server.base) == 2)  # both workers are up
        workers = _children(server.process.pid)
        assert len(workers) == 2
        async with aiohttp.ClientSession() as http:
            # each request on its own connection: the kernel spreads them over both
            answers = await asyncio.gather(*(
                ask(http, server, "孝善养老是啥") for _ in range(6)
            ))  # fmt: skip
            assert [s for s, _ in answers] == [200] * 6
            assert (await ask(http, server, "孝善养老是啥"))[0] == 429, "one budget for both"
            fresh = aiohttp.TCPConnector(force_close=True)  # a new connection each time
            async with aiohttp.ClientSession(connector=fresh) as scraper:
                for _ in range(6):  # whichever worker is asked, /metrics counts both
                    async with scraper.get(server.base + "/metrics") as resp:
                        text = await resp.text()
                    assert 'policybot_questions_answered_total{channel="http"} 6.0' in text
            victim = sorted(workers)[-1]
            os.kill(victim, signal.SIGKILL)
            await _wait_for(lambda: len(_children(server.process.pid) - {victim}) == 2)
            await _wait_for(lambda: _listening(server.base) == 2)  # started again
            async with http.get(server.base + "/healthz") as resp:
                assert resp.status == 200
        running = _children(server.process.pid)
        assert len(running) == 2
        server.process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(server.process.wait(), timeout=30) == 0
        await _wait_for(lambda: all(_gone(p) for p in running), 10)


async def test_workers_end_with_their_parent_even_when_it_is_killed(tmp_path: Path) -> None:
    async with running_server(tmp_path / "bot.sqlite3", "--workers", "2") as server:
        await _wait_for(lambda: _listening(server.base) == 2)
        workers = _children(server.process.pid)
        server.process.send_signal(signal.SIGKILL)
        await server.process.wait()
        await _wait_for(lambda: all(_gone(p) for p in workers), 20)


@pytest.mark.parametrize(
    ("webhook", "worker", "made"),
    [(False, 0, True), (False, 1, False), (True, 0, True), (True, 1, True)],
)
def test_telegram_polls_in_the_first_worker_only_and_webhooks_in_all(
    webhook: bool, worker: int, made: bool, engine: Any
) -> None:
    """Two processes polling one bot make Telegram refuse both ("terminated by other
    getUpdates"); a webhook is served by every worker and set by the first."""
    from bot.frontdoor import FrontDoor
    from bot.service import Service
    from bot.settings import load_settings
    from handlers.channels import Setup
    from handlers.metrics import Metrics
    from handlers.telegram import channel

    environ = {"TELEGRAM_BOT_TOKEN": "123:abc"}
    if webhook:
        environ |= {"TELEGRAM_WEBHOOK_URL": "https://bot.example/telegram/webhook",
                    "TELEGRAM_WEBHOOK_SECRET": "s" * 20}  # fmt: skip
    door = FrontDoor(Service.of(engine))
    made_channel = channel(Setup(load_settings({}), environ, door, Metrics(), worker, 2))
    assert (made_channel is not None) == made
    if made_channel is not None:
        assert made_channel.primary == (worker == 0)
