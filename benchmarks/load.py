"""Load: many concurrent web-API sessions against a real `policybot serve` process.

    .venv/bin/python -m benchmarks.load                 # 200 sessions, 30 s
    .venv/bin/python -m benchmarks.load --sessions 50 --seconds 3

Prints requests, errors, drops, latency, and the server's resident memory sampled every
few seconds (flat after warm-up is what we want). The per-person rate limit is raised for
the run: this measures the server, not the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from benchmarks.run import questions
from benchmarks.server import running_server


@dataclass
class Outcome:
    sent: int = 0
    ok: int = 0
    errors: int = 0  # answered with a status other than 200
    dropped: int = 0  # no answer at all (connection error, time-out)
    latencies: list[float] = field(default_factory=list)
    rss_mb: list[tuple[float, float]] = field(default_factory=list)  # (seconds, MB)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def drive(base: str, pid: int, sessions: int, seconds: float) -> Outcome:
    texts = questions()
    out = Outcome()
    deadline = time.perf_counter() + seconds
    start = time.perf_counter()

    async def session(n: int, http: aiohttp.ClientSession) -> None:
        i = n
        while time.perf_counter() < deadline:
            i += sessions
            out.sent += 1
            t = time.perf_counter()
            try:
                async with http.post(
                    base + "/api/ask", json={"text": texts[i % len(texts)], "session": f"s{n}"}
                ) as resp:
                    await resp.read()
                    if resp.status == 200:
                        out.ok += 1
                    else:
                        out.errors += 1
            except (aiohttp.ClientError, TimeoutError):
                out.dropped += 1
            out.latencies.append((time.perf_counter() - t) * 1000)

    async def sample() -> None:
        while time.perf_counter() < deadline:
            out.rss_mb.append((time.perf_counter() - start, rss_mb(pid)))
            await asyncio.sleep(max(0.5, seconds / 10))

    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=sessions), timeout=timeout
    ) as http:
        await asyncio.gather(sample(), *(session(n, http) for n in range(sessions)))
    return out


async def run(sessions: int, seconds: float) -> Outcome:
    with tempfile.TemporaryDirectory() as tmp:
        async with running_server(
            Path(tmp) / "load.sqlite3", POLICYBOT_RATE_LIMIT="10000", POLICYBOT_IP_RATE_LIMIT="0"
        ) as server:
            assert server.process.pid is not None
            return await drive(server.base, server.process.pid, sessions, seconds)


def report(out: Outcome, sessions: int, seconds: float) -> str:
    lat = sorted(out.latencies) or [0.0]
    after = [mb for t, mb in out.rss_mb if t >= seconds / 3] or [0.0]
    return "\n".join([
        f"load: {sessions} sessions for {seconds:.0f} s against policybot serve",
        f"requests {out.sent:,}, answered 200: {out.ok:,}, errors {out.errors}, "
        f"dropped {out.dropped}; {out.sent / seconds:,.0f} req/s",
        f"latency p50 {lat[len(lat) // 2]:.1f} ms, p99 {lat[int(len(lat) * 0.99)]:.1f} ms",
        "memory (RSS, MB) over time: "
        + ", ".join(f"{t:.0f}s {mb:.0f}" for t, mb in out.rss_mb),
        f"after warm-up: min {min(after):.0f} MB, max {max(after):.0f} MB "
        f"(growth {max(after) - min(after):.0f} MB)",
    ])  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    out = asyncio.run(run(args.sessions, args.seconds))
    print(report(out, args.sessions, args.seconds))
    return 0 if out.errors == 0 and out.dropped == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
