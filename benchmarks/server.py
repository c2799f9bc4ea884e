"""A real `policybot serve` process on a free local port, for benchmarks and tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bot.settings import PROJECT_ROOT


async def _healthy(http: aiohttp.ClientSession, base: str) -> bool:
    try:
        async with http.get(base + "/healthz") as resp:
            return resp.status == 200
    except aiohttp.ClientError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base: str  # http://127.0.0.1:PORT
    process: asyncio.subprocess.Process


@contextlib.asynccontextmanager
async def running_server(db: Path | str, *args: str, **env: str) -> AsyncIterator[Server]:
    """`policybot serve` with its store at `db` (a file or a URL; more arguments such as
    `--workers 2`, more settings), up and healthy; terminated afterwards unless the
    caller already ended it."""
    port = free_port()
    environ = {**os.environ, "POLICYBOT_DB": str(db), **env}
    environ.pop("TELEGRAM_BOT_TOKEN", None)
    # what it said, shown if it does not come up
    with tempfile.TemporaryFile() as errors:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "serve", "--port", str(port), *args,
            cwd=PROJECT_ROOT, env=environ, stdout=asyncio.subprocess.DEVNULL, stderr=errors,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            async with aiohttp.ClientSession() as http:
                for _ in range(600):  # up to 60 s
                    if proc.returncode is not None:
                        break
                    try:
                        async with http.get(base + "/healthz") as resp:
                            if resp.status == 200:
                                break
                    except aiohttp.ClientError:
                        await asyncio.sleep(0.1)
                if proc.returncode is not None or not await _healthy(http, base):
                    errors.seek(0)
                    said = errors.read().decode(errors="replace")[-2000:]
                    raise RuntimeError(f"policybot serve did not come up:\n{said}")
            yield Server(base, proc)
        finally:
            if proc.returncode is None:
                proc.terminate()
                try:
                    await asyncio.wait_for(proc.wait(), timeout=30)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()
