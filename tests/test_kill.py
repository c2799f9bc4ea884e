"""Kill the server (SIGKILL) in the middle of a burst: every acknowledged question is kept."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

import aiohttp

from bot.settings import PROJECT_ROOT
from tests.test_serve import _free_port

BURST = 400
CONCURRENCY = 16


async def test_sigkill_mid_burst_loses_no_acknowledged_question(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    port = _free_port()
    env = {**os.environ, "POLICYBOT_DB": str(db), "POLICYBOT_RATE_LIMIT": "10000"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", "--port", str(port),
        cwd=PROJECT_ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    acknowledged: list[str] = []
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            for _ in range(300):  # up to 60 s for the server to come up
                try:
                    async with http.get(base + "/healthz") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.2)
            else:
                raise AssertionError("the server did not come up")

            queue: asyncio.Queue[str] = asyncio.Queue()
            for n in range(BURST):
                queue.put_nowait(f"孝善养老是什么 编号Q{n:04d}")

            async def client() -> None:
                while not queue.empty():
                    text = queue.get_nowait()
                    try:
                        async with http.post(base + "/api/ask", json={"text": text}) as resp:
                            if resp.status == 200:
                                await resp.read()
                                acknowledged.append(text)
                    except (aiohttp.ClientError, TimeoutError):
                        pass  # after the kill: not acknowledged, nothing promised

            async def killer() -> None:
                while len(acknowledged) < BURST // 4 and not queue.empty():
                    await asyncio.sleep(0.005)
                proc.send_signal(signal.SIGKILL)

            await asyncio.gather(killer(), *(client() for _ in range(CONCURRENCY)))
        assert await asyncio.wait_for(proc.wait(), timeout=10) == -signal.SIGKILL
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert BURST // 4 <= len(acknowledged) < BURST, "the kill came in the middle of the burst"
    with sqlite3.connect(db) as conn:
        stored = {row[0] for row in conn.execute("SELECT text FROM questions")}
    missing = [t for t in acknowledged if t not in stored]
    assert not missing, f"{len(missing)} acknowledged questions lost, e.g. {missing[:3]}"
