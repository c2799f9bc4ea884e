"""A real `policybot serve` process on a free local port, for benchmarks and tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bot.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base: str  # http://127.0.0.1:PORT
    process: asyncio.subprocess.Process


@contextlib.asynccontextmanager
async def running_server(db: Path, **env: str) -> AsyncIterator[Server]:
    """`policybot serve` with its store at `db` (and more settings), up and healthy;
    terminated afterwards unless the caller already ended it."""
    port = free_port()
    environ = {**os.environ, "POLICYBOT_DB": str(db), **env}
    environ.pop("TELEGRAM_BOT_TOKEN", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", "--port", str(port),
        cwd=PROJECT_ROOT, env=environ,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(600):  # up to 60 s
                try:
                    async with http.get(base + "/healthz") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            else:
                raise RuntimeError("policybot serve did not come up")
        yield Server(base, proc)
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), timeout=30)
            except TimeoutError:
                proc.kill()
                await proc.wait()
