"""The benchmark: one table of figures, each beside its comparison, measured in one run.

    .venv/bin/python -m benchmarks.run            # full run (a few minutes)
    .venv/bin/python -m benchmarks.run --smoke    # CI: checks that it works, no targets

Matching (real booklet, synthetic 1k/10k/100k examples) vs a naive rapidfuzz baseline,
/api/ask vs /healthz throughput at 32 clients, cold start, peak RSS after 10,000 questions.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import aiohttp
from rapidfuzz import fuzz, process

from benchmarks.server import running_server
from bot.booklet import Booklet, Intent, Topic
from bot.engine import Engine
from bot.evaluation import is_dialogue_file, load_items
from bot.loader import load_booklet
from bot.settings import DEFAULT_POLICIES, PROJECT_ROOT

BIG_SAMPLE = 300  # questions asked of the 10k and 100k booklets (both sides the same)
PLACES = ["东庄村", "西集镇", "峨山镇", "阴平镇", "古邵镇", "榴园镇", "底阁镇", "涧头集"]
WHO = ["俺爹", "俺娘", "俺家老头子", "俺闺女", "俺儿", "俺老伴", "俺", "俺们家"]


def questions() -> list[str]:
    """The labelled questions of every evaluation set (written apart from the booklet)."""
    folder = PROJECT_ROOT / "tests" / "eval"
    return [
        item.q
        for path in sorted(folder.glob("*.yaml"))
        if not is_dialogue_file(path)
        for item in load_items(path)
    ]


def scaled(booklet: Booklet, examples: int, seed: int = 7) -> Booklet:
    """A booklet of about `examples` example questions, made reproducibly from the real
    one: copies of its topics whose examples name a place and a person."""
    rng = random.Random(seed)
    base = sum(len(i.examples) for i in booklet.intents.values())
    if examples < base:  # a reproducible subset, at least 8 examples an intent
        share = examples / base
        topics_ = [
            Topic.model_validate({**t.model_dump(), "intents": [
                {**i.model_dump(), "examples": rng.sample(
                    i.examples, max(8, round(len(i.examples) * share)))}
                for i in t.intents]})
            for t in booklet.topics
        ]  # fmt: skip
        return Booklet.build(booklet.meta, topics_, booklet.lexicon, booklet.scope)
    copies = max(1, round(examples / base))
    topics: list[Topic] = []
    for c in range(copies):
        for topic in booklet.topics:
            intents = [
                Intent.model_validate(
                    {
                        **i.model_dump(),
                        "id": f"{topic.topic}{c}.{i.id.split('.')[1]}",
                        "follow_ups": [],
                        "examples": [
                            f"{rng.choice(PLACES)}{rng.choice(WHO)}{e}" if c else e
                            for e in i.examples
                        ],
                    }
                )
                for i in topic.intents
            ]
            topics.append(
                Topic.model_validate(
                    {**topic.model_dump(), "topic": f"{topic.topic}{c}", "intents": intents}
                )
            )
    return Booklet.build(booklet.meta, topics, booklet.lexicon, booklet.scope)


def _naive(question: str, examples: list[str]) -> object:
    """The baseline: rapidfuzz extractOne with WRatio over all raw example questions."""
    return process.extractOne(question, examples, scorer=fuzz.WRatio)


def timed(fn: Callable[[str], object], items: Sequence[str]) -> tuple[float, float, float]:
    """p50 and p99 in milliseconds, and questions per second."""
    latencies = []
    start = time.perf_counter()
    for q in items:
        t = time.perf_counter()
        fn(q)
        latencies.append((time.perf_counter() - t) * 1000)
    total = time.perf_counter() - start
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return statistics.median(latencies), p99, len(items) / total


def matching(sizes: Sequence[int], sample: list[str]) -> list[str]:
    rows = []
    real = load_booklet(DEFAULT_POLICIES)
    for size in [0, *sizes]:
        booklet = real if size == 0 else scaled(real, size)
        examples = [e for i in booklet.intents.values() for e in i.examples]
        started = time.perf_counter()
        engine = Engine(booklet)
        build = time.perf_counter() - started
        asked = sample if size < 10_000 else sample[:BIG_SAMPLE]  # the baseline is slow there
        ours = timed(engine.ask, asked)
        naive = timed(partial(_naive, examples=examples), asked)
        name = "real booklet" if size == 0 else f"synthetic {size:,}"
        name += f", {len(asked):,} questions"
        rows.append(
            f"| matching, {name} ({len(examples):,} examples; index {build:.1f} s) "
            f"| p50 {ours[0]:.2f} ms, p99 {ours[1]:.2f} ms, {ours[2]:,.0f} q/s "
            f"| naive extractOne(WRatio): p50 {naive[0]:.2f} ms, p99 {naive[1]:.2f} ms, "
            f"{naive[2]:,.0f} q/s | {naive[1] / ours[1]:.1f}× faster at p99 |"
        )
        print(rows[-1], flush=True)
    return rows


async def load(base: str, path: str, body: dict[str, str] | None, seconds: float,
               clients: int, texts: list[str]) -> tuple[float, float, int]:  # fmt: skip
    """Requests per second, p99 ms and errors for `clients` concurrent clients."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client(n: int, http: aiohttp.ClientSession) -> None:
        nonlocal errors
        i = n
        while time.perf_counter() < deadline:
            i += clients
            t = time.perf_counter()
            try:
                if body is None:
                    async with http.get(base + path) as resp:
                        await resp.read()
                        ok = resp.status == 200
                else:
                    payload = {"text": texts[i % len(texts)], "session": f"bench-{n}"}
                    async with http.post(base + path, json=payload) as resp:
                        await resp.read()
                        ok = resp.status == 200
            except aiohttp.ClientError:
                ok = False
            errors += not ok
            latencies.append((time.perf_counter() - t) * 1000)

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as http:
        start = time.perf_counter()
        await asyncio.gather(*(client(n, http) for n in range(clients)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    return len(latencies) / elapsed, latencies[int(len(latencies) * 0.99)], errors


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def server_figures(seconds: float, clients: int, memory_questions: int,
                         texts: list[str], db: Path) -> list[str]:  # fmt: skip
    # the per-person limit is raised: this measures the server, not the limit
    async with running_server(
        db, POLICYBOT_RATE_LIMIT="10000", POLICYBOT_IP_RATE_LIMIT="0"
    ) as server:
        base = server.base
        ask = await load(base, "/api/ask", {}, seconds, clients, texts)
        health = await load(base, "/healthz", None, seconds, clients, texts)
        rows = [
            f"| HTTP /api/ask, {clients} clients, {seconds:.0f} s | {ask[0]:,.0f} req/s, "
            f"p99 {ask[1]:.1f} ms, {ask[2]} errors | /healthz: {health[0]:,.0f} req/s, "
            f"p99 {health[1]:.1f} ms, {health[2]} errors | {ask[0] / health[0]:.0%} of /healthz |"
        ]
        print(rows[-1], flush=True)
        sent = 0
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=16)) as http:

            async def send(i: int) -> None:
                async with http.post(
                    base + "/api/ask",
                    json={"text": texts[i % len(texts)], "session": f"m{i % 500}"},
                ) as r:
                    await r.read()  # fmt: skip

            while sent < memory_questions:
                batch = range(sent, min(sent + 64, memory_questions))
                await asyncio.gather(*(send(i) for i in batch))
                sent = batch.stop
        rss = peak_rss_mb(server.process.pid)
        rows.append(f"| peak RSS of `policybot serve` after {sent:,} questions "
                    f"| {rss:.0f} MB | | |")  # fmt: skip
        print(rows[-1], flush=True)
        return rows


def cold_start(runs: int) -> str:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "ask", "俺爹八十了，闺女交的孝善钱公家添多少"],
            cwd=PROJECT_ROOT, capture_output=True, check=True,
        )  # fmt: skip
        times.append(time.perf_counter() - t)
    row = (f"| cold start: process start to first answer of `policybot ask` "
           f"| median {statistics.median(times):.2f} s of {runs} | | |")  # fmt: skip
    print(row, flush=True)
    return row


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks it runs")
    args = parser.parse_args(argv)
    sample = questions()
    if args.smoke:
        sizes, sample, seconds, clients, memory, runs = [1_000], sample[:40], 1.0, 4, 200, 1
    else:
        sizes, seconds, clients, memory, runs = [1_000, 10_000, 100_000], 10.0, 32, 10_000, 3
    print(f"# policybot benchmark, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, "
          f"{_memory_gb():.0f} GiB, Python {platform.python_version()}"
          f"{' (smoke)' if args.smoke else ''}\n")  # fmt: skip
    print("| what | ours | beside it | ratio |\n| --- | --- | --- | --- |")
    matching(sizes, sample)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(server_figures(seconds, clients, memory, sample, Path(tmp) / "b.sqlite3"))
    cold_start(runs)
    return 0


def _memory_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return float("nan")


if __name__ == "__main__":
    raise SystemExit(main())
