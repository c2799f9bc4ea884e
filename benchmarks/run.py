"""The benchmark: one table of figures, each beside its comparison, measured in one run.

    .venv/bin/python -m benchmarks.run            # full run (a few minutes)
    .venv/bin/python -m benchmarks.run --smoke    # CI: checks that it works, no targets

Matching (real booklet, synthetic 1k/10k/100k examples) vs a naive rapidfuzz baseline,
/api/ask vs /healthz throughput at 32 clients, cold start, peak RSS after 10,000 questions;
/api/ask with storage under wrk: one and two workers, SQLite and PostgreSQL (Debian's
wrk and postgresql; a row says so when one is missing); then the targets of issue 12.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import aiohttp
from rapidfuzz import fuzz, process

from benchmarks.postgres import binaries
from benchmarks.postgres import running as running_postgres
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


FIGURES: dict[str, float] = {}  # what the targets table reads, filled as measured


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
        FIGURES[f"match_p99_{size}"] = ours[1]
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
        FIGURES["python_client_ask"] = ask[0]
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
        FIGURES["rss_mb"] = rss
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
    FIGURES["cold_start_s"] = statistics.median(times)
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
        asyncio.run(scaling(seconds, clients, sample, Path(tmp)))
    cold_start(runs)
    print()
    targets()
    return 0


def _wrk_script(texts: list[str], folder: Path) -> Path:
    """A Lua script for wrk: POST /api/ask with the evaluation questions in turn, 64
    sessions (follow-ups read and write context), JSON in Lua long strings."""
    bodies = [json.dumps({"text": t, "session": f"w{i % 64}"}, ensure_ascii=False)
              for i, t in enumerate(texts)]  # fmt: skip
    items = ",\n".join(f"[==[{b}]==]" for b in bodies if "]==]" not in b)
    script = folder / "ask.lua"
    script.write_text(
        f"local bodies = {{\n{items}\n}}\nlocal i = 0\n"
        "wrk.method = 'POST'\nwrk.headers['Content-Type'] = 'application/json'\n"
        "request = function()\n  i = i + 1\n"
        "  return wrk.format(nil, '/api/ask', nil, bodies[(i % #bodies) + 1])\nend\n",
        encoding="utf-8",
    )
    return script


def wrk(base: str, script: Path, seconds: float, clients: int) -> tuple[float, float, int]:
    """Answers per second, p99 ms and non-200 answers, from wrk (a C load generator: it
    leaves the cores to the server, where a Python client would take one)."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--latency",
         "-s", str(script), base + "/api/ask"],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    ).stdout  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    late = float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*?timeout (\d+)", out)
    return rate, late, (int(bad.group(1)) if bad else 0) + (int(errors.group(1)) if errors else 0)


async def scaling(seconds: float, clients: int, texts: list[str], folder: Path) -> list[str]:
    """/api/ask with storage: one worker, two workers, SQLite and PostgreSQL."""
    if shutil.which("wrk") is None:
        row = "| /api/ask scaling | not measured: wrk is not installed (apt-get install wrk) | | |"
        print(row, flush=True)
        return [row]
    script = _wrk_script(texts, folder)
    env = {"POLICYBOT_RATE_LIMIT": "10000", "POLICYBOT_IP_RATE_LIMIT": "0"}
    rows = []

    async def measure(name: str, db: Path | str, workers: int) -> float:
        async with running_server(db, "--workers", str(workers), **env) as server:
            if seconds > 2:
                wrk(server.base, script, 2, clients)  # warm up: caches, connections, pages
            rate, p99, errors = wrk(server.base, script, seconds, clients)
        FIGURES[name] = rate
        rows.append(f"| /api/ask with storage, {name.replace('_', ' ')}, {clients} wrk "
                    f"connections | {rate:,.0f} answers/s, p99 {p99:.1f} ms, {errors} errors "
                    "| | |")  # fmt: skip
        print(rows[-1], flush=True)
        return rate

    await measure("sqlite_1_worker", folder / "one.sqlite3", 1)
    await measure("sqlite_2_workers", folder / "two.sqlite3", 2)
    bin_dir = binaries()
    if bin_dir is None:
        rows.append("| /api/ask, PostgreSQL | not measured: postgresql is not installed | | |")
        print(rows[-1], flush=True)
        return rows
    with running_postgres(bin_dir) as pg:
        for n, workers in ((1, 1), (2, 2)):
            database = f"bench{n}"
            await _create_database(pg.url(), database)
            await measure(f"postgresql_{workers}_worker{'s' if workers > 1 else ''}",
                          pg.url(database), workers)  # fmt: skip
    return rows


async def _create_database(url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def targets() -> None:
    """The figures of issue 12 beside their targets, each met or not."""
    f = FIGURES.get

    def row(what: str, value: float | None, shown: str, target: str, met: bool) -> None:
        verdict = "—" if value is None else ("met" if met else "**not met**")
        print(f"| {what} | {shown if value is not None else 'not measured'} | {target} "
              f"| {verdict} |")  # fmt: skip

    print("| target (issue 12) | measured | target | |\n| --- | --- | --- | --- |")
    real, big = f("match_p99_0"), f("match_p99_100000")
    row("matching p99, real booklet", real, f"{real or 0:.2f} ms", "≤ 2 ms", (real or 9) <= 2)
    row("matching p99, 100,000 examples", big, f"{big or 0:.2f} ms", "≤ 12 ms",
        (big or 99) <= 12)  # fmt: skip
    one = f("sqlite_1_worker")
    row("/api/ask with storage, one worker (SQLite)", one, f"{one or 0:,.0f} answers/s",
        "≥ 600 answers/s", (one or 0) >= 600)  # fmt: skip
    two = f("sqlite_2_workers")
    ratio = (two or 0) / one if one else None
    row("two workers on 2 cores (SQLite)", ratio if two else None,
        f"{ratio or 0:.2f}× one worker", "≥ 1.7×", (ratio or 0) >= 1.7)  # fmt: skip
    pg = f("postgresql_1_worker")
    share = (pg or 0) / one if one else None
    row("PostgreSQL, one worker", share if pg else None, f"{share or 0:.0%} of SQLite",
        "≥ 80%", (share or 0) >= 0.8)  # fmt: skip
    cold = f("cold_start_s")
    row("cold start to first answer", cold, f"{cold or 0:.2f} s", "≤ 1.0 s", (cold or 9) <= 1)
    rss = f("rss_mb")
    row("peak RSS after 10,000 questions", rss, f"{rss or 0:.0f} MB", "≤ 130 MB",
        (rss or 999) <= 130)  # fmt: skip


def _memory_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return float("nan")


if __name__ == "__main__":
    raise SystemExit(main())
