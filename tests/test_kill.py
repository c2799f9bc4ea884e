"""Kill the server (SIGKILL) in the middle of a burst: every acknowledged question is kept."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from pathlib import Path

import aiohttp

from benchmarks.server import running_server

BURST = 400
CONCURRENCY = 16


async def test_sigkill_mid_burst_loses_no_acknowledged_question(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    acknowledged: list[str] = []
    async with running_server(
        db, POLICYBOT_RATE_LIMIT="10000", POLICYBOT_IP_RATE_LIMIT="0"
    ) as server:
        proc = server.process
        queue: asyncio.Queue[str] = asyncio.Queue()
        for n in range(BURST):
            queue.put_nowait(f"孝善养老是什么 编号Q{n:04d}")
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as http:

            async def client() -> None:
                while not queue.empty():
                    text = queue.get_nowait()
                    try:
                        async with http.post(server.base + "/api/ask", json={"text": text}) as r:
                            if r.status == 200:
                                await r.read()
                                acknowledged.append(text)
                    except (aiohttp.ClientError, TimeoutError):
                        pass  # after the kill: not acknowledged, nothing promised

            async def killer() -> None:
                while len(acknowledged) < BURST // 4 and not queue.empty():
                    await asyncio.sleep(0.005)
                proc.send_signal(signal.SIGKILL)

            await asyncio.gather(killer(), *(client() for _ in range(CONCURRENCY)))
        assert await asyncio.wait_for(proc.wait(), timeout=10) == -signal.SIGKILL
    assert BURST // 4 <= len(acknowledged) < BURST, "the kill came in the middle of the burst"
    with sqlite3.connect(db) as conn:
        stored = {row[0] for row in conn.execute("SELECT text FROM questions")}
    missing = [t for t in acknowledged if t not in stored]
    assert not missing, f"{len(missing)} acknowledged questions lost, e.g. {missing[:3]}"


async def test_the_running_server_limits_an_address_whatever_session_it_claims(
    tmp_path: Path,
) -> None:
    """Issue 10, item 2, as the probe did it: rotating `session`s against `policybot
    serve`. The address's budget holds; the wait is said; readiness is fine."""
    async with (
        running_server(
            tmp_path / "bot.sqlite3", POLICYBOT_RATE_LIMIT="100", POLICYBOT_IP_RATE_LIMIT="3"
        ) as server,
        aiohttp.ClientSession() as http,
    ):
        codes = []
        for n in range(5):
            body = {"text": "孝善养老是什么", "session": f"rotating-{n}"}
            async with http.post(server.base + "/api/ask", json=body) as r:
                codes.append(r.status)
                if r.status == 429:
                    assert "please wait" in (await r.json())["error"]
        assert codes == [200, 200, 200, 429, 429]
        async with http.get(server.base + "/readyz") as r:
            assert r.status == 200 and (await r.json())["store"]["writable"]
