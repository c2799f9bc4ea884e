"""Can one heavy client starve the others? Short questions' latency, alone and while
16 connections send the longest question the bot reads (600 characters).

    .venv/bin/python -m benchmarks.starve                # 10 s each phase
    .venv/bin/python -m benchmarks.starve --seconds 3

Limits are turned off for the run: this measures the server, not the limits (with them
on, one address gets at most POLICYBOT_IP_RATE_LIMIT questions a minute).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import aiohttp

from benchmarks.server import running_server

HEAVY = (
    "俺爹八十了，闺女每月给的孝善钱，公家还添不添？俺家住在村东头，房子漏雨，去年住院花了三万多，"
    * 20
)[:600]
SHORT = "孝善养老子女交100元政府添多少"
HEAVY_CLIENTS = 16


async def _short_latencies(http: aiohttp.ClientSession, base: str, seconds: float) -> list[float]:
    out: list[float] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.perf_counter()
        async with http.post(base + "/api/ask", json={"text": SHORT}) as resp:
            await resp.read()
        out.append(time.perf_counter() - started)
    return out


async def _heavy(http: aiohttp.ClientSession, base: str, stop: asyncio.Event) -> int:
    sent = 0
    while not stop.is_set():
        async with http.post(base + "/api/ask", json={"text": HEAVY}) as resp:
            await resp.read()
        sent += 1
    return sent


def _figures(latencies: list[float]) -> str:
    ms = sorted(x * 1000 for x in latencies)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms ({len(ms)} questions)"


async def run(seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with running_server(
            Path(tmp) / "starve.sqlite3", POLICYBOT_RATE_LIMIT="10000",
            POLICYBOT_IP_RATE_LIMIT="0",
        ) as server, aiohttp.ClientSession() as http:  # fmt: skip
            await _short_latencies(http, server.base, 1.0)  # warm-up
            alone = await _short_latencies(http, server.base, seconds)
            stop = asyncio.Event()
            heavy = [asyncio.create_task(_heavy(http, server.base, stop))
                     for _ in range(HEAVY_CLIENTS)]  # fmt: skip
            await asyncio.sleep(0.5)
            crowded = await _short_latencies(http, server.base, seconds)
            stop.set()
            sent = sum(await asyncio.gather(*heavy))
    print(f"short questions alone:                 {_figures(alone)}")
    print(f"short questions, {HEAVY_CLIENTS} heavy connections: {_figures(crowded)}")
    print(f"heavy questions answered meanwhile:    {sent} ({sent / (seconds + 0.5):.0f}/s)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    asyncio.run(run(args.seconds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
